/*
 * Notifications: the outbox (notify_event, notify_delivery) and the
 * deliverer.  See fc_notify.h for the invariants; in short: events are
 * rows first, deliveries happen outside the lock in a detached process,
 * each request is recorded, and no secret is ever written down.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_http.h"
#include "fc_json.h"
#include "fc_notify.h"
#include "fc_rconf.h"
#include "fc_repo.h"
#include "fc_store.h"
#include "fc_suggest.h"

#define ATTEMPT_MS 8000          /* one attempt, connection included */
#define CONNECT_MS 3000
#define RESPONSE_MAX (64u << 10) /* a receiver's answer is read, never kept */
#define CLAIM_MAX 200            /* deliveries one deliverer takes at once */
#define DELIVERER_LIFE_S 180     /* a deliverer ends by then, whatever happens */
#define DELIVERER_ENV "FICUS_NOTIFY_DELIVERER"

static const int backoff_ms[] = { 2000, 5000 };

/* ---- recording events ---- */

int fc_notify_emit(fc_store *s, const char *kind, const char *service, const char *change_id, const char *text,
		   const cJSON *detail)
{
	cJSON *d = detail ? cJSON_Duplicate(detail, 1) : fc_json_obj();
	fc_buf b = FC_BUF_INIT;
	int rc;

	if (!d)
		abort();
	cJSON_DeleteItemFromObjectCaseSensitive(d, "text");
	fc_json_add_str(d, "text", text ? text : "");
	fc_json_render_compact(&b, d);
	cJSON_Delete(d);
	if (change_id)
		/* the change's facts (message, author, commit) come with it */
		rc = fc_store_exec(s,
			"INSERT INTO notify_event (event_id, kind, change_id, service, message, actor, commit_oid, detail, "
			"created) SELECT lower(hex(randomblob(8))), ?, ?, ?, message, author_name || "
			"CASE WHEN author_email <> '' THEN ' <' || author_email || '>' ELSE '' END, commit_oid, ?, ? "
			"FROM journal WHERE change_id = ?", "ssssIs", kind, change_id, service, fc_buf_cstr(&b),
			(long long)fc_now(), change_id);
	else
		rc = fc_store_exec(s,
			"INSERT INTO notify_event (event_id, kind, service, detail, created) "
			"VALUES (lower(hex(randomblob(8))), ?, ?, ?, ?)", "sssI", kind, service, fc_buf_cstr(&b),
			(long long)fc_now());
	fc_buf_free(&b);
	return rc;
}

int fc_notify_withdraw(fc_store *s, const char *change_id)
{
	return fc_store_exec(s, "DELETE FROM notify_event WHERE kind = 'change' AND change_id = ? AND fanned = 0",
			     "s", change_id);
}

/* ---- the webhooks of the settings, with their secrets for this run ---- */

typedef struct {
	fc_webhook *h;     /* borrowed from the parsed list */
	int resolved;
	char *url;         /* the URL to call (a secret when it came from url_file) */
	char *token;
	char shown[256];
	char err[256];     /* why it cannot be called, masked */
} hook_rt;

typedef struct {
	fc_webhook *hooks;
	size_t n;
	hook_rt *rt;
} hook_set;

static int hooks_load(fc_store *s, hook_set *hs)
{
	fc_settings st;
	int rc;

	memset(hs, 0, sizeof(*hs));
	if ((rc = fc_settings_get(s, &st)) < 0)
		return rc;
	rc = fc_webhooks_parse(&hs->hooks, &hs->n, cJSON_GetObjectItemCaseSensitive(st.doc, "webhooks"), "settings");
	fc_settings_clear(&st);
	if (rc < 0)
		return rc;
	hs->rt = fc_calloc(hs->n + 1, sizeof(*hs->rt));
	for (size_t i = 0; i < hs->n; i++)
		hs->rt[i].h = &hs->hooks[i];
	return 0;
}

