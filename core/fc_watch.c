/*
 * The watcher's round.  Everything slow (Prometheus, the routers) happens
 * outside the plan lock: measurements are taken first, then recorded in
 * one change; each rollback and promotion is its own change through the
 * same verbs a person uses (fc_life), so the pipeline, the reconciler and
 * the notifications see nothing special.
 *
 * One commit per round for all results: a round is one observation of
 * the whole plan, and a commit per service would put a thousand commits a
 * minute into the history of a large plan; `ficus log SERVICE` still
 * finds the round through its Ficus-Service trailers.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_checkdef.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_rreport.h"
#include "fc_service.h"
#include "fc_store.h"
#include "fc_watch.h"

#define WATCH_ACTOR "ficus watch"
/* how often a round reads the routers' shadow compare counters (the 'shadow' check) */
#define WATCH_SHADOW_EVERY 60

static void emit(const fc_watch_opts *o, const char *event, fc_watch_level level, const char *service,
		 const char *check, const char *outcome, const char *detail, const char *commit)
{
	fc_watch_event e = { event, level, service, check, outcome, detail, commit };

	if (o->log)
		o->log(&e, o->ctx);
}

static int stopping(const fc_watch_opts *o)
{
	return o->stop && *o->stop;
}

/* Phases whose live effect a rollback can stop. */
static int watched(const fc_service *sv)
{
	return sv->phase == FC_PHASE_DUAL_WRITE || sv->phase == FC_PHASE_BACKFILL ||
	       sv->phase == FC_PHASE_READ_CUTOVER;
}

static fc_time newest_of(const fc_service *sv, const char *check)
{
	for (size_t i = 0; i < sv->nstreaks; i++)
		if (!strcmp(sv->streaks[i].name, check))
			return sv->streaks[i].newest;
	return -1;
}

/* Measure every due analysis check of every watched service in one parallel call, and record. */
/* The round's results (*out, *nout: the caller frees with fc_check_run_free). */
static void measure(fc_plan *p, const fc_watch_opts *o, const fc_write_opts *w, fc_service *all, size_t nall,
		    fc_watch_summary *sum, fc_check_run_result **out, size_t *nout)
{
	fc_check_target *t = NULL;
	fc_check_run_result *r = NULL;
	fc_service **shadow = NULL;
	size_t nt = 0, cap = 0, ns = 0;
	fc_time now = fc_now();
	fc_outcome rec = { 0 };
	int rc;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < nall; i++) {
		const cJSON *c;
		if (!watched(&all[i]))
			continue;
		cJSON_ArrayForEach(c, all[i].checks) {
			fc_checkdef d;
			fc_time newest;
			if (fc_checkdef_parse(&d, c, "service") < 0 || d.kind != FC_CHECKDEF_ANALYSIS)
				continue;
			newest = newest_of(&all[i], c->string);
			if (newest >= 0 && now - newest < d.interval_s)
				continue; /* not due */
			if (nt == cap) {
				cap = cap ? cap * 2 : 64;
				t = fc_realloc(t, cap * sizeof(*t));
			}
			t[nt].sv = &all[i];
			t[nt++].def = c;
		}
	}
	fc_error_clear();
	/* shadow compare on: the routers' counters, the 'shadow' check the backfill gate reads */
	for (size_t i = 0; i < nall; i++) {
		fc_time newest;
		if ((all[i].phase != FC_PHASE_DUAL_WRITE && all[i].phase != FC_PHASE_BACKFILL) || !all[i].shadow ||
		    !all[i].compare.sample_bp)
			continue;
		newest = newest_of(&all[i], "shadow");
		if (newest >= 0 && now - newest < WATCH_SHADOW_EVERY)
			continue;
		shadow = fc_realloc(shadow, (ns + 1) * sizeof(*shadow));
		shadow[ns++] = &all[i];
	}
	if (!nt && !ns) {
		free(t);
		return;
	}
	r = fc_calloc(nt + ns, sizeof(*r));
	if (nt)
		fc_check_eval_analysis(r, t, nt);
	if (ns) {
		fc_settings set;
		memset(&set, 0, sizeof(set));
		rc = fc_settings_get(fc_plan_store(p), &set);
		for (size_t j = 0; j < ns && !stopping(o); j++) {
			fc_check_run_result *x = &r[nt + j];
			if (rc < 0 || fc_check_eval_shadow(x, p, shadow[j], &set) < 0) {
				memset(x, 0, sizeof(*x));
				x->service = fc_strdup(shadow[j]->name);
				x->check = fc_strdup("shadow");
				x->outcome = FC_CHECK_ERROR;
				x->detail = fc_asprintf("shadow: error: %.900s", fc_error_last());
			}
		}
		fc_settings_clear(&set);
		fc_error_clear();
		nt += ns;
	}
	free(shadow);
	for (size_t i = 0; i < nt; i++) {
		const char *oc = fc_check_outcome_name(r[i].outcome);
		sum->measured++;
		switch (r[i].outcome) {
		case FC_CHECK_PASS: sum->passes++; break;
		case FC_CHECK_FAIL: sum->failures++; break;
		case FC_CHECK_NO_DATA: sum->no_data++; break;
		default: sum->errors++; break;
		}
		if (r[i].outcome == FC_CHECK_NO_DATA)
			emit(o, "hold", FC_WATCH_WARN, r[i].service, r[i].check, oc, r[i].detail, NULL);
		else
			emit(o, "check", r[i].outcome == FC_CHECK_PASS ? FC_WATCH_INFO : FC_WATCH_WARN, r[i].service,
			     r[i].check, oc, r[i].detail, NULL);
	}
	rc = fc_check_results_record(p, r, nt, w, &rec);
	if (rc < 0 && rc != FC_ESYNC) {
		sum->failed = 1;
		emit(o, "error", FC_WATCH_ALERT, NULL, NULL, NULL, fc_error_last(), NULL);
	} else if (!rec.noop) {
		char *d = fc_asprintf("%zu results recorded (%zu pass, %zu fail, %zu no-data, %zu error)", nt, sum->passes,
				      sum->failures, sum->no_data, sum->errors);
		emit(o, "record", FC_WATCH_INFO, NULL, NULL, NULL, d, rec.commit[0] ? rec.commit : NULL);
		free(d);
	}
	fc_outcome_clear(&rec);
	*out = r;
	*nout = nt;
	free(t);
}

