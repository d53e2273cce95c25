/*
 * The ficus router protocol v1 (ficus-routers(7)), for the `http` driver
 * and for `nginx-lua` (contrib/nginx/ficus.lua speaks the same protocol):
 *
 *   GET {base}/v1/flags          -> {"flags":{"<flag>":{"bp":N,"shadow":B,"rev":N}}}
 *   PUT {base}/v1/flags/<flag>   {"bp":N,"shadow":B,"rev":N[,"pins":{"in":[T..],"out":[T..]}]}
 *                                -> 200 and the stored object, or
 *                                -> 409 and the stored object when its rev is newer
 *   Authorization: Bearer <token> when a token is configured.
 *
 * Per replica: PUT every flag (in parallel), then read each back with
 *   GET {base}/v1/flags/<flag>   -> 200 and the object, 404 {"error":"unknown flag"}
 * (a server without that path, answering another 404, is read through the
 * list instead).  With many flags the list is read first, only the flags
 * that differ are put, and the list is read again.  Every replica of every router runs in one libcurl multi session, so
 * a push to twenty replicas takes about as long as a push to one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_http.h"
#include "fc_json.h"
#include "fc_error.h"
#include "fc_router_parse.h"

#define BULK 8   /* more flags than this: read the list first, put what differs */
/*
 * Answers may carry tenant pins: a flag object up to the 2 MiB a PUT body
 * may be (10,000 pins of 128 bytes), a list up to 64 MiB.
 */
#define FLAG_ANSWER_MAX (4u << 20)
#define LIST_ANSWER_MAX (64u << 20)

typedef struct hjob hjob;

typedef struct {
	hjob *hj;
	size_t i;             /* index into want */
	fc_http_req req;
	char *url;
	char *body;
} hput;

typedef struct {
	hjob *hj;
	size_t i;             /* index into want */
	fc_http_req req;
	char *url;
} hget;

struct hjob {
	fc_router_hjob c;     /* first: the job, the transfers, the base URL */
	char *list_url;
	fc_http_req list;
	hget *gets;           /* read-back of a few flags, one by one */
	size_t ngets;
	size_t gets_left;
	int gets_fallback;    /* the server has no GET /v1/flags/<flag>: read the list */
	int prelisted;
	int stage;            /* 0 first list, 1 puts, 2 read-back, 3 done */
	hput *puts;
	size_t nputs;
	size_t outstanding;
	int put_answered;     /* some PUT got an HTTP answer */
	int put_unreachable;  /* some PUT could not connect */
};

static void list_done(fc_http_req *q, void *ctx);
static void put_done(fc_http_req *q, void *ctx);
static void get_done(fc_http_req *q, void *ctx);
static void seen_pins(fc_router_job *j, const fc_rflag *pins);


static void req_init(fc_http_req *r, hjob *hj, const char *method, const char *url, const char *body,
		     void (*done)(fc_http_req *, void *), void *ctx)
{
	fc_router_http_req(r, hj->c.j, method, url, body, done, ctx);
	r->max_response = url == hj->list_url ? LIST_ANSWER_MAX : FLAG_ANSWER_MAX;
}

/* Why an answer is not what we wanted, one line, no token. */
static void problem(char *out, size_t len, const hjob *hj, const fc_http_req *q, const char *what)
{
	char hint[300];

	snprintf(hint, sizeof(hint), "is '%s' the base URL of a ficus router protocol v1 endpoint?", hj->c.base);
	fc_router_http_problem(out, len, hj->c.j, q, what, hint);
}

