/*
 * The envoy driver: Envoy's admin API.
 *
 *   POST {base}/runtime_modify?<prefix>bp.<flag>=<bp>&<prefix>shadow.<flag>=<0|10000>
 *        &<prefix>rev.<flag>=<rev>     (up to CHUNK flags per request)
 *   GET  {base}/runtime              read back: {"entries":{"<key>":{"final_value":"1000",...}}}
 *
 * The route configuration (ficus-routers(7)) reads <prefix>bp.<flag> as a
 * runtime_fraction numerator over TEN_THOUSAND and the shadow key in a
 * request mirror policy.  Envoy's split is per request, not per tenant, and
 * the admin layer is lost when Envoy restarts; the rev key is kept for the
 * record only: Envoy cannot refuse an older revision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_http.h"
#include "fc_error.h"
#include "fc_router_parse.h"

#define CHUNK 30
#define DEFAULT_PREFIX "ficus."

typedef struct ejob ejob;

typedef struct {
	ejob *ej;
	fc_http_req req;
	char *url;
} epost;

struct ejob {
	fc_router_hjob c;     /* first: the job, the transfers, the base URL */
	char *runtime_url;
	fc_http_req get;
	epost *posts;
	size_t nposts;
	size_t outstanding;
	int answered;
	int unreachable;
	int list_only;
};

static const char *prefix_of(const fc_router_conf *r)
{
	return r->prefix ? r->prefix : DEFAULT_PREFIX;
}


static void req_init(fc_http_req *r, ejob *ej, const char *method, const char *url,
		     void (*done)(fc_http_req *, void *), void *ctx)
{
	fc_router_http_req(r, ej->c.j, method, url, NULL, done, ctx);
}

/* The query of one runtime_modify call for want[from..to). */
static char *modify_query(const fc_router_conf *r, const fc_rflag *want, size_t from, size_t to)
{
	fc_buf b = FC_BUF_INIT;
	char *pre = fc_http_escape(prefix_of(r));

	for (size_t i = from; i < to; i++)
		fc_buf_printf(&b, "%s%sbp.%s=%d&%sshadow.%s=%d&%srev.%s=%lld", i > from ? "&" : "", pre,
			      want[i].flag, want[i].bp, pre, want[i].flag, want[i].shadow ? 10000 : 0, pre,
			      want[i].flag, want[i].rev);
	free(pre);
	return fc_buf_detach(&b);
}

static void problem(char *out, size_t len, const ejob *ej, const fc_http_req *q, const char *what)
{
	char hint[300];

	snprintf(hint, sizeof(hint), "is '%s' Envoy's admin address?", ej->c.base);
	fc_router_http_problem(out, len, ej->c.j, q, what, hint);
}

int fc_router_envoy_parse_value(const cJSON *entry, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, "final_value");
	char *end = NULL;

	if (cJSON_IsNumber(v)) {
		/* an integer a double holds exactly: anything else would not convert */
		if (!(v->valuedouble >= -9007199254740991.0 && v->valuedouble <= 9007199254740991.0) ||
		    v->valuedouble != (double)(long long)v->valuedouble)
			return -1;
		*out = (long long)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v) || !*v->valuestring)
		return -1;
	*out = strtoll(v->valuestring, &end, 10);
	return *end ? -1 : 0;
}

