/*
 * Shadow compare configuration: its plan-file, wire and CLI forms.  Every
 * form is validated on the way in, so a stored configuration is always
 * one the router accepts (the Lua side checks the same limits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_compare.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"

void fc_compare_clear(fc_compare *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nignore; i++)
		free(c->ignore[i]);
	free(c->ignore);
	memset(c, 0, sizeof(*c));
}

void fc_compare_copy(fc_compare *dst, const fc_compare *src)
{
	*dst = *src;
	dst->ignore = src->nignore ? fc_calloc(src->nignore, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->nignore; i++)
		dst->ignore[i] = fc_strdup(src->ignore[i]);
}

int fc_compare_same(const fc_compare *a, const fc_compare *b)
{
	if (a->sample_bp != b->sample_bp || a->nignore != b->nignore)
		return 0;
	for (size_t i = 0; i < a->nignore; i++)
		if (strcmp(a->ignore[i], b->ignore[i]))
			return 0;
	return 1;
}

static int field_ok(const char *f, size_t n)
{
	if (!n || n > FC_COMPARE_FIELD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", f[i]) || !f[i])
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add a field, keeping the list sorted and without duplicates. */
static int add_field(fc_compare *c, const char *f, size_t n)
{
	char *s = fc_strndup(f, n);

	for (size_t i = 0; i < c->nignore; i++)
		if (!strcmp(c->ignore[i], s)) {
			free(s);
			return 0;
		}
	if (c->nignore >= FC_COMPARE_MAX_IGNORE) {
		free(s);
		return -1;
	}
	c->ignore = fc_realloc(c->ignore, (c->nignore + 1) * sizeof(char *));
	c->ignore[c->nignore++] = s;
	qsort(c->ignore, c->nignore, sizeof(char *), cmp_str);
	return 0;
}

static void clear_ignore(fc_compare *c)
{
	for (size_t i = 0; i < c->nignore; i++)
		free(c->ignore[i]);
	free(c->ignore);
	c->ignore = NULL;
	c->nignore = 0;
}

int fc_compare_parse_ignore(fc_compare *c, const char *list)
{
	const char *p = list;

	clear_ignore(c);
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (!field_ok(p, n)) {
			char *shown = fc_sanitize(p, 0);
			int rc;
			if (strlen(shown) > n)
				shown[n] = '\0';
			rc = fc_error_set(FC_EINVAL, "--ignore: '%.64s' is not a field name "
					  "(1 to %d letters, digits, '_' or '-')", shown, FC_COMPARE_FIELD_MAX);
			free(shown);
			clear_ignore(c);
			return rc;
		}
		if (add_field(c, p, n) < 0) {
			clear_ignore(c);
			return fc_error_set(FC_EINVAL, "--ignore: at most %d fields", FC_COMPARE_MAX_IGNORE);
		}
		p += n;
		if (*p == ',' && !*++p) {
			clear_ignore(c);
			return fc_error_set(FC_EINVAL, "--ignore: an empty field name after the last ','");
		}
	}
	return 0;
}

static cJSON *ignore_array(const fc_compare *c)
{
	cJSON *a = fc_json_arr();

	for (size_t i = 0; i < c->nignore; i++)
		fc_json_push(a, cJSON_CreateString(c->ignore[i]));
	return a;
}

char *fc_compare_wire(const fc_compare *c)
{
	cJSON *o;
	fc_buf b = FC_BUF_INIT;

	if (!c->sample_bp)
		return NULL;
	o = fc_json_obj();
	fc_json_add(o, "ignore", ignore_array(c));
	fc_json_add_num(o, "sample", c->sample_bp);
	fc_json_add_num(o, "since", (double)c->since);
	fc_json_render_compact(&b, o);
	cJSON_Delete(o);
	return fc_buf_detach(&b);
}

/* The ignore list of o (absent: none), checked. */
static int read_ignore(fc_compare *c, const cJSON *o, const char *what)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "ignore"), *f;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > FC_COMPARE_MAX_IGNORE)
		return fc_error_set(FC_EPARSE, "%s: 'compare.ignore' must be a list of at most %d field names", what,
				    FC_COMPARE_MAX_IGNORE);
	cJSON_ArrayForEach(f, a) {
		if (!cJSON_IsString(f) || !field_ok(f->valuestring, strlen(f->valuestring)))
			return fc_error_set(FC_EPARSE, "%s: 'compare.ignore' holds something that is not a field name", what);
		add_field(c, f->valuestring, strlen(f->valuestring));
	}
	return 0;
}