static void wipe(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static void hooks_free(hook_set *hs)
{
	for (size_t i = 0; hs->rt && i < hs->n; i++) {
		wipe(hs->rt[i].url);
		wipe(hs->rt[i].token);
	}
	free(hs->rt);
	fc_webhooks_free(hs->hooks, hs->n);
	memset(hs, 0, sizeof(*hs));
}

/* Mask every form of the hook's secrets in msg (a libcurl or receiver text). */
static void mask_hook(char *msg, const hook_rt *rt)
{
	const char *path;

	fc_mask_secret(msg, rt->token);
	if (!rt->url)
		return;
	fc_mask_secret(msg, rt->url);
	path = strstr(rt->url, "://");
	if (path && (path = strpbrk(path + 3, "/?")) && strlen(path) > 1)
		fc_mask_secret(msg, path + 1);
}

static hook_rt *hook_find(hook_set *hs, const char *name)
{
	hook_rt *rt = NULL;

	for (size_t i = 0; i < hs->n; i++)
		if (!strcmp(hs->hooks[i].name, name))
			rt = &hs->rt[i];
	if (!rt || rt->resolved)
		return rt;
	rt->resolved = 1;
	if (rt->h->url) {
		rt->url = fc_strdup(rt->h->url);
	} else if (fc_rconf_read_secret(&rt->url, NULL, rt->h->url_file, "url", rt->err, sizeof(rt->err)) < 0) {
		return rt;
	} else if (!fc_webhook_url_ok(rt->url)) {
		snprintf(rt->err, sizeof(rt->err), "url file '%.200s' does not hold an http:// or https:// URL",
			 rt->h->url_file);
		wipe(rt->url);
		rt->url = NULL;
		return rt;
	}
	fc_webhook_url_shown(rt->shown, sizeof(rt->shown), rt->url);
	if (fc_rconf_read_secret(&rt->token, rt->h->token_env, rt->h->token_file, "token", rt->err,
				 sizeof(rt->err)) < 0)
		mask_hook(rt->err, rt);
	return rt;
}

/* ---- the payload ---- */

typedef struct {
	long long id;
	char *event_id, *kind, *change_id, *service, *message, *actor, *commit, *detail;
	fc_time created;
} ev_row;

static char *col_dup(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? NULL : fc_strdup(fc_col_text(q, col));
}

static void ev_clear(ev_row *e)
{
	free(e->event_id);
	free(e->kind);
	free(e->change_id);
	free(e->service);
	free(e->message);
	free(e->actor);
	free(e->commit);
	free(e->detail);
	memset(e, 0, sizeof(*e));
}

static int ev_load(fc_store *s, long long id, ev_row *e)
{
	sqlite3_stmt *q = NULL;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = fc_store_preparef(s, &q, "SELECT id, event_id, kind, change_id, service, message, actor, commit_oid, "
				    "detail, created FROM notify_event WHERE id = ?", "I", id)) < 0)
		return rc;
	if ((rc = fc_store_step(s, q)) == 1) {
		e->id = sqlite3_column_int64(q, 0);
		e->event_id = col_dup(q, 1);
		e->kind = col_dup(q, 2);
		e->change_id = col_dup(q, 3);
		e->service = col_dup(q, 4);
		e->message = col_dup(q, 5);
		e->actor = col_dup(q, 6);
		e->commit = col_dup(q, 7);
		e->detail = col_dup(q, 8);
		e->created = sqlite3_column_int64(q, 9);
		rc = 0;
	} else if (rc == 0) {
		rc = fc_error_set(FC_ENOTFOUND, "event %lld is gone", id);
	}
	sqlite3_finalize(q);
	return rc;
}

static void add_str_or_null(cJSON *o, const char *key, const char *v)
{
	if (v)
		fc_json_add_str(o, key, v);
	else
		fc_json_add(o, key, cJSON_CreateNull());
}

static const char *plan_name(const char *dir)
{
	const char *slash = dir ? strrchr(dir, '/') : NULL;
	return slash && slash[1] ? slash + 1 : dir ? dir : "";
}