int fc_router_envoy_parse_runtime(fc_router_job *j, const fc_buf *b, char *err, size_t errlen)
{
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL;
	const cJSON *entries, *c;
	const char *pre = prefix_of(j->r);
	size_t pl = strlen(pre);

	if (!doc) {
		snprintf(err, errlen, "the answer to GET /runtime is not JSON");
		return -1;
	}
	entries = cJSON_GetObjectItemCaseSensitive(doc, "entries");
	if (!cJSON_IsObject(entries)) {
		snprintf(err, errlen, "the answer to GET /runtime has no \"entries\" object");
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_ArrayForEach(c, entries) {
		const char *flag;
		char key[160];
		long long bp, shadow = 0, rev = -1;
		if (strncmp(c->string, pre, pl) || strncmp(c->string + pl, "bp.", 3))
			continue;
		flag = c->string + pl + 3;
		if (!fc_router_name_ok(flag))
			continue;
		if (fc_router_envoy_parse_value(c, &bp) < 0 || bp < 0 || bp > 10000) {
			char *name = fc_sanitize(c->string, 0);
			fc_router_clip(name, 80);
			snprintf(err, errlen, "runtime key '%s' is not a number 0..10000", name);
			free(name);
			cJSON_Delete(doc);
			return -1;
		}
		snprintf(key, sizeof(key), "%sshadow.%s", pre, flag);
		if (fc_router_envoy_parse_value(cJSON_GetObjectItemCaseSensitive(entries, key), &shadow) < 0)
			shadow = 0;
		snprintf(key, sizeof(key), "%srev.%s", pre, flag);
		if (fc_router_envoy_parse_value(cJSON_GetObjectItemCaseSensitive(entries, key), &rev) < 0 || rev < 0)
			rev = -1; /* none */
		fc_router_job_seen(j, flag, (int)bp, shadow > 0, rev);
	}
	cJSON_Delete(doc);
	return 0;
}

static void get_done(fc_http_req *q, void *ctx)
{
	ejob *ej = ctx;
	fc_router_job *j = ej->c.j;
	char why[512];

	fc_router_job_attempts(j, q);
	if (q->failed || q->status != 200) {
		problem(why, sizeof(why), ej, q, "GET /runtime");
		if (ej->list_only)
			fc_router_job_fail(j, q->no_answer, "%s", why);
		else
			fc_router_job_fail(j, 0, "read-back failed: %s", why);
		return;
	}
	fc_router_job_clear_seen(j);
	if (fc_router_envoy_parse_runtime(j, &q->resp, why, sizeof(why)) < 0) {
		fc_router_job_fail(j, 0, "%s", why);
		return;
	}
	j->seen_valid = 1;
}

static void post_done(fc_http_req *q, void *ctx)
{
	epost *po = ctx;
	ejob *ej = po->ej;
	fc_router_job *j = ej->c.j;
	char why[512];

	fc_router_job_attempts(j, q);
	if (q->failed) {
		ej->unreachable |= q->no_answer;
		fc_router_job_fail(j, 0, "%s", q->error);
	} else {
		ej->answered = 1;
		if (q->status != 200) {
			problem(why, sizeof(why), ej, q, "POST /runtime_modify");
			fc_router_job_fail(j, 0, "%s", why);
		}
	}
	if (--ej->outstanding > 0)
		return;
	if (!ej->answered) {
		j->unreachable = ej->unreachable;
		return;
	}
	req_init(&ej->get, ej, "GET", ej->runtime_url, get_done, ej);
	fc_http_add(ej->c.h, &ej->get);
}

static void start(fc_router_hjob *s, int list_only)
{
	ejob *ej = (ejob *)s;
	fc_router_job *j = s->j;

	ej->list_only = list_only;
	ej->runtime_url = fc_asprintf("%s/runtime", s->base);
	if (list_only || !j->nwant) {
		ej->list_only = 1;
		req_init(&ej->get, ej, "GET", ej->runtime_url, get_done, ej);
		fc_http_add(s->h, &ej->get);
		return;
	}
	ej->posts = fc_calloc(j->nwant / CHUNK + 2, sizeof(*ej->posts));
	for (size_t from = 0; from < j->nwant; from += CHUNK) {
		size_t to = from + CHUNK < j->nwant ? from + CHUNK : j->nwant;
		epost *po = &ej->posts[ej->nposts++];
		char *q = modify_query(j->r, j->want, from, to);
		po->ej = ej;
		po->url = fc_asprintf("%s/runtime_modify?%s", s->base, q);
		free(q);
	}
	ej->outstanding = ej->nposts;
	for (size_t k = 0; k < ej->nposts; k++) {
		req_init(&ej->posts[k].req, ej, "POST", ej->posts[k].url, post_done, &ej->posts[k]);
		fc_http_add(s->h, &ej->posts[k].req);
	}
}

static void start_push(fc_router_hjob *s)
{
	start(s, 0);
}

static void start_read(fc_router_hjob *s)
{
	start(s, 1);
}

static void end(fc_router_hjob *s)
{
	ejob *ej = (ejob *)s;

	if (ej->nposts && !ej->answered && !s->j->failed)
		fc_router_job_fail(s->j, ej->unreachable, "no answer");
	fc_http_req_clear(&ej->get);
	for (size_t k = 0; k < ej->nposts; k++) {
		fc_http_req_clear(&ej->posts[k].req);
		free(ej->posts[k].url);
	}
	free(ej->posts);
	free(ej->runtime_url);
}

static void push(fc_router_job *jobs, size_t n)
{
	fc_router_http_run(jobs, n, sizeof(ejob), start_push, end);
}

static void list(fc_router_job *jobs, size_t n)
{
	fc_router_http_run(jobs, n, sizeof(ejob), start_read, end);
}

static void describe(const fc_router_conf *r, const char *replica, const fc_rflag *want, size_t n, fc_buf *out)
{
	char *base = fc_router_base_url(replica);

	for (size_t from = 0; from < n; from += CHUNK) {
		char *q = modify_query(r, want, from, from + CHUNK < n ? from + CHUNK : n);
		fc_buf_printf(out, "router '%s' (envoy): POST %s/runtime_modify?%s\n", r->name, base, q);
		free(q);
	}
	fc_buf_printf(out, "router '%s' (envoy): GET %s/runtime (read back)\n", r->name, base);
	free(base);
}

static int check(const fc_router_conf *r, const char *what)
{
	return fc_router_check_no_map(r, what);
}

const fc_router_driver fc_router_driver_envoy = {
	.name = "envoy",
	.summary = "Envoy admin API runtime keys (split per request, not per tenant)",
	.caps = { .pushes = 1, .sticky = 0, .granularity_bp = 1, .survives_restart = 0,
		  .revisions = 0, .shadow = 1 },
	.check = check,
	.push = push,
	.list = list,
	.describe = describe,
};