int fc_router_http_parse_list(fc_router_job *j, const fc_buf *b, char *err, size_t errlen)
{
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL;
	const cJSON *flags, *c;
	int rc = 0;

	if (!doc) {
		snprintf(err, errlen, "the answer to GET /v1/flags is not JSON");
		return -1;
	}
	flags = cJSON_GetObjectItemCaseSensitive(doc, "flags");
	if (!cJSON_IsObject(flags)) {
		snprintf(err, errlen, "the answer to GET /v1/flags has no \"flags\" object");
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_ArrayForEach(c, flags) {
		char why[128];
		int bp, shadow;
		long long rev;
		fc_rflag pins;
		if (fc_router_parse_v1(c, &bp, &shadow, &rev, why, sizeof(why)) < 0 ||
		    fc_router_parse_v1_pins(c, &pins, why, sizeof(why)) < 0) {
			char *name = fc_sanitize(c->string, 0);
			fc_router_clip(name, 60);
			snprintf(err, errlen, "the answer to GET /v1/flags is malformed: flag '%s': %s", name, why);
			free(name);
			rc = -1;
			break;
		}
		if (fc_router_name_ok(c->string)) {
			fc_router_job_seen(j, c->string, bp, shadow, rev);
			seen_pins(j, &pins);
		}
	}
	cJSON_Delete(doc);
	return rc;
}

/* Copy parsed pins (counts, digest) onto the value recorded last. */
static void seen_pins(fc_router_job *j, const fc_rflag *pins)
{
	fc_rflag *f = &j->seen[j->nseen - 1];

	f->npin_in = pins->npin_in;
	f->npin_out = pins->npin_out;
	f->pin_crc = pins->pin_crc;
}

/*
 * The body of a PUT of `w`: a flag object of protocol v1, with "pins" when
 * it has pins and "compare" when shadow compare is on.
 */
static char *put_body(const fc_rflag *w)
{
	fc_buf b = FC_BUF_INIT;

	fc_buf_printf(&b, "{\"bp\":%d,\"shadow\":%s,\"rev\":%lld", w->bp, w->shadow ? "true" : "false", w->rev);
	fc_router_v1_pins_json(&b, w);
	if (w->compare)
		fc_buf_printf(&b, ",\"compare\":%s", w->compare);
	fc_buf_putc(&b, '}');
	return fc_buf_detach(&b);
}

/* 1 when the router's value `s` is the wanted `w`, pins included. */
static int same_value(const fc_rflag *w, const fc_rflag *s)
{
	return s && s->bp == w->bp && s->shadow == w->shadow && s->rev == w->rev && fc_rflag_pins_equal(w, s);
}

static void start_list(hjob *hj, int stage)
{
	hj->stage = stage;
	fc_http_req_clear(&hj->list); /* the first list's answer, when this is the read-back */
	req_init(&hj->list, hj, "GET", hj->list_url, NULL, list_done, hj);
	fc_http_add(hj->c.h, &hj->list);
}

static void start_puts(hjob *hj, const unsigned char *which)
{
	fc_router_job *j = hj->c.j;

	hj->stage = 1;
	hj->puts = fc_calloc(j->nwant + 1, sizeof(*hj->puts));
	for (size_t i = 0; i < j->nwant; i++) {
		hput *pu;
		if (which && !which[i])
			continue;
		pu = &hj->puts[hj->nputs++];
		pu->hj = hj;
		pu->i = i;
		pu->url = fc_asprintf("%s/v1/flags/%s", hj->c.base, j->want[i].flag);
		pu->body = put_body(&j->want[i]);
	}
	hj->outstanding = hj->nputs;
	for (size_t k = 0; k < hj->nputs; k++) {
		hput *pu = &hj->puts[k];
		req_init(&pu->req, hj, "PUT", pu->url, pu->body, put_done, pu);
		fc_http_add(hj->c.h, &pu->req);
	}
}

/* The read-back is in: a PUT whose answer was lost but whose value arrived is fine. */
static void readback_done(hjob *hj)
{
	fc_router_job *j = hj->c.j;

	j->seen_valid = 1;
	for (size_t i = 0; j->flag_error && i < j->nwant; i++) {
		const fc_rflag *s = fc_router_job_find_seen(j, j->want[i].flag);
		if (j->flag_error[i] && same_value(&j->want[i], s)) {
			free(j->flag_error[i]);
			j->flag_error[i] = NULL;
		}
	}
	hj->stage = 3;
}

static void start_gets(hjob *hj)
{
	fc_router_job *j = hj->c.j;

	hj->stage = 2;
	hj->gets = fc_calloc(j->nwant + 1, sizeof(*hj->gets));
	for (size_t i = 0; i < j->nwant; i++) {
		hget *g = &hj->gets[hj->ngets++];
		g->hj = hj;
		g->i = i;
		g->url = fc_asprintf("%s/v1/flags/%s", hj->c.base, j->want[i].flag);
	}
	hj->gets_left = hj->ngets;
	for (size_t k = 0; k < hj->ngets; k++) {
		req_init(&hj->gets[k].req, hj, "GET", hj->gets[k].url, NULL, get_done, &hj->gets[k]);
		fc_http_add(hj->c.h, &hj->gets[k].req);
	}
}

static void get_done(fc_http_req *q, void *ctx)
{
	hget *g = ctx;
	hjob *hj = g->hj;
	fc_router_job *j = hj->c.j;
	const char *flag = j->want[g->i].flag;
	char why[512], what[128];
	int bp, shadow;
	long long rev;

	fc_router_job_attempts(j, q);
	snprintf(what, sizeof(what), "GET /v1/flags/%s", flag);
	if (!q->failed && q->status == 200) {
		cJSON *doc = q->resp.len ? cJSON_ParseWithLength(q->resp.ptr, q->resp.len) : NULL;
		fc_rflag pins;
		if (doc && fc_router_parse_v1(doc, &bp, &shadow, &rev, why, sizeof(why)) == 0 &&
		    fc_router_parse_v1_pins(doc, &pins, why, sizeof(why)) == 0) {
			fc_router_job_seen(j, flag, bp, shadow, rev);
			seen_pins(j, &pins);
		} else
			fc_router_job_fail(j, 0, "read-back failed: the answer to %s is %s", what,
					   doc ? "not a flag object" : "not JSON");
		cJSON_Delete(doc);
	} else if (!q->failed && (q->status == 404 || q->status == 405)) {
		cJSON *doc = q->resp.len ? cJSON_ParseWithLength(q->resp.ptr, q->resp.len) : NULL;
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
		/* the protocol's "unknown flag" is an answer: not there */
		if (q->status == 405 || !cJSON_IsString(e) || strcmp(e->valuestring, "unknown flag"))
			hj->gets_fallback = 1;
		cJSON_Delete(doc);
	} else {
		problem(why, sizeof(why), hj, q, what);
		fc_router_job_fail(j, 0, "read-back failed: %s", why);
	}
	if (--hj->gets_left > 0)
		return;
	if (j->failed) {
		hj->stage = 3;
	} else if (hj->gets_fallback) {
		fc_router_job_clear_seen(j);
		start_list(hj, 2);
	} else {
		readback_done(hj);
	}
}

static void put_done(fc_http_req *q, void *ctx)
{
	hput *pu = ctx;
	hjob *hj = pu->hj;
	fc_router_job *j = hj->c.j;
	const fc_rflag *w = &j->want[pu->i];
	char why[512], what[128];
	int bp, shadow;
	long long rev;

	fc_router_job_attempts(j, q);
	snprintf(what, sizeof(what), "PUT /v1/flags/%s", w->flag);
	if (q->failed) {
		fc_router_job_flag_error(j, pu->i, "%s", q->error);
		hj->put_unreachable |= q->no_answer; /* refused, or no answer in time */
	} else if (q->status == 200 || q->status == 409) {
		cJSON *doc = q->resp.len ? cJSON_ParseWithLength(q->resp.ptr, q->resp.len) : NULL;
		hj->put_answered = 1;
		if (!doc || fc_router_parse_v1(doc, &bp, &shadow, &rev, why, sizeof(why)) < 0) {
			fc_router_job_flag_error(j, pu->i, "the router answered %ld to %s with a body that is %s",
						 q->status, what, doc ? "not a flag object" : "not JSON");
		} else if (q->status == 409 && rev > w->rev) {
			if (!j->newer)
				j->newer = fc_calloc(j->nwant, 1);
			j->newer[pu->i] = 1;
		} else if (q->status == 409) {
			fc_router_job_flag_error(j, pu->i,
				"409 Conflict for %s, but the router's revision %lld is not newer than ours (%lld)",
				what, rev, w->rev);
		}
		cJSON_Delete(doc);
	} else {
		hj->put_answered = 1;
		problem(why, sizeof(why), hj, q, what);
		fc_router_job_flag_error(j, pu->i, "%s", why);
	}
	if (--hj->outstanding > 0)
		return;
	if (!hj->put_answered) {
		fc_router_job_fail(j, hj->put_unreachable, "%s", j->msg[0] ? j->msg : "no answer");
		hj->stage = 3;
		return;
	}
	fc_router_job_clear_seen(j); /* the read-back is the truth */
	if (hj->prelisted || j->nwant > BULK)
		start_list(hj, 2);
	else
		start_gets(hj);
}

static void list_done(fc_http_req *q, void *ctx)
{
	hjob *hj = ctx;
	fc_router_job *j = hj->c.j;
	unsigned char *which;
	size_t differ = 0;
	char why[512];

	fc_router_job_attempts(j, q);
	if (q->failed || q->status != 200) {
		problem(why, sizeof(why), hj, q, "GET /v1/flags");
		if (hj->stage == 2 && hj->nputs)
			fc_router_job_fail(j, 0, "read-back failed: %s", why);
		else
			fc_router_job_fail(j, q->no_answer, "%s", why);
		hj->stage = 3;
		return;
	}
	if (fc_router_http_parse_list(j, &q->resp, why, sizeof(why)) < 0) {
		fc_router_job_fail(j, 0, "%s", why);
		hj->stage = 3;
		return;
	}
	if (hj->stage == 2) {
		readback_done(hj);
		return;
	}
	j->seen_valid = 1;
	hj->prelisted = 1;
	which = fc_calloc(j->nwant + 1, 1);
	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *s = fc_router_job_find_seen(j, j->want[i].flag);
		if (!same_value(&j->want[i], s)) {
			which[i] = 1;
			differ++;
		}
	}
	if (differ)
		start_puts(hj, which);
	else
		hj->stage = 3;
	free(which);
}