/* The event as the receiver gets it: format json, or a Slack message. */
static char *payload(const ev_row *e, const char *plan_dir, int slack)
{
	fc_commit_info ci;
	cJSON *doc = fc_json_obj(), *tr = fc_json_obj(), *detail = NULL;
	const char *text = NULL, *v;
	char at[40];
	fc_buf b = FC_BUF_INIT;

	memset(&ci, 0, sizeof(ci));
	if (e->message)
		fc_commit_parse_message(&ci, e->message);
	fc_error_clear();
	if (e->detail && (detail = cJSON_Parse(e->detail)) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(detail, "text")))
		text = cJSON_GetObjectItemCaseSensitive(detail, "text")->valuestring;
	fc_time_format(at, sizeof(at), e->created);
	fc_json_add_num(doc, "ficus", 1);
	fc_json_add_str(doc, "event", e->kind);
	fc_json_add_str(doc, "id", e->event_id);
	v = e->service ? e->service : fc_commit_trailer(&ci, "Ficus-Service");
	add_str_or_null(doc, "service", v);
	v = fc_commit_trailer(&ci, "Ficus-Action");
	if (!v && detail && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(detail, "action")))
		v = cJSON_GetObjectItemCaseSensitive(detail, "action")->valuestring;
	add_str_or_null(doc, "action", v);
	v = fc_commit_trailer(&ci, "Ficus-From");
	if (!v && detail && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(detail, "from")))
		v = cJSON_GetObjectItemCaseSensitive(detail, "from")->valuestring;
	add_str_or_null(doc, "from", v);
	v = fc_commit_trailer(&ci, "Ficus-To");
	if (!v && detail && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(detail, "to")))
		v = cJSON_GetObjectItemCaseSensitive(detail, "to")->valuestring;
	add_str_or_null(doc, "to", v);
	add_str_or_null(doc, "actor", e->actor);
	add_str_or_null(doc, "reason", e->message ? (ci.body ? ci.body : "") : NULL);
	add_str_or_null(doc, "subject", ci.subject);
	add_str_or_null(doc, "commit", e->commit);
	add_str_or_null(doc, "change", e->change_id);
	for (size_t i = 0; i < ci.ntrailers; i++)
		fc_json_add_str(tr, ci.keys[i], ci.values[i]);
	fc_json_add(doc, "trailers", tr);
	fc_json_add_str(doc, "plan", plan_dir ? plan_dir : "");
	fc_json_add_str(doc, "at", at);
	add_str_or_null(doc, "text", text);
	if (detail) {
		cJSON_DeleteItemFromObjectCaseSensitive(detail, "text");
		fc_json_add(doc, "detail", detail);
		detail = NULL;
	} else {
		fc_json_add(doc, "detail", fc_json_obj());
	}
	if (slack) {
		/* one readable line with the same facts (and the reason below it) */
		fc_buf line = FC_BUF_INIT;
		cJSON *msg = fc_json_obj();
		const char *subject = ci.subject ? ci.subject : "";

		fc_buf_printf(&line, "[%s] ", plan_name(plan_dir));
		if (!strcmp(e->kind, "change"))
			fc_buf_printf(&line, "%s", subject);
		else if (!strcmp(e->kind, "push-failed"))
			fc_buf_printf(&line, "push failed: %s: %s", subject, text ? text : "");
		else
			fc_buf_printf(&line, "%s: %s", e->kind, text ? text : "");
		if (e->actor)
			fc_buf_printf(&line, " (by %s", e->actor);
		if (e->commit)
			fc_buf_printf(&line, "%s commit %.10s", e->actor ? "," : " (", e->commit);
		if (e->actor || e->commit)
			fc_buf_putc(&line, ')');
		if (ci.body && *ci.body)
			fc_buf_printf(&line, "\n> %s", ci.body);
		fc_json_add_str(msg, "text", fc_buf_cstr(&line));
		fc_buf_free(&line);
		fc_json_render_compact(&b, msg);
		cJSON_Delete(msg);
	} else {
		fc_json_render_compact(&b, doc);
	}
	cJSON_Delete(doc);
	fc_commit_info_clear(&ci);
	return fc_buf_detach(&b);
}