/* Read back every replica of the service's flag: all at 0% and shadow off? */
static void confirm(fc_plan *p, const fc_watch_opts *o, const fc_service *sv, fc_watch_summary *sum)
{
	fc_router_opts ro = FC_ROUTER_OPTS_INIT;
	fc_router_result res;
	const char *flags[1] = { sv->flag };
	size_t bad = 0, ok = 0;
	fc_buf b = FC_BUF_INIT;
	int rc;

	memset(&res, 0, sizeof(res));
	ro.flags = flags;
	ro.nflags = 1;
	rc = fc_rreport_verify(p, &ro, &res);
	if (res.none) {
		emit(o, "verify", FC_WATCH_INFO, sv->name, NULL, NULL,
		     "no routers configured (driver 'none'): the rollback is recorded, nothing to read back", NULL);
		goto done;
	}
	for (size_t i = 0; i < res.nflags; i++) {
		const fc_router_flag_state *f = &res.flags[i];
		if (strcmp(f->flag, sv->flag))
			continue;
		/* a flag the router does not hold routes as 0% (SPEC section 3) */
		if (!strcmp(f->state, "synced") && (!f->seen || (f->seen_bp == 0 && !f->seen_shadow))) {
			ok++;
			continue;
		}
		bad++;
		if (f->seen)
			fc_buf_printf(&b, "%s%s/%s holds %d bp%s (%s)", b.len ? "; " : "", f->router, f->replica, f->seen_bp,
				      f->seen_shadow ? ", shadow on" : "", f->state);
		else
			fc_buf_printf(&b, "%s%s/%s could not be read (%s%s%s)", b.len ? "; " : "", f->router, f->replica,
				      f->state, f->error && *f->error ? ": " : "", f->error ? f->error : "");
	}
	if (bad || (rc < 0 && !ok)) {
		sum->unconfirmed = 1;
		char *d = fc_asprintf("NOT CONFIRMED: %s", b.len ? b.ptr : fc_error_last());
		emit(o, "verify", FC_WATCH_ALERT, sv->name, NULL, NULL, d, NULL);
		free(d);
	} else {
		char *d = fc_asprintf("every replica holds 0%% (%zu read back)", ok);
		emit(o, "verify", FC_WATCH_INFO, sv->name, NULL, NULL, d, NULL);
		free(d);
	}
done:
	fc_error_clear();
	fc_buf_free(&b);
	fc_rstate_result_clear(&res);
}

/* Roll back every watched service whose analysis reached its failure limit since its step began. */
/*
 * A dry run recorded nothing: the service as the store has it, with this
 * round's results added in memory, is what the rule would see.
 */