static void start_push(fc_router_hjob *s)
{
	hjob *hj = (hjob *)s;

	hj->list_url = fc_asprintf("%s/v1/flags", s->base);
	if (s->j->nwant > BULK)
		start_list(hj, 0);
	else if (s->j->nwant)
		start_puts(hj, NULL);
	else
		start_list(hj, 2);
}

static void start_read(fc_router_hjob *s)
{
	hjob *hj = (hjob *)s;

	hj->list_url = fc_asprintf("%s/v1/flags", s->base);
	start_list(hj, 2);
}

static void end(fc_router_hjob *s)
{
	hjob *hj = (hjob *)s;

	fc_http_req_clear(&hj->list);
	for (size_t k = 0; k < hj->ngets; k++) {
		fc_http_req_clear(&hj->gets[k].req);
		free(hj->gets[k].url);
	}
	free(hj->gets);
	for (size_t k = 0; k < hj->nputs; k++) {
		fc_http_req_clear(&hj->puts[k].req);
		free(hj->puts[k].url);
		free(hj->puts[k].body);
	}
	free(hj->puts);
	free(hj->list_url);
}

static void push(fc_router_job *jobs, size_t n)
{
	fc_router_http_run(jobs, n, sizeof(hjob), start_push, end);
}

static void list(fc_router_job *jobs, size_t n)
{
	fc_router_http_run(jobs, n, sizeof(hjob), start_read, end);
}

