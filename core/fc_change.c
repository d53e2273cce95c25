#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_change.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_leftover.h"
#include "fc_render.h"
#include "fc_repo.h"
#include "fc_service.h"
#include "fc_store.h"

#define REASON_MAX FC_REASON_MAX
/*
 * How long a rollback waits for the remote: to fetch before it decides (so
 * that it builds on the remote's latest and does not diverge from it), and
 * to publish after the routers have it.  Past that it goes on locally, and
 * the publish goes on in the background.
 */
#define ROLLBACK_REMOTE_WAIT_MS 400
#define ROLLBACK_PUBLISH_WAIT_MS 400

/*
 * Test seam for the crash tests: FICUS_TEST_KILL=db kills the process with
 * SIGKILL right after the database commit, =commit right after the git
 * commit, before the journal is marked (=push: before the session's
 * router push).  Nothing else reads it.
 */
void fc_change_test_kill(const char *point)
{
	const char *at = getenv("FICUS_TEST_KILL");
	if (at && strcmp(at, point) == 0)
		raise(SIGKILL);
}

struct fc_change {
	fc_plan *p;
	fc_write_opts w;
	fc_buf subject;
	fc_buf trailers;
	fc_buf body;          /* paragraphs after the reason (fc_change_body) */
	char **paths;
	size_t npaths;
	char **flags;
	size_t nflags;
	char *noop;
	char *warning;
	char *author_name;
	char *author_email;
	fc_time when;
	char id[16];
	int locked;
	int in_txn;
};

fc_store *fc_change_store(fc_change *c) { return fc_plan_store(c->p); }
fc_plan *fc_change_plan(fc_change *c) { return c->p; }
const fc_write_opts *fc_change_opts(fc_change *c) { return &c->w; }

static void new_id(char out[16])
{
	unsigned char raw[5];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n <= 0) { /* no entropy source: fall back to time and pid */
			unsigned v = (unsigned)fc_now() ^ ((unsigned)getpid() << 16);
			memcpy(raw, &v, 4);
			raw[4] = (unsigned char)got;
			break;
		}
		got += (size_t)n;
	}
	snprintf(out, 16, "%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3], raw[4]);
}

