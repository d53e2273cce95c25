#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"

static void oom_check(const void *p)
{
	if (!p) {
		fputs("ficus: out of memory\n", stderr);
		abort();
	}
}

cJSON *fc_json_obj(void) { cJSON *o = cJSON_CreateObject(); oom_check(o); return o; }
cJSON *fc_json_arr(void) { cJSON *a = cJSON_CreateArray(); oom_check(a); return a; }

void fc_json_add_str(cJSON *obj, const char *key, const char *val)
{
	oom_check(cJSON_AddStringToObject(obj, key, val ? val : ""));
}

void fc_json_add_num(cJSON *obj, const char *key, double val)
{
	oom_check(cJSON_AddNumberToObject(obj, key, val));
}

void fc_json_add_bool(cJSON *obj, const char *key, int val)
{
	oom_check(cJSON_AddBoolToObject(obj, key, val ? 1 : 0));
}

void fc_json_add(cJSON *obj, const char *key, cJSON *item)
{
	oom_check(item);
	cJSON_AddItemToObject(obj, key, item);
}

void fc_json_push(cJSON *arr, cJSON *item)
{
	oom_check(item);
	cJSON_AddItemToArray(arr, item);
}

static void put_string(fc_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fc_buf_putc(out, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"': fc_buf_puts(out, "\\\""); break;
		case '\\': fc_buf_puts(out, "\\\\"); break;
		case '\n': fc_buf_puts(out, "\\n"); break;
		case '\t': fc_buf_puts(out, "\\t"); break;
		case '\r': fc_buf_puts(out, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fc_buf_printf(out, "\\u%04x", *p);
			else
				fc_buf_putc(out, (char)*p);
		}
	}
	fc_buf_putc(out, '"');
}

static void put_number(fc_buf *out, double v)
{
	if (!isfinite(v))
		fc_buf_puts(out, "null");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fc_buf_printf(out, "%.0f", v);
	else {
		/* the shorter of 15 or 17 digits that reads back exactly */
		char num[40];
		snprintf(num, sizeof(num), "%.15g", v);
		if (strtod(num, NULL) != v)
			snprintf(num, sizeof(num), "%.17g", v);
		fc_buf_puts(out, num);
	}
}

static int cmp_items(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static void indent(fc_buf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fc_buf_puts(out, "  ");
}

static void render(fc_buf *out, const cJSON *item, int depth, int pretty)
{
	const cJSON *c;
	const cJSON **kids;
	size_t n = 0, i;

	if (cJSON_IsString(item)) { put_string(out, item->valuestring); return; }
	if (cJSON_IsNumber(item)) { put_number(out, item->valuedouble); return; }
	if (cJSON_IsTrue(item)) { fc_buf_puts(out, "true"); return; }
	if (cJSON_IsFalse(item)) { fc_buf_puts(out, "false"); return; }
	if (!cJSON_IsArray(item) && !cJSON_IsObject(item)) { fc_buf_puts(out, "null"); return; }

	for (c = item->child; c; c = c->next)
		n++;
	if (n == 0) {
		fc_buf_puts(out, cJSON_IsArray(item) ? "[]" : "{}");
		return;
	}
	kids = fc_malloc(n * sizeof(*kids));
	for (i = 0, c = item->child; c; c = c->next)
		kids[i++] = c;
	if (cJSON_IsObject(item))
		qsort(kids, n, sizeof(*kids), cmp_items);
	fc_buf_putc(out, cJSON_IsArray(item) ? '[' : '{');
	for (i = 0; i < n; i++) {
		if (pretty) {
			fc_buf_putc(out, '\n');
			indent(out, depth + 1);
		}
		if (cJSON_IsObject(item)) {
			put_string(out, kids[i]->string);
			fc_buf_puts(out, pretty ? ": " : ":");
		}
		render(out, kids[i], depth + 1, pretty);
		if (i + 1 < n)
			fc_buf_putc(out, ',');
	}
	if (pretty) {
		fc_buf_putc(out, '\n');
		indent(out, depth);
	}
	fc_buf_putc(out, cJSON_IsArray(item) ? ']' : '}');
	free(kids);
}

void fc_json_render(fc_buf *out, const cJSON *item)
{
	render(out, item, 0, 1);
	fc_buf_putc(out, '\n');
}

void fc_json_render_compact(fc_buf *out, const cJSON *item)
{
	render(out, item, 0, 0);
}

/* Offset of a \u0000 escape inside a string, or len: C strings would cut it. */
static size_t find_nul_escape(const char *data, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] != '\\')
			continue;
		if (data[i + 1] == 'u' && i + 5 < len && !memcmp(data + i + 2, "0000", 4))
			return i;
		i++; /* skip the escaped character */
	}
	return len;
}