/* ---- the outbox's rows ---- */

/* The delivery rows of events that became deliverable, for the hooks of now; old events pruned. */
static int fan_out(fc_store *s)
{
	sqlite3_stmt *q = NULL;
	hook_set hs;
	int rc, any = 0;

	if ((rc = fc_store_preparef(s, &q, "SELECT 1 FROM notify_event WHERE fanned = 0 AND "
				    "(kind <> 'change' OR commit_oid IS NOT NULL) LIMIT 1", NULL)) < 0)
		return rc;
	any = fc_store_step(s, q) == 1;
	sqlite3_finalize(q);
	if (!any)
		return 0;
	if ((rc = hooks_load(s, &hs)) < 0)
		return rc;
	if ((rc = fc_store_begin(s, 1)) < 0) {
		hooks_free(&hs);
		return rc;
	}
	rc = fc_store_preparef(s, &q, "SELECT id, kind FROM notify_event WHERE fanned = 0 AND "
			       "(kind <> 'change' OR commit_oid IS NOT NULL) ORDER BY id", NULL);
	while (rc >= 0 && (rc = fc_store_step(s, q)) == 1) {
		long long id = sqlite3_column_int64(q, 0);
		unsigned bit = fc_webhook_event_bit(fc_col_text(q, 1));
		for (size_t i = 0; rc >= 0 && i < hs.n; i++)
			if (hs.hooks[i].events & bit)
				rc = fc_store_exec(s, "INSERT OR IGNORE INTO notify_delivery (event, hook, state) "
						   "VALUES (?, ?, 'pending')", "Is", id, hs.hooks[i].name);
		if (rc >= 0)
			rc = fc_store_exec(s, "UPDATE notify_event SET fanned = 1 WHERE id = ?", "I", id);
	}
	sqlite3_finalize(q);
	/* bounded: the newest FC_NOTIFY_KEEP finished events stay */
	if (rc >= 0)
		rc = fc_store_exec(s,
			"DELETE FROM notify_event WHERE fanned = 1 AND id < (SELECT id FROM notify_event WHERE fanned = 1 "
			"ORDER BY id DESC LIMIT 1 OFFSET ?) AND id NOT IN "
			"(SELECT event FROM notify_delivery WHERE state <> 'delivered')", "i", FC_NOTIFY_KEEP - 1);
	if (rc < 0) {
		fc_store_rollback(s);
		hooks_free(&hs);
		return rc;
	}
	hooks_free(&hs);
	return fc_store_commit(s);
}

static int owner_gone(sqlite3_stmt *q, int col)
{
	long long pid;

	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return 1;
	pid = sqlite3_column_int64(q, col);
	return pid <= 0 || pid == (long long)getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

/* Whether a delivery waits for a deliverer (pending, nobody alive at work on it). */
static int due(fc_store *s)
{
	sqlite3_stmt *q = NULL;
	int found = 0;

	if (fc_store_preparef(s, &q, "SELECT owner FROM notify_delivery WHERE state = 'pending'", NULL) < 0)
		return 0;
	while (!found && fc_store_step(s, q) == 1)
		found = owner_gone(q, 0);
	sqlite3_finalize(q);
	return found;
}

typedef struct {
	fc_store *s;
	int attempt, max;
	fc_buf *report;
	int *nfailed;
} run_ctx;

typedef struct {
	long long event;
	char hook[64];
	run_ctx *x;
	int attempts;
	int done;
	int ok;
	ev_row ev;
	hook_rt *rt;
	char *body;
	char header[64];
	const char *headers[2];
	fc_http_req req;
} job;

/* Claim the deliveries no live deliverer holds (and the failed ones, with retry_failed). */
static int claim(fc_store *s, int retry_failed, job **out, size_t *n)
{
	sqlite3_stmt *q = NULL;
	job *js = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_begin(s, 1)) < 0)
		return rc;
	rc = fc_store_preparef(s, &q, "SELECT event, hook, owner, attempts, state FROM notify_delivery "
			       "WHERE state = 'pending' OR (? AND state = 'failed') ORDER BY event", "i", retry_failed);
	while (rc >= 0 && k < CLAIM_MAX && (rc = fc_store_step(s, q)) == 1) {
		if (!strcmp(fc_col_text(q, 4), "pending") && !owner_gone(q, 2))
			continue;
		js = fc_realloc(js, (k + 1) * sizeof(*js));
		memset(&js[k], 0, sizeof(js[k]));
		js[k].event = sqlite3_column_int64(q, 0);
		snprintf(js[k].hook, sizeof(js[k].hook), "%s", fc_col_text(q, 1));
		js[k].attempts = sqlite3_column_int(q, 3);
		k++;
	}
	sqlite3_finalize(q);
	for (size_t i = 0; rc >= 0 && i < k; i++)
		rc = fc_store_exec(s, "UPDATE notify_delivery SET owner = ?, state = 'pending' WHERE event = ? AND hook = ?",
				   "IIs", (long long)getpid(), js[i].event, js[i].hook);
	if (rc < 0) {
		fc_store_rollback(s);
		free(js);
		return rc;
	}
	if ((rc = fc_store_commit(s)) < 0) {
		free(js);
		return rc;
	}
	*out = js;
	*n = k;
	return 0;
}

