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
#include "fc_error.h"
#include "fc_http.h"
#include "fc_router_driver.h"
#include "fc_tenant.h"

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
	f->pin_in = f->pin_out = NULL;
	f->npin_in = f->npin_out = 0;
	f->pin_crc = 0;
}

void fc_router_job_seen_pins(fc_router_job *j, char *const *in, size_t nin, char *const *out, size_t nout)
{
	fc_rflag *f;

	if (!j->nseen)
		return;
	f = &j->seen[j->nseen - 1];
	f->npin_in = nin;
	f->npin_out = nout;
	f->pin_crc = fc_pins_digest(in, nin, out, nout);
}

int fc_rflag_pins_equal(const fc_rflag *a, const fc_rflag *b)
{
	return a->npin_in == b->npin_in && a->npin_out == b->npin_out && a->pin_crc == b->pin_crc;
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

int fc_router_parse_v1_pins(const cJSON *obj, fc_rflag *f, char *err, size_t errlen)
{
	const cJSON *pins = cJSON_GetObjectItemCaseSensitive(obj, "pins"), *c;
	const char *side[2] = { "in", "out" };
	char **v[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	int rc = 0;

	f->npin_in = f->npin_out = 0;
	f->pin_crc = 0;
	if (!pins)
		return 0;
	if (!cJSON_IsObject(pins)) {
		snprintf(err, errlen, "'pins' is not an object");
		return -1;
	}
	for (int k = 0; k < 2 && rc == 0; k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(pins, side[k]);
		if (!a)
			continue;
		if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > FC_PINS_MAX) {
			snprintf(err, errlen, "'pins.%s' is not a list of at most %d tenants", side[k], FC_PINS_MAX);
			rc = -1;
			break;
		}
		v[k] = fc_calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
		cJSON_ArrayForEach(c, a) {
			if (!cJSON_IsString(c) || strlen(c->valuestring) > FC_TENANT_MAX) {
				snprintf(err, errlen, "'pins.%s' holds something that is not a tenant", side[k]);
				rc = -1;
				break;
			}
			v[k][n[k]++] = c->valuestring;
		}
	}
	if (rc == 0) {
		f->npin_in = n[0];
		f->npin_out = n[1];
		f->pin_crc = fc_pins_digest(v[0], n[0], v[1], n[1]);
	}
	free(v[0]);
	free(v[1]);
	return rc;
}

void fc_router_v1_pins_json(fc_buf *b, const fc_rflag *w)
{
	if (!w->npin_in && !w->npin_out)
		return;
	/* tenants are [A-Za-z0-9._~@+%-] (fc_tenant_check): nothing to escape */
	fc_buf_puts(b, ",\"pins\":{\"in\":[");
	for (size_t i = 0; i < w->npin_in; i++)
		fc_buf_printf(b, "%s\"%s\"", i ? "," : "", w->pin_in[i]);
	fc_buf_puts(b, "],\"out\":[");
	for (size_t i = 0; i < w->npin_out; i++)
		fc_buf_printf(b, "%s\"%s\"", i ? "," : "", w->pin_out[i]);
	fc_buf_puts(b, "]}");
}

char *fc_router_base_url(const char *replica)
{
	size_t n = strlen(replica);

	while (n > 0 && replica[n - 1] == '/')
		n--;
	return fc_strndup(replica, n);
}

int fc_router_check_no_map(const fc_router_conf *r, const char *what)
{
	if (r->map || r->map_file || r->pin_map)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'map', 'map_file' and 'pin_map' are for the haproxy driver",
				    what, r->name);
	return 0;
}

/* ---- HTTP drivers ---- */

void fc_router_http_run(fc_router_job *jobs, size_t n, size_t state_size,
			void (*start)(fc_router_hjob *s), void (*end)(fc_router_hjob *s))
{
	fc_http *h = fc_http_new();
	char *states = fc_calloc(n + 1, state_size);
	int64_t t0 = fc_http_now_ms();

	for (size_t i = 0; i < n; i++) {
		fc_router_hjob *s = (fc_router_hjob *)(states + i * state_size);
		s->j = &jobs[i];
		s->h = h;
		s->base = fc_router_base_url(jobs[i].replica);
		if (!jobs[i].failed) /* the engine failed it already (token) */
			start(s);
	}
	fc_http_run(h);
	for (size_t i = 0; i < n; i++) {
		fc_router_hjob *s = (fc_router_hjob *)(states + i * state_size);
		if (!jobs[i].ms)
			jobs[i].ms = (long)(fc_http_now_ms() - t0);
		end(s);
		free(s->base);
	}
	free(states);
	fc_http_free(h);
}

void fc_router_http_req(fc_http_req *r, const fc_router_job *j, const char *method, const char *url,
			const char *body, void (*done)(fc_http_req *, void *), void *ctx)
{
	const fc_router_conf *c = j->r;

	memset(r, 0, sizeof(*r));
	r->method = method;
	r->url = url;
	r->body = body;
	r->body_len = body ? strlen(body) : 0;
	r->token = c->token;
	r->ca_file = c->ca_file;
	r->tls_verify = c->tls_verify;
	r->connect_timeout_ms = c->connect_timeout_ms;
	r->deadline_ms = j->deadline_ms;
	r->retries = c->retries;
	r->done = done;
	r->ctx = ctx;
}

void fc_router_job_attempts(fc_router_job *j, const fc_http_req *q)
{
	if (q->attempts > j->attempts)
		j->attempts = q->attempts;
}

static const char *token_source(const fc_router_conf *c, char *buf, size_t len)
{
	if (c->token_env && getenv(c->token_env) && *getenv(c->token_env))
		snprintf(buf, len, "from token_env '%s'", c->token_env);
	else
		snprintf(buf, len, "from token_file '%s'", c->token_file ? c->token_file : "?");
	return buf;
}

void fc_router_http_problem(char *out, size_t len, const fc_router_job *j, const fc_http_req *q, const char *what,
			    const char *not_found)
{
	const fc_router_conf *c = j->r;
	char src[300];

	if (q->failed) {
		snprintf(out, len, "%s", q->error);
	} else if (q->status == 401 || q->status == 403) {
		if (c->token)
			snprintf(out, len, "%ld %s: the router refused the token %s", q->status,
				 fc_http_reason(q->status), token_source(c, src, sizeof(src)));
		else
			snprintf(out, len, "%ld %s: the router wants a bearer token (set token_env or token_file)",
				 q->status, fc_http_reason(q->status));
	} else if (q->status == 404) {
		snprintf(out, len, "404 Not Found for %s: %s", what, not_found);
	} else {
		/*
		 * The body is not kept: a router may echo the request, token
		 * included, in any case or encoding (ficus-routers(7)).  The
		 * status says enough; the router's own log says the rest.
		 */
		snprintf(out, len, "HTTP %ld%s%s for %s", q->status, *fc_http_reason(q->status) ? " " : "",
			 fc_http_reason(q->status), what);
	}
}
