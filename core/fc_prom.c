/*
 * Prometheus's HTTP API answers, read with cJSON (see fc_prom.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_prom.h"

/* A sample's value: Prometheus sends it as a string ("0.5", "NaN", "+Inf"). */
static int sample_value(fc_prom_answer *out, const cJSON *pair)
{
	const cJSON *v;
	char *end;
	double d;

	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(cJSON_GetArrayItem(pair, 0)))
		return fc_error_set(FC_EPARSE, "prometheus: a sample is not [time, \"value\"]");
	v = cJSON_GetArrayItem(pair, 1);
	if (!cJSON_IsString(v) || !*v->valuestring)
		return fc_error_set(FC_EPARSE, "prometheus: a sample's value is not a string");
	if (!strcmp(v->valuestring, "NaN")) {
		out->has_value = 0;
		return 0;
	}
	if (!strcmp(v->valuestring, "+Inf") || !strcmp(v->valuestring, "Inf")) {
		d = INFINITY;
	} else if (!strcmp(v->valuestring, "-Inf")) {
		d = -INFINITY;
	} else {
		d = strtod(v->valuestring, &end);
		if (*end || isnan(d))
			return fc_error_set(FC_EPARSE, "prometheus: a sample's value is not a number");
	}
	out->has_value = 1;
	out->value = d;
	return 0;
}

static void series_text(fc_prom_answer *out, const cJSON *metric)
{
	fc_buf b = FC_BUF_INIT;
	const cJSON *l;
	char *clean;
	int first = 1;

	fc_buf_putc(&b, '{');
	cJSON_ArrayForEach(l, metric) {
		if (!cJSON_IsString(l) || !l->string)
			continue;
		fc_buf_printf(&b, "%s%s=\"%s\"", first ? "" : ",", l->string, l->valuestring);
		first = 0;
	}
	fc_buf_putc(&b, '}');
	clean = fc_sanitize(fc_buf_cstr(&b), 0);
	snprintf(out->series, sizeof(out->series), "%s", clean);
	free(clean);
	fc_buf_free(&b);
}

/* Prometheus's error envelope, or an HTTP error without one. */
static int error_answer(long http_status, const cJSON *doc)
{
	const cJSON *type = doc ? cJSON_GetObjectItemCaseSensitive(doc, "errorType") : NULL;
	const cJSON *err = doc ? cJSON_GetObjectItemCaseSensitive(doc, "error") : NULL;
	char *t = fc_sanitize(cJSON_IsString(type) ? type->valuestring : "", 0);
	char *e = fc_sanitize(cJSON_IsString(err) ? err->valuestring : "", 0);
	int rc;

	if (*e)
		rc = fc_error_set(FC_ERROR, "prometheus answered %ld%s%.40s: %.200s", http_status, *t ? " " : "", t, e);
	else
		rc = fc_error_set(FC_ERROR, "prometheus answered HTTP %ld without a Prometheus answer", http_status);
	free(t);
	free(e);
	return rc;
}

int fc_prom_parse(fc_prom_answer *out, long http_status, const char *body, size_t len)
{
	cJSON *doc = NULL;
	const cJSON *status, *data, *type, *result, *first;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > FC_PROM_MAX_BODY)
		return fc_error_set(FC_ELIMIT, "prometheus: the answer is larger than %u bytes", FC_PROM_MAX_BODY);
	if (fc_json_parse(&doc, "prometheus answer", body ? body : "", len, FC_PROM_MAX_BODY) < 0 ||
	    !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		fc_error_clear();
		if (http_status != 200)
			return error_answer(http_status, NULL);
		return fc_error_set(FC_EPARSE, "prometheus: the answer is not JSON");
	}
	status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (http_status != 200 || !cJSON_IsString(status) || strcmp(status->valuestring, "success")) {
		if (http_status == 200 && !cJSON_IsString(status))
			rc = fc_error_set(FC_EPARSE, "prometheus: the answer has no status");
		else
			rc = error_answer(http_status, doc);
		goto done;
	}
	data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	type = data ? cJSON_GetObjectItemCaseSensitive(data, "resultType") : NULL;
	result = data ? cJSON_GetObjectItemCaseSensitive(data, "result") : NULL;
	if (!cJSON_IsString(type) || !result) {
		rc = fc_error_set(FC_EPARSE, "prometheus: the answer has no data.resultType and data.result");
		goto done;
	}
	if (!strcmp(type->valuestring, "scalar")) {
		rc = sample_value(out, result);
	} else if (!strcmp(type->valuestring, "vector")) {
		if (!cJSON_IsArray(result)) {
			rc = fc_error_set(FC_EPARSE, "prometheus: a vector result is not an array");
			goto done;
		}
		out->nseries = (size_t)cJSON_GetArraySize(result);
		rc = 0;
		first = cJSON_GetArrayItem(result, 0);
		if (first) {
			const cJSON *metric = cJSON_GetObjectItemCaseSensitive(first, "metric");
			if (!cJSON_IsObject(first)) {
				rc = fc_error_set(FC_EPARSE, "prometheus: a vector's sample is not an object");
				goto done;
			}
			if (cJSON_IsObject(metric))
				series_text(out, metric);
			rc = sample_value(out, cJSON_GetObjectItemCaseSensitive(first, "value"));
		}
	} else {
		char *t = fc_sanitize(type->valuestring, 0);
		rc = fc_error_set(FC_EPARSE, "prometheus: the query gives a %.20s, not an instant vector or a scalar "
				  "(an analysis check needs one number)", t);
		free(t);
	}
done:
	cJSON_Delete(doc);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int fc_prom_expand(char **out, const char *query, const fc_prom_vars *v)
{
	fc_buf b = FC_BUF_INIT;
	const char *p = query, *open;

	*out = NULL;
	while ((open = strstr(p, "{{"))) {
		const char *close = strstr(open + 2, "}}");
		size_t n;
		fc_buf_put(&b, p, (size_t)(open - p));
		if (!close) {
			fc_buf_free(&b);
			return fc_error_set(FC_EINVAL, "the query has a '{{' without its '}}'");
		}
		n = (size_t)(close - open - 2);
		if (n == 7 && !strncmp(open + 2, "service", n)) {
			fc_buf_puts(&b, v->service ? v->service : "");
		} else if (n == 4 && !strncmp(open + 2, "flag", n)) {
			fc_buf_puts(&b, v->flag ? v->flag : "");
		} else if (n == 5 && !strncmp(open + 2, "route", n)) {
			fc_buf_puts(&b, v->route ? v->route : "");
		} else if (n == 10 && !strncmp(open + 2, "step_since", n)) {
			fc_buf_printf(&b, "%llds", v->step_since_s > 0 ? v->step_since_s : 1);
		} else {
			int rc = fc_error_set(FC_EINVAL, "the query names '{{%.*s}}': the variables are {{service}}, "
					      "{{flag}}, {{route}} and {{step_since}}", (int)(n > 40 ? 40 : n), open + 2);
			fc_buf_free(&b);
			return rc;
		}
		p = close + 2;
	}
	fc_buf_puts(&b, p);
	*out = fc_buf_detach(&b);
	return 0;
}