static void record(fc_store *s, const job *j, const char *state, long status, const char *error, int release)
{
	if (release)
		fc_store_exec(s, "UPDATE notify_delivery SET state = ?, attempts = ?, status = ?, error = ?, updated = ?, "
			      "owner = NULL WHERE event = ? AND hook = ?", "siisIIs", state, j->attempts, (int)status,
			      error, (long long)fc_now(), j->event, j->hook);
	else
		fc_store_exec(s, "UPDATE notify_delivery SET state = ?, attempts = ?, status = ?, error = ?, updated = ? "
			      "WHERE event = ? AND hook = ?", "siisIIs", state, j->attempts, (int)status, error,
			      (long long)fc_now(), j->event, j->hook);
}

static void req_setup(fc_http_req *r, const hook_rt *rt, const char *body, const char *const *headers, int64_t ms)
{
	memset(r, 0, sizeof(*r));
	r->method = "POST";
	r->url = rt->url;
	r->body = body;
	r->body_len = strlen(body);
	r->content_type = "application/json";
	r->token = rt->token;
	r->headers = headers;
	r->tls_verify = 1;
	r->connect_timeout_ms = CONNECT_MS;
	r->deadline_ms = fc_http_now_ms() + ms;
	r->retries = 0;
	r->max_response = RESPONSE_MAX;
}