static void change_free(fc_change *c)
{
	if (!c)
		return;
	if (c->in_txn)
		fc_store_rollback(fc_plan_store(c->p));
	if (c->locked)
		fc_plan_unlock(c->p);
	fc_buf_free(&c->subject);
	fc_buf_free(&c->trailers);
	fc_buf_free(&c->body);
	for (size_t i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	for (size_t i = 0; i < c->nflags; i++)
		free(c->flags[i]);
	free(c->flags);
	free(c->noop);
	free(c->warning);
	free(c->author_name);
	free(c->author_email);
	free(c);
}

void fc_change_abort(fc_change *c)
{
	change_free(c);
}

int fc_change_begin(fc_change **out, fc_plan *p, const fc_write_opts *w)
{
	static const fc_write_opts none = FC_WRITE_OPTS_INIT;
	fc_change *c = fc_calloc(1, sizeof(*c));
	char *note = NULL;
	int rc;

	*out = NULL;
	c->p = p;
	c->w = w ? *w : none;
	if (c->w.reason && strlen(c->w.reason) > REASON_MAX) {
		rc = fc_error_set(FC_ELIMIT, "the reason is longer than %d bytes", REASON_MAX);
		goto fail;
	}
	if ((rc = fc_plan_author(p, c->w.actor, &c->author_name, &c->author_email)) < 0)
		goto fail;
	c->when = fc_now();
	new_id(c->id);
	/*
	 * The remote is fetched before the lock is taken (it may be slow; the
	 * lock covers nothing slower than the commit).  A rollback does not
	 * wait for it at all: it builds on what this clone has.
	 */
	if (!c->w.dry_run && fc_repo_has_remote(fc_plan_repo(p))) {
		if (!c->w.offline_ok && (rc = fc_repo_fetch(fc_plan_repo(p))) < 0) {
			rc = fc_error_wrap(rc, "nothing was changed");
			goto fail;
		}
		/* a rollback builds on the remote's latest when it answers at once */
		if (c->w.offline_ok && fc_repo_fetch_quick(fc_plan_repo(p), ROLLBACK_REMOTE_WAIT_MS) < 0) {
			c->warning = fc_asprintf("going on without the remote (%s)", fc_error_last());
			fc_error_clear();
		}
	}
	if ((rc = fc_plan_lock(p)) < 0)
		goto fail;
	c->locked = 1;
	if ((rc = fc_change_catch_up(p, c->w.dry_run ? 0 : c->w.offline_ok ? -1 : 1, &note)) < 0)
		goto fail;
	if (note) {
		free(c->warning);
		c->warning = note;
		note = NULL;
	}
	if ((rc = fc_store_begin(fc_plan_store(p), 1)) < 0)
		goto fail;
	c->in_txn = 1;
	*out = c;
	return 0;
fail:
	free(note);
	change_free(c);
	return rc;
}

void fc_change_touch(fc_change *c, const char *path)
{
	for (size_t i = 0; i < c->npaths; i++)
		if (strcmp(c->paths[i], path) == 0)
			return;
	c->paths = fc_realloc(c->paths, (c->npaths + 1) * sizeof(char *));
	c->paths[c->npaths++] = fc_strdup(path);
}

static void touch_cb(void *ctx, const char *path)
{
	fc_change_touch(ctx, path);
}

void fc_change_flag(fc_change *c, const char *flag)
{
	for (size_t i = 0; i < c->nflags; i++)
		if (strcmp(c->flags[i], flag) == 0)
			return;
	c->flags = fc_realloc(c->flags, (c->nflags + 1) * sizeof(char *));
	c->flags[c->nflags++] = fc_strdup(flag);
}

void fc_change_subject(fc_change *c, const char *fmt, ...)
{
	char line[512];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(line, 0);
	fc_buf_clear(&c->subject);
	fc_buf_puts(&c->subject, clean);
	free(clean);
}

void fc_change_trailer(fc_change *c, const char *key, const char *fmt, ...)
{
	char line[2048];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(line, 0);
	fc_buf_printf(&c->trailers, "%s: %s\n", key, clean);
	free(clean);
}

void fc_change_body(fc_change *c, const char *text)
{
	if (c->body.len)
		fc_buf_puts(&c->body, "\n\n");
	fc_buf_puts(&c->body, text);
}

void fc_change_noop(fc_change *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	free(c->noop);
	c->noop = fc_strdup(line);
}

/*
 * 1 when git could read this reason line as something other than prose: a
 * trailer ("Key: value", "Signed-off-by: ..."), a patch separator (git
 * stops a message at a line starting "---", libgit2 at any "---"), a
 * comment, or a line git's trailer parser knows ("(cherry picked from").
 */
static int line_needs_escape(const char *l, size_t n)
{
	size_t k = 0;

	if ((n >= 3 && !memcmp(l, "---", 3)) || (n && l[0] == '#') || (n >= 19 && !memcmp(l, "(cherry picked from", 19)))
		return 1;
	while (k < n && (l[k] == '-' || (l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z') ||
			 (l[k] >= '0' && l[k] <= '9')))
		k++;
	if (k == 0)
		return 0;
	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	return k < n && (l[k] == ':' || l[k] == '=');
}

/*
 * The reason as a commit body: CRLF read as LF, no control characters, no
 * blank edges, and every line that git could read as a trailer, a patch
 * separator or a comment indented by one space.  So the reason can never
 * be (or cut off) the message's last paragraph, which is ficus's trailer
 * block: `git interpret-trailers --parse` sees exactly ficus's trailers.
 */
static char *clean_reason(const char *reason)
{
	fc_buf lf = FC_BUF_INIT, out = FC_BUF_INIT;
	const char *r = reason ? reason : "";
	char *s, *start, *line;
	size_t n;

	for (; *r; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			fc_buf_putc(&lf, *r);
	s = fc_sanitize(fc_buf_cstr(&lf), 1);
	fc_buf_free(&lf);
	start = s;
	while (*start == '\n' || *start == ' ' || *start == '\t')
		start++;
	n = strlen(start);
	while (n && (start[n - 1] == '\n' || start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	for (line = start; line < start + n;) {
		char *nl = memchr(line, '\n', (size_t)(start + n - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(start + n - line);

		if (line_needs_escape(line, len))
			fc_buf_putc(&out, ' ');
		fc_buf_put(&out, line, len);
		if (nl)
			fc_buf_putc(&out, '\n');
		line += len + (nl ? 1 : 0);
	}
	free(s);
	return fc_buf_detach(&out);
}

static char *compose(fc_change *c)
{
	fc_buf m = FC_BUF_INIT;
	char *reason = clean_reason(c->w.reason);

	fc_buf_printf(&m, "%s\n\n", fc_buf_cstr(&c->subject));
	if (*reason)
		fc_buf_printf(&m, "%s\n\n", reason);
	if (c->body.len) {
		char *body = clean_reason(fc_buf_cstr(&c->body));
		fc_buf_printf(&m, "%s\n\n", body);
		free(body);
	}
	fc_buf_printf(&m, "Ficus-Change: %s\n%s", c->id, fc_buf_cstr(&c->trailers));
	free(reason);
	return fc_buf_detach(&m);
}

/* Render the given paths from the database and stage them on HEAD. */
static int stage_paths(fc_plan *p, char **paths, size_t n, int *unchanged)
{
	fc_repo_file *files = fc_calloc(n + 1, sizeof(*files));
	fc_buf *bufs = fc_calloc(n + 1, sizeof(*bufs));
	size_t i;
	int rc = 0, exists;

	for (i = 0; i < n; i++) {
		if ((rc = fc_render_path(fc_plan_store(p), paths[i], &bufs[i], &exists)) < 0)
			goto done;
		files[i].path = paths[i];
		files[i].data = exists ? fc_buf_cstr(&bufs[i]) : NULL;
		files[i].len = bufs[i].len;
	}
	rc = fc_repo_stage(fc_plan_repo(p), unchanged, files, n);
done:
	for (i = 0; i < n; i++)
		fc_buf_free(&bufs[i]);
	free(bufs);
	free(files);
	return rc;
}

static void fill_outcome(fc_outcome *out, fc_change *c, const char *message)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->change_id, sizeof(out->change_id), "%s", c->id);
	out->message = message ? fc_strdup(message) : NULL;
	out->paths = fc_calloc(c->npaths + 1, sizeof(char *));
	for (size_t i = 0; i < c->npaths; i++)
		out->paths[i] = fc_strdup(c->paths[i]);
	out->npaths = c->npaths;
}

/*
 * Publish the new commit to the shared remote (outside the lock).  Lost a
 * race: the plan goes back to the remote's (the change is kept on a
 * set-aside ref, fc_repo_reset_to_remote) and the conflict is reported;
 * such a change is never pushed to a router.  Unreachable: the change
 * stays committed here and the next change or 'ficus sync' publishes it.
 */
static int publish(fc_change *c, fc_outcome *out, const char *oid)
{
	fc_repo *r = fc_plan_repo(c->p);
	char head[FC_OID_HEX], *msg, *aside = NULL;
	int rc = fc_repo_push(r);

	if (rc == 0)
		return 0;
	if (rc != FC_ECONFLICT) {
		free(c->warning);
		c->warning = fc_asprintf("committed here but not published (%s): 'ficus sync' publishes it",
					 fc_error_last());
		fc_error_clear();
		return 0;
	}
	msg = fc_strdup(fc_error_last());
	if ((rc = fc_repo_fetch(r)) < 0 || (rc = fc_plan_lock(c->p)) < 0) {
		free(msg);
		return fc_error_wrap(FC_ECONFLICT, "lost a race on the remote; 'ficus sync --reset' returns to its plan");
	}
	/* only our own commit goes aside: a change made here since is the user's to sort out */
	if (fc_repo_head_oid(r, head) == 0 && !strcmp(head, oid) &&
	    (rc = fc_repo_reset_to_remote(r, &aside)) == 0)
		rc = fc_change_rebuild(c->p);
	fc_plan_unlock(c->p);
	if (rc < 0) {
		free(msg);
		free(aside);
		return fc_error_wrap(rc, "lost a race on the remote and could not return to its plan ('ficus sync --reset')");
	}
	out->commit[0] = '\0';
	rc = fc_error_set(FC_ECONFLICT,
		"someone changed the plan first (%s): this change was not applied and nothing was pushed to a router; "
		"the plan is now as the remote has it%s%s", msg, aside ? "; " : "", aside ? aside : "");
	free(msg);
	free(aside);
	return rc;
}

/*
 * The flags the change altered, for the reconciler; for a dry run with
 * the values its new rows give them (read here, inside the transaction
 * that is rolled back).
 */
static void hand_flags(fc_change *c, fc_outcome *out, int values)
{
	if (!c->nflags)
		return;
	out->flags = fc_calloc(c->nflags, sizeof(*out->flags));
	for (size_t i = 0; i < c->nflags; i++) {
		sqlite3_stmt *st = NULL;
		fc_flag_value *v = &out->flags[out->nflags];
		if (values) {
			fc_service probe;
			int in_live, out_live;
			if (fc_store_preparef(fc_plan_store(c->p), &st, "SELECT bp, shadow, rev, phase, "
					      "(SELECT count(*) FROM service_pin p WHERE p.service = s.name AND side = 'in'), "
					      "(SELECT count(*) FROM service_pin p WHERE p.service = s.name AND side = 'out'), "
					      "compare FROM service s WHERE flag = ?",
					      "s", c->flags[i]) < 0 || fc_store_step(fc_plan_store(c->p), st) != 1) {
				sqlite3_finalize(st);
				continue;
			}
			v->bp = sqlite3_column_int(st, 0);
			v->shadow = sqlite3_column_int(st, 1);
			v->rev = sqlite3_column_int64(st, 2);
			/* the tenant pins the routers would hold (fc_service_pins_live) */
			memset(&probe, 0, sizeof(probe));
			fc_phase_parse(&probe.phase, fc_col_text(st, 3));
			probe.bp = v->bp;
			fc_service_pins_live(&probe, &in_live, &out_live);
			v->npin_in = in_live ? (size_t)sqlite3_column_int64(st, 4) : 0;
			v->npin_out = out_live ? (size_t)sqlite3_column_int64(st, 5) : 0;
			if (*fc_col_text(st, 6))
				v->compare = fc_strdup(fc_col_text(st, 6));
			sqlite3_finalize(st);
		}
		v->flag = fc_strdup(c->flags[i]);
		out->nflags++;
	}
	fc_error_clear();
}

/* The journal row's commit, and the head the database now stands on, together. */
static int mark_committed(fc_store *s, const char *id, const char *oid, const char *state)
{
	int rc;

	if ((rc = fc_store_begin(s, 1)) < 0)
		return rc;
	if ((rc = fc_store_exec(s, "UPDATE journal SET state = ?, commit_oid = ?, owner = ? WHERE change_id = ?",
				"ssIs", state, oid, (long long)getpid(), id)) < 0 ||
	    (rc = fc_store_set_local(s, "head", oid)) < 0) {
		fc_store_rollback(s);
		return rc;
	}
	return fc_store_commit(s);
}

int fc_change_finish(fc_change *c, fc_outcome *out)
{
	fc_store *s = fc_plan_store(c->p);
	fc_repo *r = fc_plan_repo(c->p);
	char *message = NULL;
	fc_buf pb = FC_BUF_INIT;
	char oid[FC_OID_HEX];
	int rc, unchanged = 0;
	size_t i;

	if (c->noop) {
		fill_outcome(out, c, NULL);
		out->noop = 1;
		out->note = fc_strdup(c->noop);
		rc = 0;
		goto done;
	}
	if (fc_render_layout_due(s)) {
		if ((rc = fc_render_fan_out(s, touch_cb, c)) < 0)
			goto done;
		fc_change_touch(c, "ficus.json");
		fc_change_trailer(c, "Ficus-Layout", "fanout (more than %d domains or services)", FC_FANOUT_AT);
	}
	if ((rc = stage_paths(c->p, c->paths, c->npaths, &unchanged)) < 0)
		goto done;
	message = compose(c);
	fill_outcome(out, c, message);
	if (unchanged) {
		out->noop = 1;
		out->note = fc_strdup("nothing to change: the plan already says so");
		goto done;
	}
	if (c->w.dry_run) {
		out->dry_run = 1;
		hand_flags(c, out, 1);
		goto done;
	}
	for (i = 0; i < c->npaths; i++)
		fc_buf_printf(&pb, "%s\n", c->paths[i]);
	if ((rc = fc_store_exec(s,
		"INSERT INTO journal (change_id, created, state, message, author_name, author_email, paths) "
		"VALUES (?, ?, 'db', ?, ?, ?, ?)", "sIssss", c->id, (long long)c->when, message,
		c->author_name, c->author_email, fc_buf_cstr(&pb))) < 0)
		goto done;
	c->in_txn = 0;
	if ((rc = fc_store_commit(s)) < 0)
		goto done;
	/* the change exists from here on: a failure below is repaired later */
	fc_change_test_kill("db");
	if ((rc = fc_repo_commit(r, oid, message, c->author_name, c->author_email, c->when)) < 0) {
		rc = fc_error_wrap(rc, "the change is recorded but its commit failed ('ficus doctor' finishes it)");
		goto done;
	}
	fc_change_test_kill("commit");
	/* 'committed' until the routers have been tried: a kill in between is
	 * finished by the next command (fc_change_settle) */
	if ((rc = mark_committed(s, c->id, oid, c->nflags ? "committed" : "applied")) < 0)
		goto done;
	snprintf(out->commit, sizeof(out->commit), "%s", oid);
	fc_repo_checkout(r, (const char *const *)c->paths, c->npaths);
	fc_error_clear();
	/* nothing slower than the commit under the lock: the remote and the routers come after */
	c->locked = 0;
	fc_plan_unlock(c->p);
	if (fc_repo_has_remote(r) && !c->w.offline_ok && (rc = publish(c, out, oid)) < 0)
		goto done;
	/* the routers are the session's (fc_session_finish): never this floor's */
	hand_flags(c, out, 0);
	if (c->warning)
		out->note = fc_strdup(c->warning);
	fc_error_clear();
	rc = 0;
done:
	fc_buf_free(&pb);
	free(message);
	change_free(c); /* rolls back a dry run or a no-op */
	return rc;
}

int fc_change_repair_commits(fc_plan *p, int *repaired)
{
	fc_store *s = fc_plan_store(p);
	fc_repo *r = fc_plan_repo(p);
	sqlite3_stmt *st = NULL;
	int rc, pending = 0;

	*repaired = 0;
	if ((rc = fc_store_preparef(s, &st, "SELECT count(*) FROM journal WHERE state = 'db'", NULL)) < 0)
		return rc;
	if (fc_store_step(s, st) == 1)
		pending = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!pending)
		return 0;
	if ((rc = fc_plan_lock(p)) < 0)
		return fc_error_wrap(rc, "finishing an interrupted change");
	for (;;) {
		fc_commit_info head;
		char id[32], oid[FC_OID_HEX], *message, *name, *email, *paths_text;
		char **paths = NULL;
		size_t n = 0;
		fc_time when;
		int unchanged = 0;
		const char *trailer;

		if ((rc = fc_store_prepare(s, &st,
			"SELECT change_id, created, message, author_name, author_email, paths FROM journal "
			"WHERE state = 'db' ORDER BY id LIMIT 1")) < 0)
			break;
		if ((rc = fc_store_step(s, st)) != 1) {
			sqlite3_finalize(st);
			break;
		}
		snprintf(id, sizeof(id), "%s", fc_col_text(st, 0));
		when = sqlite3_column_int64(st, 1);
		message = fc_strdup(fc_col_text(st, 2));
		name = fc_strdup(fc_col_text(st, 3));
		email = fc_strdup(fc_col_text(st, 4));
		paths_text = fc_strdup(fc_col_text(st, 5));
		sqlite3_finalize(st);

		/* killed after the commit, before the journal was marked? */
		memset(&head, 0, sizeof(head));
		rc = fc_repo_head_info(r, &head);
		trailer = rc == 0 ? fc_commit_trailer(&head, "Ficus-Change") : NULL;
		for (char *save = NULL, *tok = strtok_r(paths_text, "\n", &save); tok;
		     tok = strtok_r(NULL, "\n", &save)) {
			paths = fc_realloc(paths, (n + 1) * sizeof(char *));
			paths[n++] = tok;
		}
		if (trailer && strcmp(trailer, id) == 0) {
			snprintf(oid, sizeof(oid), "%s", head.oid);
			rc = 0;
		} else {
			rc = stage_paths(p, paths, n, &unchanged);
			if (rc == 0)
				rc = fc_repo_commit(r, oid, message, name, email, when);
		}
		if (rc == 0)
			fc_repo_checkout(r, (const char *const *)paths, n);
		fc_commit_info_clear(&head);
		/* 'committed': its flags still go to the routers (fc_change_settle) */
		if (rc == 0)
			rc = mark_committed(s, id, oid, "committed");
		free(paths);
		free(message);
		free(name);
		free(email);
		free(paths_text);
		if (rc < 0)
			break;
		(*repaired)++;
	}
	fc_plan_unlock(p);
	if (rc < 0)
		return fc_error_wrap(rc, "finishing an interrupted change");
	fc_error_clear();
	return 0;
}

/* 1 when the process that owns a journal row is gone (or is this one). */
static int owner_gone(sqlite3_stmt *st, int col)
{
	long long pid;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 1;
	pid = sqlite3_column_int64(st, col);
	return pid <= 0 || pid == (long long)getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

int fc_change_unsettled(fc_plan *p, long long **ids, size_t *n)
{
	fc_store *s = fc_plan_store(p);
	sqlite3_stmt *st = NULL;
	int rc;

	*ids = NULL;
	*n = 0;
	/* a change whose process is still at its push is that process's to finish */
	if ((rc = fc_store_prepare(s, &st, "SELECT id, owner FROM journal WHERE state = 'committed'")) < 0)
		return rc;
	while (fc_store_step(s, st) == 1)
		if (owner_gone(st, 1)) {
			*ids = fc_realloc(*ids, (*n + 1) * sizeof(**ids));
			(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
		}
	sqlite3_finalize(st);
	return 0;
}

int fc_change_settled(fc_plan *p, const long long *ids, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc >= 0; i++)
		rc = fc_store_exec(fc_plan_store(p), "UPDATE journal SET state = 'applied' WHERE id = ?", "I", ids[i]);
	return rc < 0 ? rc : 0;
}

int fc_change_applied(fc_plan *p, const char *change_id)
{
	int rc = fc_store_exec(fc_plan_store(p), "UPDATE journal SET state = 'applied' WHERE change_id = ?", "s",
			       change_id);
	return rc < 0 ? rc : 0;
}

int fc_change_publish_soon(fc_plan *p, char **note)
{
	long pid = 0;
	int rc = fc_repo_push_soon(fc_plan_repo(p), ROLLBACK_PUBLISH_WAIT_MS, &pid);

	*note = rc == 0 ? NULL :
		rc == FC_ESYNC ? fc_asprintf("publishing to the remote goes on in the background (pid %ld); "
					     "'ficus sync' publishes it if that fails", pid) :
		fc_asprintf("committed and pushed to the routers, but not published (%s): 'ficus sync' "
			    "publishes it ('ficus sync --reset' when the remote moved)", fc_error_last());
	fc_error_clear();
	return rc;
}

int fc_change_repair(fc_plan *p, int *repaired)
{
	char *note = NULL;
	int rc, before = fc_plan_repaired(p);

	*repaired = 0;
	if ((rc = fc_plan_lock(p)) < 0)
		return fc_error_wrap(rc, "finishing an interrupted change");
	rc = fc_change_catch_up(p, 0, &note);
	*repaired = fc_plan_repaired(p) - before;
	fc_plan_unlock(p);
	free(note);
	return rc;
}

/* ---- rebuild ---- */

static int load_cb(const char *path, const char *data, size_t len, void *ctx)
{
	int known;
	return fc_load_path(ctx, path, data, len, &known);
}

int fc_change_rebuild(fc_plan *p)
{
	char *tmp = fc_asprintf("%s.rebuild", fc_plan_db_path(p));
	char *side[] = { NULL, NULL, NULL };
	char head[FC_OID_HEX];
	fc_store *fresh = NULL;
	int rc, repaired = 0;

	if ((rc = fc_plan_lock(p)) < 0)
		goto done;
	/* finish a change the old database holds, if it can still be read */
	if (fc_plan_load_db(p) && (rc = fc_change_repair_commits(p, &repaired)) < 0)
		goto done;
	fc_error_clear();
	if ((rc = fc_repo_head_oid(fc_plan_repo(p), head)) < 0) {
		rc = fc_error_set(FC_ENOTPLAN, "the plan repository has no commits to rebuild from");
		goto done;
	}
	side[0] = tmp;
	side[1] = fc_asprintf("%s-wal", tmp);
	side[2] = fc_asprintf("%s-shm", tmp);
	for (int i = 0; i < 3; i++)
		unlink(side[i]);
	if ((rc = fc_store_open(&fresh, tmp, 1, fc_plan_lock_timeout(p))) < 0 ||
	    (rc = fc_store_begin(fresh, 1)) < 0)
		goto done;
	fc_store_exec(fresh, "PRAGMA defer_foreign_keys = ON", NULL);
	if ((rc = fc_repo_each_file(fc_plan_repo(p), FC_FILE_MAX, load_cb, fresh)) < 0) {
		fc_store_rollback(fresh);
		rc = fc_error_wrap(rc, "rebuilding from HEAD");
		goto done;
	}
	if ((rc = fc_store_set_local(fresh, "head", head)) < 0)
		goto done;
	if ((rc = fc_store_commit(fresh)) < 0) {
		rc = fc_error_wrap(rc, "rebuilding from HEAD (the plan files disagree with each other)");
		goto done;
	}
	rc = fc_plan_install_db(p, fresh, tmp);
	fresh = NULL;
done:
	fc_store_free(fresh);
	for (int i = 0; i < 3; i++) {
		if (side[i] && (rc < 0 || fc_plan_store(p)))
			unlink(side[i]);
		if (i)
			free(side[i]);
	}
	free(tmp);
	fc_plan_unlock(p);
	return rc;
}

int fc_change_catch_up(fc_plan *p, int fast_forward, char **note)
{
	char head[FC_OID_HEX], *known = NULL;
	int rc, repaired = 0, moved = 0, ahead = 0;

	*note = NULL;
	if ((rc = fc_change_repair_commits(p, &repaired)) < 0)
		return rc;
	fc_plan_note_repaired(p, repaired);
	if (fast_forward && fc_repo_has_remote(fc_plan_repo(p))) {
		rc = fc_repo_fast_forward(fc_plan_repo(p), &moved, &ahead);
		if (rc == FC_ECONFLICT && fast_forward < 0) {
			*note = fc_asprintf("going on locally: %s", fc_error_last());
			fc_error_clear();
			rc = 0;
		} else if (rc < 0) {
			return rc;
		}
	}
	if (fc_repo_head_oid(fc_plan_repo(p), head) < 0) {
		fc_error_clear();
		return 0; /* no history yet: fc_plan_init's first commit */
	}
	known = fc_store_local(fc_plan_store(p), "head");
	if (!known) {
		/* a database from before heads were recorded: trust it from here on */
		rc = fc_store_set_local(fc_plan_store(p), "head", head);
	} else if (strcmp(known, head) != 0) {
		if ((rc = fc_change_rebuild(p)) < 0) {
			rc = fc_error_wrap(rc, "HEAD moved to %.10s outside this database; adopting it failed, nothing was written",
					   head);
		} else if (!moved) {
			free(*note);
			*note = fc_asprintf("adopted commits made outside ficus (HEAD %.10s): the database was rebuilt from HEAD",
					    head);
		}
	}
	free(known);
	return rc;
}

/* ---- verify ---- */

typedef struct {
	char **paths;
	char **oids;
	size_t n, cap;
} path_set;

static int collect_oid(const char *path, const char *oid, void *ctx)
{
	path_set *s = ctx;
	if (!fc_path_known(path))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->paths = fc_realloc(s->paths, s->cap * sizeof(char *));
		s->oids = fc_realloc(s->oids, s->cap * sizeof(char *));
	}
	s->paths[s->n] = fc_strdup(path);
	s->oids[s->n++] = fc_strdup(oid);
	return 0;
}

static int collect_render(const char *path, const char *data, size_t len, void *ctx)
{
	char oid[FC_OID_HEX];
	int rc = fc_repo_hash(oid, data, len);
	return rc < 0 ? rc : collect_oid(path, oid, ctx);
}

static void set_free(path_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i]);
		free(s->oids[i]);
	}
	free(s->paths);
	free(s->oids);
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Sort a set by path (the two sets come in different orders). */
static void set_sort(path_set *s)
{
	char ***idx = fc_malloc((s->n + 1) * sizeof(char **));
	char **p2 = fc_malloc((s->n + 1) * sizeof(char *)), **o2 = fc_malloc((s->n + 1) * sizeof(char *));
	size_t i;

	for (i = 0; i < s->n; i++)
		idx[i] = &s->paths[i];
	qsort(idx, s->n, sizeof(char **), cmp_pair);
	for (i = 0; i < s->n; i++) {
		size_t k = (size_t)(idx[i] - s->paths);
		p2[i] = s->paths[k];
		o2[i] = s->oids[k];
	}
	free(s->paths);
	free(s->oids);
	s->paths = p2;
	s->oids = o2;
	free(idx);
}

int fc_change_verify(fc_plan *p, char **report)
{
	path_set db = { 0 }, head = { 0 };
	fc_buf b = FC_BUF_INIT;
	size_t i = 0, j = 0, bad = 0;
	int rc;

	*report = NULL;
	if ((rc = fc_store_begin(fc_plan_store(p), 0)) < 0)
		return rc;
	rc = fc_render_each(fc_plan_store(p), collect_render, &db);
	fc_store_commit(fc_plan_store(p));
	if (rc < 0 || (rc = fc_repo_each_oid(fc_plan_repo(p), collect_oid, &head)) < 0)
		goto done;
	set_sort(&db);
	set_sort(&head);
	while (i < db.n || j < head.n) {
		int c = i >= db.n ? 1 : j >= head.n ? -1 : strcmp(db.paths[i], head.paths[j]);
		if (c < 0) {
			fc_buf_printf(&b, "missing from the repository: %s\n", db.paths[i++]);
			bad++;
		} else if (c > 0) {
			fc_buf_printf(&b, "missing from the database: %s\n", head.paths[j++]);
			bad++;
		} else {
			if (strcmp(db.oids[i], head.oids[j]) != 0) {
				fc_buf_printf(&b, "differs: %s\n", db.paths[i]);
				bad++;
			}
			i++;
			j++;
		}
	}
	if (bad)
		rc = fc_error_set(FC_EDRIFT, "the database and the plan repository disagree on %zu file%s",
				  bad, bad == 1 ? "" : "s");
	*report = fc_buf_detach(&b);
done:
	fc_buf_free(&b);
	set_free(&db);
	set_free(&head);
	return rc;
}

/* ---- files (doctor) ---- */

/* One line of the files report, into *lines. */
static void file_line(char ***lines, size_t *n, const char *fmt, const char *a, const char *b)
{
	*lines = fc_realloc(*lines, (*n + 1) * sizeof(char *));
	(*lines)[(*n)++] = fc_asprintf(fmt, a, b);
}

/*
 * Leftovers of killed processes in .git, and an index or work tree that
 * differs from HEAD; with repair, remove the stale ones and reset to HEAD.
 * What is still wrong afterwards counts in *problems.
 */
int fc_change_check_files(fc_plan *p, int repair, char ***lines, size_t *nlines, int *problems)
{
	fc_repo *r = fc_plan_repo(p);
	const char *gitdir = fc_repo_gitdir(r);
	fc_leftover *l = NULL;
	size_t n = 0, removed = 0;
	char *diff = NULL;
	int rc;

	*lines = NULL;
	*nlines = 0;
	if ((rc = fc_leftover_list(gitdir, &l, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		file_line(lines, nlines, l[i].stale ? "stale %s '%s'" : "%s '%s' held by a live process", l[i].kind,
			  l[i].path);
	if (repair && (rc = fc_leftover_remove_stale(gitdir, l, n, &removed)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!l[i].stale || !repair)
			(*problems)++;
	if (removed) {
		char num[32];
		snprintf(num, sizeof(num), "%zu", removed);
		file_line(lines, nlines, "removed %s stale leftover%s", num, removed == 1 ? "" : "s");
	}
	if ((rc = fc_repo_differs(r, &diff)) < 0)
		goto done;
	for (char *line = strtok(diff, "\n"); line; line = strtok(NULL, "\n"))
		file_line(lines, nlines, "%s%s", line, "");
	if (*diff && repair) {
		if ((rc = fc_repo_reset_to_head(r)) < 0)
			goto done;
		file_line(lines, nlines, "reset the index and the work tree to HEAD%s%s", "", "");
	} else if (*diff) {
		(*problems)++;
	}
	if (!n && !*diff)
		file_line(lines, nlines, "no leftovers, index and work tree as HEAD%s%s", "", "");
done:
	free(diff);
	fc_leftover_free(l, n);
	return rc;
}
