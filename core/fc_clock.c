#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_error.h"

static fc_time (*clock_fn)(void);

void fc_clock_set(fc_time (*fn)(void))
{
	clock_fn = fn;
}

fc_time fc_now(void)
{
	const char *env;
	fc_time t;

	if (clock_fn)
		return clock_fn();
	env = getenv("FICUS_NOW");
	if (env && *env && fc_time_parse(&t, env) == 0)
		return t;
	return (fc_time)time(NULL);
}

int fc_clock_check(void)
{
	const char *env = getenv("FICUS_NOW");
	fc_time t;

	if (!env || !*env)
		return 0;
	if (fc_time_parse(&t, env) < 0)
		return fc_error_wrap(FC_EINVAL, "FICUS_NOW");
	return 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at p into *out; 0 if they are not all digits. */
static int digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		*out = *out * 10 + (p[i] - '0');
	}
	return 1;
}

/*
 * Times past 9999-12-31T23:59:59Z have no four-digit year: a commit or a row
 * written with one could not be read back as RFC 3339 (rebuild refuses it).
 */
static int in_range(fc_time t, const char *s)
{
	if (t > FC_TIME_MAX)
		return fc_error_set(FC_EINVAL, "time '%.40s' is after 9999-12-31T23:59:59Z, the last time ficus keeps", s);
	return 0;
}

int fc_time_parse(fc_time *out, const char *s)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1, leap, mdays;
	const char *p;
	static const int days_in[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (!s)
		return fc_error_set(FC_EINVAL, "empty time");
	if (all_digits(s)) {
		if (strlen(s) > 12)
			return fc_error_set(FC_EINVAL, "time '%.40s' out of range", s);
		*out = (fc_time)strtoll(s, NULL, 10);
		return in_range(*out, s);
	}
	/* YYYY-MM-DD[Tt ]HH:MM:SS[.frac](Z|+HH:MM|-HH:MM), exactly */
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return fc_error_set(FC_EINVAL, "time '%.40s' is not RFC 3339 (like 2026-10-04T09:00:00Z)", s);
	p = s + 19;
	if (*p == '.') { /* fractional seconds are accepted and dropped */
		p++;
		if (!isdigit((unsigned char)*p))
			return fc_error_set(FC_EINVAL, "time '%.40s' is not RFC 3339", s);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
			return fc_error_set(FC_EINVAL, "time '%.40s' has a bad offset", s);
		p += 6;
	} else {
		return fc_error_set(FC_EINVAL, "time '%.40s' needs 'Z' or an offset", s);
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	mdays = mo >= 1 && mo <= 12 ? days_in[mo - 1] + (mo == 2 && leap) : 0;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays || h > 23 || mi > 59 || sec > 60 || oh > 23 ||
	    om > 59 || y < 1970)
		return fc_error_set(FC_EINVAL, "time '%.40s' is not a valid RFC 3339 time", s);
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec
		- sign * (oh * 3600 + om * 60);
	return in_range(*out, s);
}

void fc_time_format(char *buf, unsigned long size, fc_time t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fc_duration_parse(int64_t *out, const char *s)
{
	const char *p = s;
	int64_t total = 0;
	int any = 0;

	if (!s || !*s)
		return fc_error_set(FC_EINVAL, "empty duration");
	if (all_digits(s)) {
		if (strlen(s) > 10)
			return fc_error_set(FC_EINVAL, "duration '%.40s' out of range", s);
		int64_t v = strtoll(s, NULL, 10);
		if (v > (int64_t)100 * 365 * 86400)
			return fc_error_set(FC_EINVAL, "duration '%.40s' out of range", s);
		*out = v;
		return 0;
	}
	while (*p) {
		int64_t v = 0, unit;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			if (++digits > 9)
				return fc_error_set(FC_EINVAL, "duration '%.40s' out of range", s);
			v = v * 10 + (*p++ - '0');
		}
		if (!digits)
			return fc_error_set(FC_EINVAL,
				"duration '%.40s' is not like 90s, 15m, 24h, 14d, 2w or 7d2h", s);
		switch (*p++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default:
			return fc_error_set(FC_EINVAL,
				"duration '%.40s' is not like 90s, 15m, 24h, 14d, 2w or 7d2h", s);
		}
		total += v * unit;
		if (total > (int64_t)100 * 365 * 86400)
			return fc_error_set(FC_EINVAL, "duration '%.40s' out of range", s);
		any = 1;
	}
	if (!any)
		return fc_error_set(FC_EINVAL, "empty duration");
	*out = total;
	return 0;
}

void fc_duration_format(char *buf, unsigned long size, int64_t secs)
{
	static const struct { int64_t n; char c; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' }
	};
	char tmp[64];
	size_t used = 0;
	uint64_t left;
	int parts = 0, i;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (secs < 0)
		tmp[used++] = '-';
	left = secs < 0 ? 0 - (uint64_t)secs : (uint64_t)secs;
	if (left == 0) {
		tmp[used++] = '0';
		tmp[used++] = 's';
	}
	for (i = 0; i < 4 && parts < 2 && left; i++) {
		uint64_t q = left / (uint64_t)units[i].n;
		if (!q) {
			if (parts)
				break; /* "7d" not "7d0h5m": keep the two leading units */
			continue;
		}
		used += fc_fmt_uint(tmp + used, q);
		tmp[used++] = units[i].c;
		left -= q * (uint64_t)units[i].n;
		parts++;
	}
	tmp[used] = '\0';
	fc_fmt_cat(buf, size, tmp);
}