/* The outcome of one request in words (masked); 1 when delivered, 0 not, and *retry. */
static int judge(const fc_http_req *r, const hook_rt *rt, char *err, size_t size, int *retry)
{
	*retry = 0;
	err[0] = '\0';
	if (!r->failed && r->status >= 200 && r->status < 300)
		return 1;
	if (r->status) {
		snprintf(err, size, "%ld %s", r->status, fc_http_reason(r->status));
		*retry = r->status >= 500 || r->status == 429 || r->status == 408;
	} else {
		snprintf(err, size, "%s", r->error[0] ? r->error : "no answer");
		*retry = 1;
	}
	mask_hook(err, rt);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * One attempt answered (or gave up): recorded at once, so a deliverer
 * killed while another request still hangs does not send this one again.
 */
static void attempt_done(fc_http_req *r, void *ctx)
{
	job *j = ctx;
	run_ctx *x = j->x;
	char err[256];
	int retry, last;

	j->attempts++;
	j->ok = judge(r, j->rt, err, sizeof(err), &retry);
	last = j->ok || !retry || x->attempt == x->max;
	record(x->s, j, j->ok ? "delivered" : last ? "failed" : "pending", r->status, err, last);
	if (!last)
		return;
	j->done = 1;
	if (x->report)
		fc_buf_printf(x->report, "webhook '%s' (%s): %s event %s: %s%s\n", j->hook, j->rt->shown, j->ev.kind,
			      j->ev.event_id, j->ok ? "delivered" : "not delivered: ", j->ok ? "" : err);
	if (!j->ok && x->nfailed)
		(*x->nfailed)++;
}

/* Deliver what is due (claimed by this process), recording every attempt. */
static int deliver_run(fc_store *s, const char *plan_dir, int retry_failed, int max_attempts, fc_buf *report,
		       int *nfailed)
{
	hook_set hs;
	job *js = NULL;
	run_ctx x;
	size_t n = 0, active;
	int rc;

	if (nfailed)
		*nfailed = 0;
	if ((rc = fan_out(s)) < 0 || (rc = hooks_load(s, &hs)) < 0)
		return rc;
	if ((rc = claim(s, retry_failed, &js, &n)) < 0) {
		hooks_free(&hs);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		job *j = &js[i];
		if (!(j->rt = hook_find(&hs, j->hook))) {
			/* the webhook was removed since: nobody to tell */
			fc_store_exec(s, "DELETE FROM notify_delivery WHERE event = ? AND hook = ?", "Is", j->event, j->hook);
			j->done = 1;
			continue;
		}
		if (!j->rt->url || j->rt->err[0]) {
			record(s, j, "failed", 0, j->rt->err, 1);
			j->done = 1;
			continue;
		}
		if (ev_load(s, j->event, &j->ev) < 0) {
			fc_store_exec(s, "DELETE FROM notify_delivery WHERE event = ? AND hook = ?", "Is", j->event, j->hook);
			j->done = 1;
			continue;
		}
		j->body = payload(&j->ev, plan_dir, j->rt->h->slack);
		snprintf(j->header, sizeof(j->header), "X-Ficus-Event: %s", j->ev.event_id);
		j->headers[0] = j->header;
		j->headers[1] = NULL;
	}
	x.s = s;
	x.max = max_attempts;
	x.report = report;
	x.nfailed = nfailed;
	for (x.attempt = 1; x.attempt <= max_attempts; x.attempt++) {
		fc_http *h = fc_http_new();
		active = 0;
		for (size_t i = 0; i < n; i++)
			if (!js[i].done) {
				req_setup(&js[i].req, js[i].rt, js[i].body, js[i].headers, ATTEMPT_MS);
				js[i].req.done = attempt_done;
				js[i].req.ctx = &js[i];
				js[i].x = &x;
				fc_http_add(h, &js[i].req);
				active++;
			}
		if (active)
			fc_http_run(h);
		fc_http_free(h);
		active = 0;
		for (size_t i = 0; i < n; i++) {
			fc_http_req_clear(&js[i].req);
			active += !js[i].done;
		}
		if (!active)
			break;
		sleep_ms(backoff_ms[x.attempt - 1 < 1 ? 0 : 1]);
	}
	for (size_t i = 0; i < n; i++) {
		ev_clear(&js[i].ev);
		free(js[i].body);
	}
	free(js);
	hooks_free(&hs);
	fc_error_clear();
	return 0;
}

/* ---- the detached deliverer ---- */

static void detach_io(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	long max = sysconf(_SC_OPEN_MAX);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	/* nothing of the parent's (its plan lock above all) stays open here */
	for (long i = 3; i < (max > 0 && max < 65536 ? max : 65536); i++)
		close((int)i);
}

/*
 * The deliverer is this program again ("/proc/self/exe notify deliver"),
 * started afresh: a forked child must not use SQLite or libcurl state it
 * inherited (SQLite's locks are per process), so it execs at once.
 */
static int start_deliverer(const char *plan_dir)
{
	pid_t mid;
	int st;

	fflush(NULL);
	mid = fork();
	if (mid < 0)
		return 0;
	if (mid == 0) {
		if (fork() == 0) {
			setsid();
			signal(SIGPIPE, SIG_DFL);
			signal(SIGHUP, SIG_IGN);
			detach_io();
			unsetenv("FICUS_TEST_KILL");
			setenv(DELIVERER_ENV, "1", 1);
			alarm(DELIVERER_LIFE_S);
			execl("/proc/self/exe", "ficus", "notify", "deliver", "--plan", plan_dir, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	return 1;
}

int fc_notify_kick(fc_plan *p)
{
	fc_store *s = fc_plan_store(p);
	int started = 0;

	/* a deliverer does not start another: it delivers what it finds */
	if (!s || getenv(DELIVERER_ENV))
		return 0;
	if (fan_out(s) == 0 && due(s))
		started = start_deliverer(fc_plan_dir(p));
	fc_error_clear();
	return started;
}

int fc_notify_deliver(fc_plan *p, int retry_failed, int attempts, char **report, int *failed)
{
	fc_buf b = FC_BUF_INIT;
	int rc;

	if (attempts < 1)
		attempts = 1;
	if (attempts > FC_NOTIFY_ATTEMPTS)
		attempts = FC_NOTIFY_ATTEMPTS;
	rc = deliver_run(fc_plan_store(p), fc_plan_dir(p), retry_failed, attempts, &b, failed);
	*report = fc_buf_detach(&b);
	return rc;
}

/* ---- what faces show ---- */

int fc_notify_check_config(fc_store *s, char **notes, int *problems)
{
	fc_buf b = FC_BUF_INIT;
	hook_set hs;
	int rc;

	*notes = NULL;
	if ((rc = hooks_load(s, &hs)) < 0)
		return rc;
	for (size_t i = 0; i < hs.n; i++) {
		hook_rt *rt = hook_find(&hs, hs.hooks[i].name);
		if (rt->url && !rt->err[0])
			continue;
		fc_buf_printf(&b, "webhook '%s': %s\n", rt->h->name, rt->err[0] ? rt->err : "no URL");
		(*problems)++;
	}
	hooks_free(&hs);
	*notes = fc_buf_detach(&b);
	return 0;
}

int fc_notify_states(fc_store *s, fc_notify_hook_state **out, size_t *n)
{
	sqlite3_stmt *q = NULL, *l = NULL;
	fc_notify_hook_state *st = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_prepare(s, &q, "SELECT hook, sum(state <> 'delivered'), sum(state = 'failed'), "
				   "sum(state = 'delivered') FROM notify_delivery GROUP BY hook ORDER BY hook")) < 0)
		return rc;
	while ((rc = fc_store_step(s, q)) == 1) {
		fc_notify_hook_state *h;
		st = fc_realloc(st, (k + 1) * sizeof(*st));
		h = &st[k++];
		memset(h, 0, sizeof(*h));
		h->hook = fc_strdup(fc_col_text(q, 0));
		h->undelivered = sqlite3_column_int64(q, 1);
		h->failed = sqlite3_column_int64(q, 2);
		h->delivered = sqlite3_column_int64(q, 3);
		h->last_error = fc_strdup("");
		if (fc_store_preparef(s, &l, "SELECT state, status, error, updated, attempts FROM notify_delivery "
				      "WHERE hook = ? AND attempts > 0 ORDER BY updated DESC, event DESC LIMIT 1",
				      "s", h->hook) < 0)
			continue;
		if (fc_store_step(s, l) == 1) {
			h->last_state = strcmp(fc_col_text(l, 0), "delivered") ? -1 : 1;
			h->last_status = sqlite3_column_int64(l, 1);
			free(h->last_error);
			h->last_error = fc_strdup(fc_col_text(l, 2));
			h->last_at = sqlite3_column_int64(l, 3);
			h->last_attempts = sqlite3_column_int(l, 4);
		}
		sqlite3_finalize(l);
		l = NULL;
	}
	sqlite3_finalize(q);
	if (rc < 0) {
		fc_notify_states_free(st, k);
		return rc;
	}
	*out = st;
	*n = k;
	return 0;
}

void fc_notify_states_free(fc_notify_hook_state *st, size_t n)
{
	for (size_t i = 0; st && i < n; i++) {
		free(st[i].hook);
		free(st[i].last_error);
	}
	free(st);
}

const fc_notify_hook_state *fc_notify_state_of(const fc_notify_hook_state *st, size_t n, const char *hook)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(st[i].hook, hook))
			return &st[i];
	return NULL;
}

