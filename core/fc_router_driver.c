/*
 * The helpers every driver shares (fc_router_driver.h): job results, the
 * observed values, deadlines and backoff, protocol v1's flag object and
 * replica URLs.  They may run on a driver's threads: nothing here touches
 * the database or the last-error buffer, and a message never holds the
 * router's token (fc_mask_secret).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_http.h"
#include "fc_router_driver.h"

/* ---- job helpers (called by drivers, possibly on threads) ---- */

static void vformat(char *dst, size_t size, const char *token, const char *fmt, va_list ap)
{
	char tmp[512], *clean;

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	fc_mask_secret(tmp, token);
	clean = fc_sanitize(tmp, 0);
	snprintf(dst, size, "%s", clean);
	free(clean);
}

void fc_router_job_fail(fc_router_job *j, int unreachable, const char *fmt, ...)
{
	va_list ap;

	if (!j->failed || !j->msg[0]) {
		va_start(ap, fmt);
		vformat(j->msg, sizeof(j->msg), j->r->token, fmt, ap);
		va_end(ap);
	}
	if (!j->failed)
		j->unreachable = unreachable;
	j->failed = 1;
}

void fc_router_job_flag_error(fc_router_job *j, size_t i, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	if (i >= j->nwant)
		return;
	if (!j->flag_error)
		j->flag_error = fc_calloc(j->nwant, sizeof(char *));
	if (j->flag_error[i])
		return;
	va_start(ap, fmt);
	vformat(tmp, sizeof(tmp), j->r->token, fmt, ap);
	va_end(ap);
	j->flag_error[i] = fc_strdup(tmp);
	if (!j->msg[0])
		snprintf(j->msg, sizeof(j->msg), "%s", tmp);
}

void fc_router_job_seen(fc_router_job *j, const char *flag, int bp, int shadow, long long rev)
{
	fc_rflag *f;

	if (strlen(flag) >= sizeof(f->flag))
		return;
	if ((j->nseen & (j->nseen - 1)) == 0) /* grow at powers of two */
		j->seen = fc_realloc(j->seen, (j->nseen ? j->nseen * 2 : 16) * sizeof(*j->seen));
	f = &j->seen[j->nseen++];
	snprintf(f->flag, sizeof(f->flag), "%s", flag);
	f->bp = bp;
	f->shadow = shadow;
	f->rev = rev;
}

void fc_router_job_clear_seen(fc_router_job *j)
{
	j->nseen = 0;
	j->seen_sorted = 0;
}

long fc_router_job_want_index(const fc_router_job *j, const char *flag)
{
	for (size_t i = 0; i < j->nwant; i++)
		if (!strcmp(j->want[i].flag, flag))
			return (long)i;
	return -1;
}

int fc_rflag_cmp(const void *a, const void *b)
{
	return strcmp(((const fc_rflag *)a)->flag, ((const fc_rflag *)b)->flag);
}

const fc_rflag *fc_router_job_find_seen(fc_router_job *j, const char *flag)
{
	fc_rflag key;

	if (!j->nseen)
		return NULL;
	if (j->seen_sorted != j->nseen) {
		qsort(j->seen, j->nseen, sizeof(*j->seen), fc_rflag_cmp);
		j->seen_sorted = j->nseen;
	}
	snprintf(key.flag, sizeof(key.flag), "%s", flag);
	return bsearch(&key, j->seen, j->nseen, sizeof(*j->seen), fc_rflag_cmp);
}

int64_t fc_router_job_left(const fc_router_job *j)
{
	return j->deadline_ms - fc_http_now_ms();
}

int64_t fc_router_backoff_ms(int attempt, unsigned *seed)
{
	int64_t b = 100;
	for (int i = 2; i < attempt && b < 5000; i++)
		b *= 2;
	return b + (int64_t)(rand_r(seed) % (unsigned)(b / 2 + 1));
}

int fc_router_parse_v1(const cJSON *obj, int *bp, int *shadow, long long *rev, char *err, size_t errlen)
{
	const cJSON *b, *s, *r;

	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	b = cJSON_GetObjectItemCaseSensitive(obj, "bp");
	s = cJSON_GetObjectItemCaseSensitive(obj, "shadow");
	r = cJSON_GetObjectItemCaseSensitive(obj, "rev");
	if (!cJSON_IsNumber(b) || b->valuedouble < 0 || b->valuedouble > 10000 ||
	    b->valuedouble != (double)(int)b->valuedouble) {
		snprintf(err, errlen, "'bp' is not an integer 0..10000");
		return -1;
	}
	if (!cJSON_IsBool(s)) {
		snprintf(err, errlen, "'shadow' is not true or false");
		return -1;
	}
	if (!cJSON_IsNumber(r) || r->valuedouble < 0 || r->valuedouble > 9007199254740991.0 ||
	    r->valuedouble != (double)(long long)r->valuedouble) {
		snprintf(err, errlen, "'rev' is not a non-negative integer");
		return -1;
	}
	*bp = (int)b->valuedouble;
	*shadow = cJSON_IsTrue(s);
	*rev = (long long)r->valuedouble;
	return 0;
}

char *fc_router_base_url(const char *replica)
{
	size_t n = strlen(replica);

	while (n > 0 && replica[n - 1] == '/')
		n--;
	return fc_strndup(replica, n);
}