static void describe(const fc_router_conf *r, const char *replica, const fc_rflag *want, size_t n, fc_buf *out)
{
	char *base = fc_router_base_url(replica);

	for (size_t i = 0; i < n; i++) {
		char pins[96] = "";
		if (want[i].npin_in || want[i].npin_out) /* the lists can be 10,000 tenants long: counted, not shown */
			snprintf(pins, sizeof(pins), ",\"pins\":{in: %zu tenants, out: %zu tenants}", want[i].npin_in,
				 want[i].npin_out);
		fc_buf_printf(out, "router '%s' (%s): PUT %s/v1/flags/%s {\"bp\":%d,\"shadow\":%s,\"rev\":%lld%s%s%s}%s\n",
			      r->name, r->drv->name, base, want[i].flag, want[i].bp, want[i].shadow ? "true" : "false",
			      want[i].rev, pins, want[i].compare ? ",\"compare\":" : "", want[i].compare ? want[i].compare : "",
			      r->token_env || r->token_file ? " with a bearer token" : "");
	}
	if (n > BULK)
		fc_buf_printf(out, "router '%s' (%s): GET %s/v1/flags (read back)\n", r->name, r->drv->name, base);
	else
		for (size_t i = 0; i < n; i++)
			fc_buf_printf(out, "router '%s' (%s): GET %s/v1/flags/%s (read back)\n", r->name, r->drv->name,
				      base, want[i].flag);
	free(base);
}

/* ---- shadow compare counters: GET {base}/v1/flags/<flag>/shadow ---- */

typedef struct {
	fc_router_hjob c;
	fc_http_req req;
	char *url;
} sjob;

/* A count: an integer 0..2^53. */
static int count_ok(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 9007199254740991.0 &&
	       v->valuedouble == (double)(long long)v->valuedouble;
}

/*
 * The answer checked and kept in a canonical compact form: the counts,
 * since, and at most 20 recent mismatches with a string path and reason
 * and a numeric time (anything else in them is dropped).
 */