char *fc_notify_state_line(const fc_notify_hook_state *st)
{
	if (!st || !st->undelivered)
		return NULL;
	return fc_asprintf("%ld event%s not delivered to '%s' (%s%s%s)", st->undelivered,
			   st->undelivered == 1 ? "" : "s", st->hook,
			   st->last_state < 0 ? "last: " : st->last_state > 0 ? "last one delivered" : "not tried yet",
			   st->last_state < 0 ? (*st->last_error ? st->last_error : "no answer") : "",
			   st->failed ? "; 'ficus doctor --repair' retries" : "");
}

/* ---- notify test ---- */

int fc_notify_send_test(fc_plan *p, const char *hook, const char *actor, int dry_run, fc_notify_answer *out,
			char **body)
{
	fc_store *s = fc_plan_store(p);
	hook_set hs;
	hook_rt *rt;
	ev_row e;
	cJSON *detail = fc_json_obj();
	fc_buf d = FC_BUF_INIT;
	char id[24], header[64], *text;
	const char *headers[2] = { header, NULL };
	unsigned char raw[8];
	int rc, retry;

	memset(out, 0, sizeof(*out));
	if (body)
		*body = NULL;
	if ((rc = hooks_load(s, &hs)) < 0) {
		cJSON_Delete(detail);
		return rc;
	}
	if (!(rt = hook_find(&hs, hook))) {
		const char **names = fc_calloc(hs.n + 1, sizeof(*names));
		char *hint;
		for (size_t i = 0; i < hs.n; i++)
			names[i] = hs.hooks[i].name;
		hint = fc_suggest_hint(hook, names, hs.n, NULL);
		rc = fc_error_set(FC_ENOTFOUND, "no webhook named '%s'%s (see 'ficus notify list')", hook, hint);
		free(hint);
		free(names);
		hooks_free(&hs);
		cJSON_Delete(detail);
		return rc;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(rand() ^ (getpid() >> (i % 4)));
	{
		FILE *f = fopen("/dev/urandom", "rb");
		if (f) {
			if (fread(raw, 1, sizeof(raw), f) != sizeof(raw))
				raw[0] ^= 1;
			fclose(f);
		}
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	text = fc_asprintf("test event from ficus: webhook '%s' works", hook);
	fc_json_add_str(detail, "text", text);
	fc_json_add_str(detail, "webhook", hook);
	fc_json_render_compact(&d, detail);
	memset(&e, 0, sizeof(e));
	e.event_id = id;
	e.kind = (char *)"test";
	{
		char *an = NULL, *ae = NULL;
		if (fc_plan_author(p, actor, &an, &ae) == 0)
			e.actor = ae && *ae ? fc_asprintf("%s <%s>", an, ae) : fc_strdup(an ? an : "");
		free(an);
		free(ae);
		fc_error_clear();
	}
	e.detail = (char *)fc_buf_cstr(&d);
	e.created = fc_now();
	snprintf(out->url, sizeof(out->url), "%s", rt->shown[0] ? rt->shown : "(url not readable)");
	if (body)
		*body = payload(&e, fc_plan_dir(p), rt->h->slack);
	if (!rt->url || rt->err[0]) {
		snprintf(out->error, sizeof(out->error), "%s", rt->err);
	} else if (!dry_run) {
		fc_http *h = fc_http_new();
		fc_http_req r;
		char *b = payload(&e, fc_plan_dir(p), rt->h->slack);
		snprintf(header, sizeof(header), "X-Ficus-Event: %s", id);
		req_setup(&r, rt, b, headers, ATTEMPT_MS);
		fc_http_add(h, &r);
		fc_http_run(h);
		out->delivered = judge(&r, rt, out->error, sizeof(out->error), &retry);
		out->status = r.status;
		out->ms = r.elapsed_ms;
		fc_http_req_clear(&r);
		fc_http_free(h);
		free(b);
	}
	free(e.actor);
	free(text);
	fc_buf_free(&d);
	cJSON_Delete(detail);
	hooks_free(&hs);
	fc_error_clear();
	return 0;
}