static void add_round(fc_service *sv, const fc_check_run_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fc_check_result *c;
		if (strcmp(r[i].service, sv->name))
			continue;
		sv->results = fc_realloc(sv->results, (sv->nresults + 1) * sizeof(*sv->results));
		c = &sv->results[sv->nresults++];
		memset(c, 0, sizeof(*c));
		c->name = fc_strdup(r[i].check);
		c->outcome = r[i].outcome;
		c->pass = r[i].outcome == FC_CHECK_PASS;
		c->detail = fc_strdup(r[i].detail ? r[i].detail : "");
		c->actor = fc_strdup("");
		c->at = fc_now();
	}
}

static void roll_back(fc_plan *p, const fc_watch_opts *o, const fc_write_opts *w, fc_service *all, size_t nall,
		      const fc_check_run_result *round, size_t nround, fc_watch_summary *sum)
{
	for (size_t i = 0; i < nall && !stopping(o); i++) {
		fc_service sv;
		char **failed = NULL;
		size_t nfailed = 0;
		int nchecks;

		if (!watched(&all[i]) || !fc_checkdefs_have_analysis(all[i].checks))
			continue;
		/* the rule on the state read at the round's start (cheap: one kept query per check) ... */
		if (!w->dry_run) {
			nchecks = fc_gate_analysis_failed(fc_plan_store(p), &all[i], &failed, &nfailed);
			for (size_t k = 0; k < nfailed; k++)
				free(failed[k]);
			free(failed);
			failed = NULL;
			nfailed = 0;
			if (nchecks <= 0)
				continue;
		}
		/* ... and again on the state now, which the rollback acts on */
		if (fc_service_get(p, all[i].name, &sv) < 0) {
			fc_error_clear();
			continue;
		}
		if (w->dry_run)
			add_round(&sv, round, nround);
		nchecks = fc_gate_analysis_failed(fc_plan_store(p), &sv, &failed, &nfailed);
		if (nchecks > 0 && (sv.bp > 0 || sv.shadow)) {
			fc_write_opts wo = *w;
			fc_outcome out = { 0 };
			fc_buf why = FC_BUF_INIT;
			int rc;
			fc_buf_printf(&why, "automatic rollback: analysis failed its failure limit since the step began");
			for (size_t k = 0; k < nfailed; k++)
				fc_buf_printf(&why, "\n%s", failed[k]);
			wo.reason = why.ptr;
			wo.expect = NULL;
			wo.force = 0;
			rc = fc_rollback_abort_because(p, sv.name, &wo, (const char *const *)failed, nfailed, &out);
			if (rc < 0 && rc != FC_ESYNC) {
				sum->failed = 1;
				emit(o, "error", FC_WATCH_ALERT, sv.name, NULL, NULL, fc_error_last(), NULL);
			} else {
				char *d = fc_asprintf("automatic rollback to 0%%, shadow off: %s", nfailed ? failed[nfailed - 1] : "");
				sum->rolled_back += !out.noop;
				emit(o, "rollback", FC_WATCH_ALERT, sv.name, NULL, NULL, d, out.commit[0] ? out.commit : NULL);
				free(d);
				if (!w->dry_run)
					confirm(p, o, &sv, sum);
			}
			fc_outcome_clear(&out);
			fc_buf_free(&why);
		}
		for (size_t k = 0; k < nfailed; k++)
			free(failed[k]);
		free(failed);
		fc_service_clear(&sv);
	}
}

