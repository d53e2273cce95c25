/*
 * Tenant names, tenant sets and the pins digest (fc_tenant.h).  Pure: no
 * I/O; zlib's crc32 through fc_crc32.
 */
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_name.h"
#include "fc_tenant.h"

static int tenant_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '~' || c == '@' || c == '+' || c == '%' || c == '-';
}

int fc_tenant_check(const char *t)
{
	size_t n = strlen(t);
	char *shown;
	int rc;

	if (!n)
		return fc_error_set(FC_EINVAL, "a tenant may not be empty");
	for (size_t i = 0; i < n; i++)
		if (!tenant_char((unsigned char)t[i])) {
			shown = fc_sanitize(t, 0);
			if (strlen(shown) > 60)
				strcpy(shown + 57, "...");
			rc = fc_error_set(FC_EINVAL, "tenant '%s': character %zu is not one of A-Z a-z 0-9 . _ ~ @ + %% -",
					  shown, i + 1);
			free(shown);
			return rc;
		}
	if (n > FC_TENANT_MAX)
		return fc_error_set(FC_EINVAL, "tenant '%.40s...' is longer than %d bytes", t, FC_TENANT_MAX);
	return 0;
}

void fc_tenants_clear(fc_tenants *t)
{
	for (size_t i = 0; t && i < t->n; i++)
		free(t->v[i]);
	if (t) {
		free(t->v);
		t->v = NULL;
		t->n = 0;
	}
}

void fc_tenants_add(fc_tenants *t, const char *s)
{
	if ((t->n & (t->n - 1)) == 0) /* grow at powers of two */
		t->v = fc_realloc(t->v, (t->n ? t->n * 2 : 8) * sizeof(char *));
	t->v[t->n++] = fc_strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fc_tenants_sort(fc_tenants *t)
{
	size_t k = 0;

	if (t->n < 2)
		return;
	qsort(t->v, t->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < t->n; i++) {
		if (k && !strcmp(t->v[k - 1], t->v[i]))
			free(t->v[i]);
		else
			t->v[k++] = t->v[i];
	}
	t->n = k;
}

void fc_tenants_sort_borrowed(fc_tenants *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(char *), cmp_str);
}

int fc_tenants_has(const fc_tenants *t, const char *s)
{
	return t->n && bsearch(&s, t->v, t->n, sizeof(char *), cmp_str) != NULL;
}

int fc_tenants_parse(fc_tenants *out, const char *text, int lines)
{
	const char *p = text;
	size_t items = 0;
	int rc = 0;

	while (*p) {
		size_t len = strcspn(p, lines ? ",\n" : ",");
		const char *a = p, *b = p + len;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (b > a && !(lines && *a == '#')) {
			char *item = fc_strndup(a, (size_t)(b - a));
			if (++items > FC_PINS_MAX)
				rc = fc_error_set(FC_ELIMIT, "more than %d tenants given (at most %d pins per service)",
						  FC_PINS_MAX, FC_PINS_MAX);
			else if ((rc = fc_tenant_check(item)) == 0)
				fc_tenants_add(out, item);
			free(item);
			if (rc < 0)
				return rc;
		}
		p += len;
		if (*p)
			p++;
	}
	fc_tenants_sort(out);
	return 0;
}

static char **sorted_copy(char *const *v, size_t n)
{
	char **c = fc_calloc(n + 1, sizeof(char *));

	if (n)
		memcpy(c, v, n * sizeof(char *));
	qsort(c, n, sizeof(char *), cmp_str);
	return c;
}

uint32_t fc_pins_digest(char *const *in, size_t nin, char *const *out, size_t nout)
{
	uint32_t crc = 0;

	if (!nin && !nout)
		return 0;
	for (int side = 0; side < 2; side++) {
		size_t n = side ? nout : nin;
		char **s = sorted_copy(side ? out : in, n);
		for (size_t i = 0; i < n; i++) {
			crc = fc_crc32(crc, side ? "o:" : "i:", 2);
			crc = fc_crc32(crc, s[i], strlen(s[i]));
			crc = fc_crc32(crc, "\n", 1);
		}
		free(s);
	}
	return crc;
}

char *fc_tenants_shown(char *const *v, size_t n, size_t max)
{
	fc_buf b = FC_BUF_INIT;

	for (size_t i = 0; i < n && i < max; i++)
		fc_buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	if (n > max)
		fc_buf_printf(&b, " ... and %zu more", n - max);
	return fc_buf_detach(&b);
}