static void line_col(const char *data, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int fc_json_parse(cJSON **out, const char *what, const char *data, size_t len, size_t max_len)
{
	const char *end = NULL;
	cJSON *root;
	size_t line = 1, col = 1, i, off;

	*out = NULL;
	if (len > max_len)
		return fc_error_set(FC_ELIMIT, "%s is %zu bytes, more than the limit of %zu",
				    what, len, max_len);
	if ((off = find_nul_escape(data, len)) < len) {
		line_col(data, off, &line, &col);
		return fc_error_set(FC_EPARSE, "%s: line %zu, column %zu: strings may not hold \\u0000", what, line, col);
	}
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!root) {
		const char *ep = end ? end : cJSON_GetErrorPtr();
		off = ep && ep >= data && ep <= data + len ? (size_t)(ep - data) : len;
		/* where a key was expected, cJSON reports one character past the fault */
		if (off > 0 && off <= len && data[off - 1] != '"' && data[off - 1] != ' ' && data[off - 1] != '\n' &&
		    data[off - 1] != '\t' && data[off - 1] != '\r') {
			size_t k = off - 1;
			while (k > 0 && (data[k - 1] == ' ' || data[k - 1] == '\n' || data[k - 1] == '\t' || data[k - 1] == '\r'))
				k--;
			if (k > 0 && (data[k - 1] == '{' || data[k - 1] == ','))
				off--;
		}
		for (i = 0; i < off; i++) {
			if (data[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		if (len == 0)
			return fc_error_set(FC_EPARSE, "%s: empty document", what);
		return fc_error_set(FC_EPARSE, "%s: line %zu, column %zu: malformed JSON", what, line, col);
	}
	/* trailing garbage after the value */
	for (off = (size_t)(end - data); off < len; off++) {
		char ch = data[off];
		if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r' && ch != '\0') {
			for (i = 0; i < off; i++) {
				if (data[i] == '\n') { line++; col = 1; } else col++;
			}
			cJSON_Delete(root);
			return fc_error_set(FC_EPARSE, "%s: line %zu, column %zu: unexpected text after the document",
					    what, line, col);
		}
	}
	*out = root;
	return 0;
}

int fc_json_get_str(const char **out, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return fc_error_set(FC_EPARSE, "%s: '%s' must be a string", what, key);
	*out = v->valuestring;
	return 0;
}

int fc_json_get_num(double *out, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return fc_error_set(FC_EPARSE, "%s: '%s' must be a number", what, key);
	*out = v->valuedouble;
	return 0;
}

int fc_json_get_int(long long *out, const cJSON *obj, const char *key, const char *what)
{
	double d = 0;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	int rc;

	if (!v || cJSON_IsNull(v))
		return 0;
	if ((rc = fc_json_get_num(&d, obj, key, what)) < 0)
		return rc;
	if (d != floor(d) || fabs(d) > 9e15)
		return fc_error_set(FC_EPARSE, "%s: '%s' must be an integer", what, key);
	*out = (long long)d;
	return 0;
}

int fc_json_get_bool(int *out, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return fc_error_set(FC_EPARSE, "%s: '%s' must be true or false", what, key);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A value for a message: compact JSON, cut. */
static void diff_value(fc_buf *b, const cJSON *v)
{
	char *t = v ? cJSON_PrintUnformatted(v) : NULL;

	if (!t)
		fc_buf_puts(b, "unset");
	else if (strlen(t) > 60)
		fc_buf_printf(b, "%.57s...", t);
	else
		fc_buf_puts(b, t);
	free(t);
}

char *fc_json_diff(const cJSON *have, const cJSON *want)
{
	fc_buf b = FC_BUF_INIT;
	const cJSON *w;

	cJSON_ArrayForEach(w, want) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, w->string);
		if (h && cJSON_Compare(h, w, 1))
			continue;
		fc_buf_printf(&b, "%s%s is ", b.len ? "; " : "", w->string);
		diff_value(&b, h);
		fc_buf_puts(&b, ", not ");
		diff_value(&b, w);
	}
	return b.len ? fc_buf_detach(&b) : (fc_buf_free(&b), NULL);
}