/* Only the keys of the form, nothing else (a typo must not pass silently). */
static int known_keys(const cJSON *o, const char *what)
{
	const cJSON *k;

	if (!cJSON_IsObject(o))
		return fc_error_set(FC_EPARSE, "%s: 'compare' must be an object", what);
	for (k = o->child; k; k = k->next)
		if (strcmp(k->string, "ignore") && strcmp(k->string, "sample") && strcmp(k->string, "since"))
			return fc_error_set(FC_EPARSE, "%s: 'compare' has an unknown key '%.60s'", what, k->string);
	return 0;
}

int fc_compare_from_wire(fc_compare *c, const char *text)
{
	cJSON *o = NULL;
	long long sample = 0, since = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!text || !*text)
		return 0;
	if ((rc = fc_json_parse(&o, "stored compare", text, strlen(text), 65536)) < 0)
		return rc;
	if ((rc = known_keys(o, "stored compare")) < 0 ||
	    (rc = fc_json_get_int(&sample, o, "sample", "stored compare")) < 0 ||
	    (rc = fc_json_get_int(&since, o, "since", "stored compare")) < 0 ||
	    (rc = read_ignore(c, o, "stored compare")) < 0)
		goto done;
	if (sample < 1 || sample > 10000 || since < 0) {
		rc = fc_error_set(FC_EPARSE, "stored compare: bad 'sample' or 'since'");
		goto done;
	}
	c->sample_bp = (int)sample;
	c->since = since;
done:
	cJSON_Delete(o);
	if (rc < 0)
		fc_compare_clear(c);
	return rc;
}

cJSON *fc_compare_to_file(const fc_compare *c)
{
	cJSON *o;
	char pct[16], when[32];

	if (!c->sample_bp)
		return NULL;
	o = fc_json_obj();
	fc_pct_format(pct, sizeof(pct), c->sample_bp);
	fc_time_format(when, sizeof(when), c->since);
	fc_json_add(o, "ignore", ignore_array(c));
	fc_json_add_str(o, "sample", pct);
	fc_json_add_str(o, "since", when);
	return o;
}

int fc_compare_from_file(fc_compare *c, const cJSON *o, const char *what)
{
	const char *sample = NULL, *since = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!o)
		return 0;
	if ((rc = known_keys(o, what)) < 0 || (rc = fc_json_get_str(&sample, o, "sample", what)) < 0 ||
	    (rc = fc_json_get_str(&since, o, "since", what)) < 0 || (rc = read_ignore(c, o, what)) < 0)
		goto done;
	if (!sample || fc_pct_parse(&c->sample_bp, sample) < 0 || c->sample_bp < 1) {
		rc = fc_error_set(FC_EPARSE, "%s: 'compare.sample' must be a percentage above 0%%", what);
		goto done;
	}
	if (!since || fc_time_parse(&c->since, since) < 0) {
		rc = fc_error_set(FC_EPARSE, "%s: 'compare.since' must be an RFC 3339 time", what);
		goto done;
	}
done:
	if (rc < 0)
		fc_compare_clear(c);
	return rc;
}

char *fc_compare_describe(const fc_compare *c)
{
	fc_buf b = FC_BUF_INIT;
	char pct[16];

	fc_pct_format(pct, sizeof(pct), c->sample_bp);
	fc_buf_printf(&b, "%s sampled", pct);
	for (size_t i = 0; i < c->nignore; i++)
		fc_buf_printf(&b, "%s%s", i ? ", " : ", ignoring ", c->ignore[i]);
	return fc_buf_detach(&b);
}

double fc_compare_rate(const fc_compare_counts *k)
{
	return k->compared > 0 ? 100.0 * (double)k->mismatched / (double)k->compared : 0.0;
}

void fc_compare_counts_format(fc_buf *b, const fc_compare_counts *k)
{
	fc_buf_printf(b, "mismatch %.2f%% (%lld/%lld compared, %lld not compared)", fc_compare_rate(k), k->mismatched,
		      k->compared, k->not_compared);
}

int fc_compare_counts_parse(fc_compare_counts *out, const char *detail)
{
	double rate;
	int used = 0;

	memset(out, 0, sizeof(*out));
	if (!detail || sscanf(detail, "mismatch %lf%% (%lld/%lld compared, %lld not compared)%n", &rate, &out->mismatched,
			      &out->compared, &out->not_compared, &used) != 4 || !used || out->mismatched < 0 ||
	    out->compared < out->mismatched || out->not_compared < 0)
		return -1;
	out->matched = out->compared - out->mismatched;
	return 0;
}