static char *stats_checked(const fc_buf *b, char *why, size_t len)
{
	static const char *counts[] = { "compared", "matched", "mismatched", "not_compared", "since", NULL };
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL, *out = NULL, *recent, *e;
	const cJSON *rs;
	fc_buf text = FC_BUF_INIT;
	int k = 0;

	if (!cJSON_IsObject(doc)) {
		snprintf(why, len, "the answer is not a JSON object");
		goto done;
	}
	out = fc_json_obj();
	for (int i = 0; counts[i]; i++) {
		if (!count_ok(doc, counts[i])) {
			snprintf(why, len, "'%s' is not a count", counts[i]);
			cJSON_Delete(out);
			out = NULL;
			goto done;
		}
		fc_json_add_num(out, counts[i], cJSON_GetObjectItemCaseSensitive(doc, counts[i])->valuedouble);
	}
	recent = fc_json_arr();
	rs = cJSON_GetObjectItemCaseSensitive(doc, "recent");
	if (!cJSON_IsArray(rs))
		rs = NULL;
	cJSON_ArrayForEach(e, rs) {
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
		const cJSON *reason = cJSON_GetObjectItemCaseSensitive(e, "reason");
		cJSON *r;
		if (k++ >= 20 || !cJSON_IsString(path) || !cJSON_IsString(reason))
			continue;
		r = fc_json_obj();
		fc_json_add_str(r, "path", path->valuestring);
		fc_json_add_str(r, "reason", reason->valuestring);
		fc_json_add_num(r, "at", count_ok(e, "at") ? cJSON_GetObjectItemCaseSensitive(e, "at")->valuedouble : 0);
		fc_json_push(recent, r);
	}
	fc_json_add(out, "recent", recent);
	fc_json_render_compact(&text, out);
done:
	cJSON_Delete(doc);
	cJSON_Delete(out);
	if (!text.len)
		return NULL;
	return fc_buf_detach(&text);
}

static void stats_done(fc_http_req *q, void *ctx)
{
	sjob *sj = ctx;
	fc_router_job *j = sj->c.j;
	char why[512], what[160];

	fc_router_job_attempts(j, q);
	snprintf(what, sizeof(what), "GET /v1/flags/%s/shadow", j->want[0].flag);
	if (q->failed || q->status != 200) {
		fc_router_http_problem(why, sizeof(why), j, q, what,
				       "the router keeps no shadow compare counters for it (compare not pushed yet, "
				       "or a router without compare)");
		fc_router_job_fail(j, q->failed && q->no_answer, "%s", why);
	} else if (!(j->stats = stats_checked(&q->resp, why, sizeof(why)))) {
		fc_router_job_fail(j, 0, "the answer to %s is malformed: %s", what, why);
	}
}

static void start_stats(fc_router_hjob *s)
{
	sjob *sj = (sjob *)s;

	if (!s->j->nwant) {
		fc_router_job_fail(s->j, 0, "no flag to read");
		return;
	}
	sj->url = fc_asprintf("%s/v1/flags/%s/shadow", s->base, s->j->want[0].flag);
	fc_router_http_req(&sj->req, s->j, "GET", sj->url, NULL, stats_done, sj);
	fc_http_add(s->h, &sj->req);
}

static void end_stats(fc_router_hjob *s)
{
	sjob *sj = (sjob *)s;

	fc_http_req_clear(&sj->req);
	free(sj->url);
}

static void shadow_stats(fc_router_job *jobs, size_t n)
{
	fc_router_http_run(jobs, n, sizeof(sjob), start_stats, end_stats);
}

static int check(const fc_router_conf *r, const char *what)
{
	int rc = fc_router_check_no_map(r, what);

	if (rc < 0)
		return rc;
	if (r->prefix)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'prefix' is for the envoy driver", what, r->name);
	return 0;
}

const fc_router_driver fc_router_driver_http = {
	.name = "http",
	.summary = "any router or flag service speaking the ficus router protocol v1",
	.caps = { .pushes = 1, .sticky = 1, .granularity_bp = 1, .survives_restart = -1,
		  .revisions = 1, .shadow = 1, .pins = 1, .compare = 1 },
	.check = check,
	.push = push,
	.list = list,
	.describe = describe,
	.shadow_stats = shadow_stats,
};

const fc_router_driver fc_router_driver_nginx_lua = {
	.name = "nginx-lua",
	.summary = "nginx with lua and contrib/nginx/ficus.lua (router protocol v1)",
	.caps = { .pushes = 1, .sticky = 1, .granularity_bp = 1, .survives_restart = 0,
		  .revisions = 1, .shadow = 1, .pins = 1, .compare = 1 },
	.check = check,
	.push = push,
	.list = list,
	.describe = describe,
	.shadow_stats = shadow_stats,
};
