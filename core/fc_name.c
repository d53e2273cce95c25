#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_name.h"

int fc_name_check(const char *what, const char *name)
{
	size_t i, n;
	char *shown;
	int rc;

	if (!name || !*name)
		return fc_error_set(FC_EINVAL, "%s name is empty", what);
	n = strlen(name);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 (i > 0 && (c == '.' || c == '_' || c == '-'));
		if (!ok)
			break;
	}
	if (i == n && n <= 63)
		return 0;
	shown = fc_sanitize(name, 0);
	if (strlen(shown) > 40)
		strcpy(shown + 37, "...");
	if (n > 63)
		rc = fc_error_set(FC_EINVAL, "%s name '%s' is longer than 63 characters", what, shown);
	else
		rc = fc_error_set(FC_EINVAL,
			"%s name '%s' is invalid: use a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
			what, shown);
	free(shown);
	return rc;
}

int fc_pct_parse(int *out_bp, const char *s)
{
	long whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	const char *p = s;

	if (!s || !*s)
		return fc_error_set(FC_EINVAL, "empty percentage");
	while (isdigit((unsigned char)*p) && digits < 4) {
		whole = whole * 10 + (*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && fdigits < 3) {
			frac = frac * 10 + (*p++ - '0');
			fdigits++;
		}
		if (fdigits == 0 || fdigits > 2)
			goto bad;
		if (fdigits == 1)
			frac *= 10;
	}
	if (*p == '%')
		p++;
	if (*p || digits == 0)
		goto bad;
	if (whole > 100 || (whole == 100 && frac > 0))
		return fc_error_set(FC_EINVAL, "percentage '%.20s' is above 100%%", s);
	*out_bp = (int)(whole * 100 + frac);
	return 0;
bad:
	return fc_error_set(FC_EINVAL,
		"percentage '%.20s' is not like 10, 10%% or 0.5%% (two decimals at most)", s);
}

void fc_pct_format(char *buf, unsigned long size, int bp)
{
	char tmp[32];
	size_t n;

	if (bp < 0) { /* never stored (0..10000); printf's way for the odd caller */
		if (bp % 100 == 0)
			snprintf(buf, size, "%d%%", bp / 100);
		else if (bp % 10 == 0)
			snprintf(buf, size, "%d.%d%%", bp / 100, (bp % 100) / 10);
		else
			snprintf(buf, size, "%d.%02d%%", bp / 100, bp % 100);
		return;
	}
	n = fc_fmt_uint(tmp, (unsigned)bp / 100);
	if (bp % 100) {
		tmp[n++] = '.';
		tmp[n++] = (char)('0' + bp % 100 / 10);
		if (bp % 10)
			tmp[n++] = (char)('0' + bp % 10);
	}
	tmp[n++] = '%';
	tmp[n] = '\0';
	if (size)
		buf[0] = '\0';
	fc_fmt_cat(buf, size, tmp);
}

uint32_t fc_crc32(uint32_t crc, const void *data, unsigned long len)
{
	return (uint32_t)crc32(crc, data, (uInt)len);
}

int fc_tenant_bucket(const char *flag, const char *tenant)
{
	uint32_t c = fc_crc32(0, flag, strlen(flag));
	c = fc_crc32(c, ":", 1);
	c = fc_crc32(c, tenant, strlen(tenant));
	return (int)(c % 10000u);
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void fc_name_index_build(fc_name_index *x, const char *const *names, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	x->slot = fc_calloc(cap, sizeof(*x->slot));
	x->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		size_t k = name_hash(names[i]) & x->mask;
		while (x->slot[k])
			k = (k + 1) & x->mask;
		x->slot[k] = (uint32_t)i + 1;
	}
}

long fc_name_index_find(const fc_name_index *x, const char *const *names, const char *name)
{
	for (size_t k = name_hash(name) & x->mask; x->slot[k]; k = (k + 1) & x->mask)
		if (!strcmp(names[x->slot[k] - 1], name))
			return (long)x->slot[k] - 1;
	return -1;
}

void fc_name_index_free(fc_name_index *x)
{
	free(x->slot);
	x->slot = NULL;
	x->mask = 0;
}
