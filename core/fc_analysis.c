/*
 * Analysis checks: expand, ask Prometheus (fc_http, in parallel), parse
 * (fc_prom), judge against the bounds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_analysis.h"
#include "fc_buf.h"
#include "fc_error.h"
#include "fc_http.h"
#include "fc_prom.h"

void fc_analysis_result_clear(fc_analysis_result *r)
{
	if (!r)
		return;
	free(r->query);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

const char *fc_analysis_outcome_name(fc_analysis_outcome o)
{
	static const char *const names[] = { "pass", "fail", "no-data", "error" };
	return o <= FC_ANALYSIS_ERROR ? names[o] : "error";
}

static void num(char *buf, size_t size, double v)
{
	if (isinf(v))
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(buf, size, "%.6g", v);
}

void fc_analysis_judge(fc_analysis_result *r, const fc_analysis_spec *s, const fc_prom_answer *a)
{
	char v[32], lo[32], hi[32];
	int below, above;

	free(r->detail);
	r->has_value = a->has_value;
	r->value = a->has_value ? a->value : 0;
	if (!a->has_value) {
		r->outcome = FC_ANALYSIS_NO_DATA;
		r->detail = fc_asprintf("%s: no data (%s)", s->name,
					a->nseries ? "the value is NaN" : "the query matched no series");
		return;
	}
	num(v, sizeof(v), a->value);
	num(lo, sizeof(lo), s->min);
	num(hi, sizeof(hi), s->max);
	below = s->has_min && a->value < s->min;
	above = s->has_max && a->value > s->max;
	r->outcome = below || above ? FC_ANALYSIS_FAIL : FC_ANALYSIS_PASS;
	if (below)
		r->detail = fc_asprintf("%s=%s < %s", s->name, v, lo);
	else if (above)
		r->detail = fc_asprintf("%s=%s > %s", s->name, v, hi);
	else if (s->has_min && s->has_max)
		r->detail = fc_asprintf("%s <= %s=%s <= %s", lo, s->name, v, hi);
	else if (s->has_max)
		r->detail = fc_asprintf("%s=%s <= %s", s->name, v, hi);
	else if (s->has_min)
		r->detail = fc_asprintf("%s=%s >= %s", s->name, v, lo);
	else
		r->detail = fc_asprintf("%s=%s (no bounds)", s->name, v);
}

/* application/x-www-form-urlencoded, for the query parameter */
static void form_encode(fc_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '~') {
			fc_buf_putc(b, (char)c);
		} else {
			fc_buf_putc(b, '%');
			fc_buf_putc(b, hex[c >> 4]);
			fc_buf_putc(b, hex[c & 15]);
		}
	}
}

int fc_analysis_run(fc_analysis_result *out, const fc_analysis_spec *specs, const fc_prom_vars *vars, size_t n)
{
	fc_http_req *reqs = NULL;
	char **urls = NULL;
	fc_http *h = NULL;
	size_t i;
	int rc = 0;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		if (strncmp(specs[i].url, "http://", 7) && strncmp(specs[i].url, "https://", 8)) {
			rc = fc_error_set(FC_EINVAL, "check '%s': the Prometheus URL must be http:// or https://",
					  specs[i].name);
			goto done;
		}
		if ((rc = fc_prom_expand(&out[i].query, specs[i].query, &vars[i])) < 0) {
			rc = fc_error_wrap(rc, "check '%s'", specs[i].name);
			goto done;
		}
	}
	reqs = fc_calloc(n + 1, sizeof(*reqs));
	urls = fc_calloc(n + 1, sizeof(*urls));
	h = fc_http_new();
	for (i = 0; i < n; i++) {
		fc_buf u = FC_BUF_INIT;
		size_t len = strlen(specs[i].url);
		long to = specs[i].timeout_ms > 0 ? specs[i].timeout_ms : 5000;

		fc_buf_put(&u, specs[i].url, len && specs[i].url[len - 1] == '/' ? len - 1 : len);
		fc_buf_puts(&u, "/api/v1/query?query=");
		form_encode(&u, out[i].query);
		urls[i] = fc_buf_detach(&u);
		reqs[i].method = "GET";
		reqs[i].url = urls[i];
		reqs[i].token = specs[i].token;
		reqs[i].ca_file = specs[i].ca_file;
		reqs[i].tls_verify = specs[i].tls_verify;
		reqs[i].connect_timeout_ms = to;
		reqs[i].deadline_ms = fc_http_now_ms() + to;
		reqs[i].retries = 1;
		reqs[i].max_response = FC_PROM_MAX_BODY;
		fc_http_add(h, &reqs[i]);
	}
	fc_http_run(h);
	for (i = 0; i < n; i++) {
		fc_analysis_result *r = &out[i];
		fc_prom_answer a;

		if (reqs[i].failed && !reqs[i].status) {
			r->outcome = FC_ANALYSIS_ERROR;
			r->detail = fc_asprintf("%s: prometheus could not be asked: %s", specs[i].name, reqs[i].error);
		} else if (reqs[i].too_large) {
			r->outcome = FC_ANALYSIS_ERROR;
			r->detail = fc_asprintf("%s: prometheus's answer is larger than %u bytes", specs[i].name,
						FC_PROM_MAX_BODY);
		} else if (fc_prom_parse(&a, reqs[i].status, reqs[i].resp.ptr ? reqs[i].resp.ptr : "",
					 reqs[i].resp.len) < 0) {
			r->outcome = FC_ANALYSIS_ERROR;
			r->detail = fc_asprintf("%s: %s", specs[i].name, fc_error_last());
			if (specs[i].token)
				fc_mask_secret(r->detail, specs[i].token);
			fc_error_clear();
		} else {
			fc_analysis_judge(r, &specs[i], &a);
		}
	}
done:
	for (i = 0; reqs && i < n; i++)
		fc_http_req_clear(&reqs[i]);
	for (i = 0; urls && i < n; i++)
		free(urls[i]);
	free(urls);
	free(reqs);
	fc_http_free(h);
	if (rc < 0)
		for (i = 0; i < n; i++)
			fc_analysis_result_clear(&out[i]);
	return rc;
}