static void promote(fc_plan *p, const fc_watch_opts *o, const fc_write_opts *w, fc_watch_summary *sum)
{
	fc_ready_result *r = NULL;
	size_t n = 0;

	if (fc_promote_ready_ex(p, w, 1, &r, &n) < 0) {
		sum->failed = 1;
		emit(o, "error", FC_WATCH_ALERT, NULL, NULL, NULL, fc_error_last(), NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *d;
		switch (r[i].status) {
		case FC_READY_PROMOTED:
			sum->promoted++;
			d = fc_asprintf("%s -> %s%s%s", r[i].from, r[i].to, r[i].note ? ": " : "", r[i].note ? r[i].note : "");
			emit(o, "promote", FC_WATCH_INFO, r[i].service, NULL, NULL, d,
			     r[i].outcome.commit[0] ? r[i].outcome.commit : NULL);
			free(d);
			break;
		case FC_READY_CONFIRM:
			emit(o, "left", FC_WATCH_INFO, r[i].service, NULL, NULL, r[i].note, NULL);
			break;
		case FC_READY_FAILED:
			sum->failed = 1;
			emit(o, "error", FC_WATCH_ALERT, r[i].service, NULL, NULL, r[i].note, NULL);
			break;
		default:
			break;
		}
	}
	fc_ready_free(r, n);
}

int fc_watch_round(fc_plan *p, const fc_watch_opts *o, fc_watch_summary *sum)
{
	fc_service *all = NULL;
	fc_check_run_result *round = NULL;
	size_t nall = 0, nround = 0;
	fc_write_opts w = FC_WRITE_OPTS_INIT;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if (o->w)
		w = *o->w;
	if (!w.actor)
		w.actor = WATCH_ACTOR;
	w.interactive = 0;
	w.yes = 0;
	if ((rc = fc_service_list_brief(p, &all, &nall)) < 0)
		return rc;
	measure(p, o, &w, all, nall, sum, &round, &nround);
	if (!stopping(o))
		roll_back(p, o, &w, all, nall, round, nround, sum);
	if (o->promote && !stopping(o))
		promote(p, o, &w, sum);
	sum->stopped = stopping(o);
	fc_check_run_free(round, nround);
	fc_services_free(all, nall);
	return 0;
}

/* ---- one watcher per plan ---- */

struct fc_watch_lock {
	int fd;
	char *path;
};

static char *lock_path(fc_plan *p)
{
	char *db = fc_strdup(fc_plan_db_path(p));
	char *path = fc_asprintf("%s/watch.lock", dirname(db));
	free(db);
	return path;
}

int fc_watch_lock_take(fc_plan *p, fc_watch_lock **out)
{
	char *path = lock_path(p);
	char buf[32];
	ssize_t got;
	int fd;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = fc_error_set(FC_ERROR, "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		long long pid = 0;
		got = pread(fd, buf, sizeof(buf) - 1, 0);
		if (got > 0) {
			buf[got] = '\0';
			pid = atoll(buf);
		}
		close(fd);
		free(path);
		if (pid > 0)
			return fc_error_set(FC_ECONFLICT, "another watcher (pid %lld) watches this plan", pid);
		return fc_error_set(FC_ECONFLICT, "another watcher watches this plan");
	}
	snprintf(buf, sizeof(buf), "%lld\n", (long long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0) {
		int rc = fc_error_set(FC_ERROR, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		free(path);
		return rc;
	}
	*out = fc_calloc(1, sizeof(**out));
	(*out)->fd = fd;
	(*out)->path = path;
	return 0;
}

void fc_watch_lock_release(fc_watch_lock *l)
{
	if (!l)
		return;
	if (ftruncate(l->fd, 0) < 0)
		(void)0; /* the lock goes with the descriptor; a stale pid in it is harmless */
	close(l->fd);
	free(l->path);
	free(l);
}

int fc_watch_state_set(fc_plan *p, const char *state, fc_time started, fc_time last_round)
{
	fc_store *st = fc_plan_store(p);
	int rc;

	if ((rc = fc_store_begin(st, 1)) < 0)
		return rc;
	rc = fc_store_exec(st, "INSERT INTO watch_state (id, pid, state, started) VALUES (1, ?, ?, ?) "
			       "ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, state = excluded.state, "
			       "started = excluded.started", "IsI", (long long)getpid(), state, (long long)started);
	if (rc == 0 && last_round > 0)
		rc = fc_store_exec(st, "UPDATE watch_state SET last_round = ? WHERE id = 1", "I", (long long)last_round);
	if (rc < 0) {
		fc_store_rollback(st);
		return rc;
	}
	return fc_store_commit(st);
}

int fc_watch_state_get(fc_plan *p, fc_watch_state *out)
{
	fc_store *st = fc_plan_store(p);
	sqlite3_stmt *q = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->state, sizeof(out->state), "none");
	if ((rc = fc_store_prepare(st, &q, "SELECT pid, state, started, coalesce(last_round, 0) FROM watch_state "
					  "WHERE id = 1")) < 0)
		return rc;
	if ((rc = fc_store_step(st, q)) == 1) {
		out->known = 1;
		out->pid = sqlite3_column_int64(q, 0);
		snprintf(out->state, sizeof(out->state), "%s", fc_col_text(q, 1));
		out->started = sqlite3_column_int64(q, 2);
		out->last_round = sqlite3_column_int64(q, 3);
		/* a watcher killed without a word: its row says running, its process is gone */
		if (!strcmp(out->state, "running") && out->pid > 0 && kill((pid_t)out->pid, 0) < 0 && errno == ESRCH)
			snprintf(out->state, sizeof(out->state), "dead");
	}
	sqlite3_finalize(q);
	return rc < 0 ? rc : 0;
}
