/*
 * Routers: the engine that pushes the desired state to every replica in
 * parallel, reads it back, and keeps the per-replica state in the
 * router_state table; verify, status and the router verbs.  The
 * configuration and tokens are fc_rconf's, the drivers' shared helpers
 * fc_router_driver.c's.
 *
 * Invariants:
 * - a push takes no plan lock: it reads the desired state at push time
 *   and goes round again when the state moved while it pushed, so the
 *   newest value is the last one any ficus process sends;
 * - drivers run in parallel (one thread per driver when several are in
 *   use; each driver parallelises its replicas) and never touch the
 *   database; the engine records their results afterwards in one
 *   transaction.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_http.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_rconf.h"
#include "fc_router.h"
#include "fc_router_driver.h"
#include "fc_settings.h"
#include "fc_store.h"

static int confs_load(fc_store *s, fc_router_conf **out, size_t *n)
{
	fc_settings st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_settings_get(s, &st)) < 0)
		return rc;
	rc = fc_rconf_parse(out, n, cJSON_GetObjectItemCaseSensitive(st.doc, "routers"), "settings");
	fc_settings_clear(&st);
	return rc;
}


void fc_router_warm(fc_plan *p)
{
	fc_router_conf *confs = NULL;
	size_t n = 0;

	if (confs_load(fc_plan_store(p), &confs, &n) < 0) {
		fc_error_clear(); /* the push reports it */
		return;
	}
	fc_rconf_warm(confs, n);
}



static void job_clear(fc_router_job *j)
{
	free(j->seen);
	free(j->newer);
	if (j->flag_error)
		for (size_t i = 0; i < j->nwant; i++)
			free(j->flag_error[i]);
	free(j->flag_error);
}

/* ---- the desired state ---- */

typedef struct {
	char *service;
	char *flag;
	int bp, shadow;
	long long rev;
	int all;          /* bound to every router */
	char **routers;   /* else: these */
	size_t nrouters;
	int selected;
} svc_row;

static void svcs_free(svc_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].service);
		free(v[i].flag);
		for (size_t k = 0; k < v[i].nrouters; k++)
			free(v[i].routers[k]);
		free(v[i].routers);
	}
	free(v);
}

/* One row of "SELECT name, flag, bp, shadow, rev, routers FROM service". */
static void svc_from_row(svc_row *r, sqlite3_stmt *st)
{
	const char *binding = fc_col_text(st, 5);

	memset(r, 0, sizeof(*r));
	r->service = fc_strdup(fc_col_text(st, 0));
	r->flag = fc_strdup(fc_col_text(st, 1));
	r->bp = sqlite3_column_int(st, 2);
	r->shadow = sqlite3_column_int(st, 3);
	r->rev = sqlite3_column_int64(st, 4);
	if (!*binding) {
		r->all = 1;
	} else {
		cJSON *arr = cJSON_Parse(binding), *c;
		if (cJSON_IsArray(arr)) {
			r->routers = fc_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
			cJSON_ArrayForEach(c, arr)
				if (cJSON_IsString(c))
					r->routers[r->nrouters++] = fc_strdup(c->valuestring);
		} else if (cJSON_IsString(arr)) {
			r->routers = fc_calloc(1, sizeof(char *));
			r->routers[r->nrouters++] = fc_strdup(arr->valuestring);
		} else {
			r->all = 1; /* unreadable binding: safest is every router */
		}
		cJSON_Delete(arr);
	}
}

/*
 * The services (all, or with `names`, those whose flag or name is one of
 * them: a change pushes a flag or two, and must not read five thousand).
 */
static int load_services_named(fc_store *s, svc_row **out, size_t *n, const char *const *names, size_t nnames)
{
	sqlite3_stmt *st = NULL;
	svc_row *v = NULL;
	size_t k = 0, cap = 0, next = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_prepare(s, &st, names ?
		"SELECT name, flag, bp, shadow, rev, routers FROM service WHERE flag = ?1 OR name = ?1" :
		"SELECT name, flag, bp, shadow, rev, routers FROM service ORDER BY flag")) < 0)
		return rc;
	if (names) {
		if (!nnames)
			goto done;
		sqlite3_bind_text(st, 1, names[next++], -1, SQLITE_STATIC);
	}
	for (;;) {
		if ((rc = fc_store_step(s, st)) != 1) {
			if (rc == 0 && names && next < nnames) {
				sqlite3_reset(st);
				sqlite3_bind_text(st, 1, names[next++], -1, SQLITE_STATIC);
				continue;
			}
			break;
		}
		for (size_t i = 0; names && i < k; i++)
			if (!strcmp(v[i].service, fc_col_text(st, 0)))
				goto next_row; /* named twice */
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			v = fc_realloc(v, cap * sizeof(*v));
		}
		svc_from_row(&v[k++], st);
next_row:;
	}
done:
	sqlite3_finalize(st);
	if (rc < 0) {
		svcs_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

static int load_services(fc_store *s, svc_row **out, size_t *n)
{
	return load_services_named(s, out, n, NULL, 0);
}

static int is_bound(const svc_row *v, const char *router)
{
	if (v->all)
		return 1;
	for (size_t i = 0; i < v->nrouters; i++)
		if (!strcmp(v->routers[i], router))
			return 1;
	return 0;
}

/* Mark the selected services; names are flags or service names. */
static int select_services(svc_row *v, size_t n, const char *const *names, size_t nnames, int strict)
{
	if (!names || !nnames) {
		for (size_t i = 0; i < n; i++)
			v[i].selected = 1;
		return 0;
	}
	for (size_t k = 0; k < nnames; k++) {
		int found = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].flag, names[k]) || !strcmp(v[i].service, names[k])) {
				v[i].selected = 1;
				found = 1;
			}
		if (!found && strict) {
			char *shown = fc_sanitize(names[k], 0);
			int rc = fc_error_set(FC_ENOTFOUND, "no service has the flag or name '%.60s'", shown);
			free(shown);
			return rc;
		}
	}
	return 0;
}

/* ---- results ---- */

void fc_router_result_clear(fc_router_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nreplicas; i++) {
		fc_router_replica_result *x = &r->replicas[i];
		free(x->router);
		free(x->replica);
		free(x->driver);
		free(x->error);
		for (size_t k = 0; k < x->nextra; k++)
			free(x->extra[k]);
		free(x->extra);
	}
	free(r->replicas);
	for (size_t i = 0; i < r->nflags; i++) {
		fc_router_flag_state *f = &r->flags[i];
		free(f->router);
		free(f->replica);
		free(f->flag);
		free(f->service);
		free(f->error);
	}
	free(r->flags);
	free(r->report);
	free(r->calls);
	memset(r, 0, sizeof(*r));
}

static fc_router_flag_state *add_flag_state(fc_router_result *res, size_t *cap)
{
	fc_router_flag_state *f;

	if (res->nflags == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		res->flags = fc_realloc(res->flags, *cap * sizeof(*res->flags));
	}
	f = &res->flags[res->nflags++];
	memset(f, 0, sizeof(*f));
	f->seen_rev = -1;
	return f;
}

static int state_rank(const char *s)
{
	if (!strcmp(s, "synced"))
		return 0;
	if (!strcmp(s, "newer"))
		return 1;
	if (!strcmp(s, "pending"))
		return 2;
	if (!strcmp(s, "drift"))
		return 3;
	return 4; /* unreachable */
}

static void count_state(fc_router_replica_result *x, const char *state)
{
	x->nflags++;
	if (!strcmp(state, "synced"))
		x->nsynced++;
	else if (!strcmp(state, "newer"))
		x->nnewer++;
	else if (!strcmp(state, "pending"))
		x->npending++;
	else if (!strcmp(state, "drift"))
		x->ndrift++;
	else
		x->nunreachable++;
	if (state_rank(state) > state_rank(x->state))
		snprintf(x->state, sizeof(x->state), "%s", state);
}

/* ---- the state table ---- */

static int store_state(fc_store *s, sqlite3_stmt **st, const fc_router_flag_state *f)
{
	sqlite3_stmt *q;
	int rc;

	if (!*st && (rc = fc_store_prepare(s, st,
		"INSERT INTO router_state (router, replica, flag, want_bp, want_shadow, want_rev, "
		"seen_bp, seen_shadow, seen_rev, state, error, attempts, updated) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
		"ON CONFLICT (router, replica, flag) DO UPDATE SET want_bp = excluded.want_bp, "
		"want_shadow = excluded.want_shadow, want_rev = excluded.want_rev, seen_bp = excluded.seen_bp, "
		"seen_shadow = excluded.seen_shadow, seen_rev = excluded.seen_rev, state = excluded.state, "
		"error = excluded.error, attempts = excluded.attempts, updated = excluded.updated")) < 0)
		return rc;
	q = *st;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	sqlite3_bind_text(q, 1, f->router, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, f->replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, f->flag, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, f->want_bp);
	sqlite3_bind_int(q, 5, f->want_shadow);
	sqlite3_bind_int64(q, 6, f->want_rev);
	if (f->seen) {
		sqlite3_bind_int(q, 7, f->seen_bp);
		sqlite3_bind_int(q, 8, f->seen_shadow);
		if (f->seen_rev >= 0)
			sqlite3_bind_int64(q, 9, f->seen_rev);
	}
	sqlite3_bind_text(q, 10, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, f->error ? f->error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 12, f->attempts);
	sqlite3_bind_int64(q, 13, (long long)f->updated);
	rc = fc_store_step(s, q);
	return rc < 0 ? rc : 0;
}

/* Drop rows of routers, replicas and flags the settings and services no longer have. */
static int prune_states(fc_store *s, const fc_router_conf *confs, size_t nconfs, const svc_row *v, size_t nv)
{
	sqlite3_stmt *st = NULL;
	char **dead = NULL;
	size_t ndead = 0, k;
	int rc;

	if ((rc = fc_store_prepare(s, &st, "SELECT router, replica, flag FROM router_state")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		const char *router = fc_col_text(st, 0), *replica = fc_col_text(st, 1), *flag = fc_col_text(st, 2);
		const fc_router_conf *c = NULL;
		int keep = 0;
		for (k = 0; k < nconfs && !c; k++)
			if (!strcmp(confs[k].name, router))
				c = &confs[k];
		if (c) {
			for (k = 0; k < c->nreplicas && !keep; k++)
				keep = !strcmp(c->replicas[k], replica);
			if (keep) {
				keep = 0;
				for (k = 0; k < nv && !keep; k++)
					keep = !strcmp(v[k].flag, flag) && is_bound(&v[k], router);
			}
		}
		if (!keep) {
			dead = fc_realloc(dead, (ndead + 3) * sizeof(char *));
			dead[ndead++] = fc_strdup(router);
			dead[ndead++] = fc_strdup(replica);
			dead[ndead++] = fc_strdup(flag);
		}
	}
	sqlite3_finalize(st);
	for (k = 0; rc == 0 && k < ndead; k += 3)
		rc = fc_store_exec(s, "DELETE FROM router_state WHERE router = ? AND replica = ? AND flag = ?",
				   "sss", dead[k], dead[k + 1], dead[k + 2]);
	for (k = 0; k < ndead; k++)
		free(dead[k]);
	free(dead);
	return rc;
}

/* ---- the engine ---- */

typedef struct {
	fc_router_conf *confs;
	size_t nconfs;
	svc_row *svcs;
	size_t nsvcs;
	int svcs_sorted;           /* every service, in flag order */
	fc_rflag **wants;          /* per conf */
	size_t *nwants;
	fc_router_job *jobs;
	size_t njobs;
	size_t *job_conf;          /* conf index of each job */
	size_t *job_rep;           /* replica index */
} run_ctx;

static void run_free(run_ctx *rc)
{
	for (size_t i = 0; i < rc->njobs; i++)
		job_clear(&rc->jobs[i]);
	free(rc->jobs);
	free(rc->job_conf);
	free(rc->job_rep);
	for (size_t i = 0; i < rc->nconfs; i++)
		free(rc->wants ? rc->wants[i] : NULL);
	free(rc->wants);
	free(rc->nwants);
	fc_rconf_free(rc->confs, rc->nconfs);
	svcs_free(rc->svcs, rc->nsvcs);
	memset(rc, 0, sizeof(*rc));
}

static int cmp_svc_flag(const void *key, const void *row)
{
	return strcmp(key, ((const svc_row *)row)->flag);
}

static const svc_row *svc_by_flag(const run_ctx *x, const char *flag)
{
	if (x->svcs_sorted)
		return bsearch(flag, x->svcs, x->nsvcs, sizeof(*x->svcs), cmp_svc_flag);
	for (size_t i = 0; i < x->nsvcs; i++)
		if (!strcmp(x->svcs[i].flag, flag))
			return &x->svcs[i];
	return NULL;
}

/*
 * Load settings and services, select, and build one job per replica of
 * every pushing router that has a selected bound flag (or, with
 * `all_routers`, every pushing router).  Jobs are grouped by driver.
 */
static int run_build(run_ctx *x, fc_plan *p, const fc_router_opts *o, int strict, int all_routers)
{
	fc_store *s = fc_plan_store(p);
	size_t cap = 0;
	int rc, found = 0;

	memset(x, 0, sizeof(*x));
	if ((rc = confs_load(s, &x->confs, &x->nconfs)) < 0)
		return rc;
	for (size_t i = 0; i < x->nconfs; i++)
		found |= x->confs[i].drv->caps.pushes;
	if (!found && !o->router && !strict)
		return 0; /* the pipeline, and no router pushes anything: nothing to load */
	if (!x->nconfs && !o->router && !o->nflags)
		return 0; /* no router at all, and no flag to check: nothing to load */
	found = 0;
	if (o->flags && o->nflags && o->nflags <= 64) {
		rc = load_services_named(s, &x->svcs, &x->nsvcs, o->flags, o->nflags);
	} else {
		rc = load_services(s, &x->svcs, &x->nsvcs);
		x->svcs_sorted = 1;
	}
	if (rc < 0)
		return rc;
	if (o->router) {
		for (size_t i = 0; i < x->nconfs; i++)
			found |= !strcmp(x->confs[i].name, o->router);
		if (!found) {
			char *shown = fc_sanitize(o->router, 0), *hint = fc_store_suggest(s, "router", shown);
			rc = fc_error_set(FC_ENOTFOUND, "no router named '%.60s'%s (see 'ficus router list')", shown, hint);
			free(hint);
			free(shown);
			return rc;
		}
	}
	if ((rc = select_services(x->svcs, x->nsvcs, o->flags, o->nflags, strict)) < 0)
		return rc;
	x->wants = fc_calloc(x->nconfs + 1, sizeof(*x->wants));
	x->nwants = fc_calloc(x->nconfs + 1, sizeof(*x->nwants));
	for (size_t d = 0; fc_rconf_driver_at(d); d++) {
		for (size_t ci = 0; ci < x->nconfs; ci++) {
			fc_router_conf *c = &x->confs[ci];
			if (c->drv != fc_rconf_driver_at(d) || !c->drv->caps.pushes || (o->router && strcmp(o->router, c->name)))
				continue;
			x->wants[ci] = fc_calloc(x->nsvcs + 1, sizeof(fc_rflag));
			for (size_t k = 0; k < x->nsvcs; k++) {
				const svc_row *v = &x->svcs[k];
				fc_rflag *w;
				if (!v->selected || !is_bound(v, c->name) || strlen(v->flag) >= sizeof(w->flag))
					continue;
				w = &x->wants[ci][x->nwants[ci]++];
				snprintf(w->flag, sizeof(w->flag), "%s", v->flag);
				w->bp = v->bp;
				w->shadow = v->shadow;
				w->rev = v->rev;
			}
			if (!x->nwants[ci] && !all_routers)
				continue;
			for (size_t r = 0; r < c->nreplicas; r++) {
				fc_router_job *j;
				if (x->njobs == cap) {
					cap = cap ? cap * 2 : 8;
					x->jobs = fc_realloc(x->jobs, cap * sizeof(*x->jobs));
					x->job_conf = fc_realloc(x->job_conf, cap * sizeof(size_t));
					x->job_rep = fc_realloc(x->job_rep, cap * sizeof(size_t));
				}
				j = &x->jobs[x->njobs];
				memset(j, 0, sizeof(*j));
				j->r = c;
				j->replica = c->replicas[r];
				j->want = x->wants[ci];
				j->nwant = x->nwants[ci];
				x->job_conf[x->njobs] = ci;
				x->job_rep[x->njobs] = r;
				x->njobs++;
			}
		}
	}
	return 0;
}

typedef struct {
	const fc_router_driver *d;
	fc_router_job *jobs;
	size_t n;
	int list;
} group;

static void run_group(group *g)
{
	if (g->list)
		g->d->list(g->jobs, g->n);
	else
		g->d->push(g->jobs, g->n);
}

static void *group_main(void *arg)
{
	run_group(arg);
	return NULL;
}

/* Resolve tokens, set deadlines, and run every driver's jobs in parallel. */
static void run_jobs(run_ctx *x, int list)
{
	group gs[FC_RCONF_MAX_DRIVERS];
	pthread_t th[FC_RCONF_MAX_DRIVERS];
	int started[FC_RCONF_MAX_DRIVERS];
	size_t ng = 0, i;
	int64_t now;

	for (i = 0; i < x->nconfs; i++)
		if (x->confs[i].drv->caps.pushes && (x->confs[i].token_env || x->confs[i].token_file))
			fc_rconf_resolve_token(&x->confs[i]);
	now = fc_http_now_ms();
	for (i = 0; i < x->njobs; i++) {
		fc_router_job *j = &x->jobs[i];
		j->deadline_ms = now + j->r->timeout_ms;
		if (j->r->token_error[0])
			fc_router_job_fail(j, 0, "%s", j->r->token_error);
		if (!ng || gs[ng - 1].d != j->r->drv) {
			gs[ng].d = j->r->drv;
			gs[ng].jobs = j;
			gs[ng].n = 0;
			gs[ng].list = list;
			ng++;
		}
		gs[ng - 1].n++;
	}
	for (i = 1; i < ng; i++)
		started[i] = pthread_create(&th[i], NULL, group_main, &gs[i]) == 0;
	if (ng)
		run_group(&gs[0]);
	for (i = 1; i < ng; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			run_group(&gs[i]);
	}
}

static int values_equal(const fc_router_caps *caps, const fc_rflag *want, const fc_rflag *seen)
{
	return want->bp == seen->bp && (!caps->shadow || want->shadow == seen->shadow);
}

static fc_router_replica_result *add_replica(fc_router_result *res, const fc_router_job *j)
{
	fc_router_replica_result *x;

	res->replicas = fc_realloc(res->replicas, (res->nreplicas + 1) * sizeof(*res->replicas));
	x = &res->replicas[res->nreplicas++];
	memset(x, 0, sizeof(*x));
	x->router = fc_strdup(j->r->name);
	x->replica = fc_strdup(j->replica);
	x->driver = fc_strdup(j->r->drv->name);
	snprintf(x->state, sizeof(x->state), "synced");
	x->attempts = j->attempts;
	x->ms = j->ms;
	return x;
}

static void fill_flag(fc_router_flag_state *f, const fc_router_job *j, const fc_rflag *want,
		      const svc_row *v, const fc_rflag *seen, fc_time now)
{
	f->router = fc_strdup(j->r->name);
	f->replica = fc_strdup(j->replica);
	f->flag = fc_strdup(want->flag);
	f->service = fc_strdup(v ? v->service : "");
	f->want_bp = want->bp;
	f->want_shadow = want->shadow;
	f->want_rev = want->rev;
	if (seen) {
		f->seen = 1;
		f->seen_bp = seen->bp;
		f->seen_shadow = seen->shadow;
		f->seen_rev = seen->rev;
	}
	f->attempts = j->attempts;
	f->updated = now;
}

/* Judge a push job: a state per wanted flag. */
static void judge_push(const run_ctx *x, fc_router_job *j, fc_router_result *res, size_t *cap, fc_time now)
{
	fc_router_replica_result *rr = add_replica(res, j);
	const fc_router_caps *caps = &j->r->drv->caps;
	char pb[16], pw[16];

	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *w = &j->want[i];
		const fc_rflag *seen = fc_router_job_find_seen(j, w->flag);
		fc_router_flag_state *f = add_flag_state(res, cap);
		const char *state, *err = j->flag_error && j->flag_error[i] ? j->flag_error[i] : NULL;

		fill_flag(f, j, w, svc_by_flag(x, w->flag), seen, now);
		if (seen && values_equal(caps, w, seen) && (!caps->revisions || seen->rev >= w->rev) && !err) {
			state = "synced";
		} else if ((j->newer && j->newer[i]) ||
			   (seen && caps->revisions && seen->rev > w->rev)) {
			state = "newer";
			if (seen)
				f->error = fc_asprintf("flag '%s': the router holds revision %lld, newer than the plan's %lld "
						       "(another plan or a hand change drives it; 'ficus router sync "
						       "--take-over %s' pushes the plan's value above it)",
						       w->flag, seen->rev, w->rev, w->flag);
			else
				f->error = fc_asprintf("flag '%s': the router holds a revision newer than the plan's %lld "
						       "('ficus router sync --take-over %s')", w->flag, w->rev, w->flag);
		} else if (j->failed && j->unreachable) {
			state = "unreachable";
		} else {
			state = "pending";
			if (!err && !j->failed && j->seen_valid) {
				if (seen) {
					fc_pct_format(pb, sizeof(pb), seen->bp);
					fc_pct_format(pw, sizeof(pw), w->bp);
					f->error = fc_asprintf("read back %s%s after the push, expected %s%s", pb,
							       seen->shadow ? " + shadow" : "", pw, w->shadow ? " + shadow" : "");
				} else {
					f->error = fc_strdup("missing on the router after the push");
				}
			}
		}
		if (!f->error)
			f->error = fc_strdup(!strcmp(state, "synced") ? "" : err ? err : j->msg[0] ? j->msg :
					     "not confirmed by a read-back");
		snprintf(f->state, sizeof(f->state), "%s", state);
		count_state(rr, state);
		if (!rr->error && strcmp(state, "synced"))
			rr->error = fc_strdup(f->error);
	}
	if (!rr->error && j->failed)
		rr->error = fc_strdup(j->msg);
	if (!rr->error)
		rr->error = fc_strdup("");
}

/* Judge a list job against the plan: drift per bound flag. */
static void judge_list(const run_ctx *x, fc_router_job *j, fc_router_result *res, size_t *cap,
		       fc_time now, int extras)
{
	fc_router_replica_result *rr = add_replica(res, j);
	const fc_router_caps *caps = &j->r->drv->caps;
	char pb[16], pw[16];

	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *w = &j->want[i];
		const fc_rflag *seen = j->failed ? NULL : fc_router_job_find_seen(j, w->flag);
		fc_router_flag_state *f = add_flag_state(res, cap);
		const char *state;

		fill_flag(f, j, w, svc_by_flag(x, w->flag), seen, now);
		if (j->failed) {
			state = j->unreachable ? "unreachable" : "pending";
			f->error = fc_strdup(j->msg);
		} else if (!seen && w->bp == 0 && !(caps->shadow && w->shadow)) {
			/* a flag the router does not hold routes as 0% (the routing rule) */
			state = "synced";
			f->error = fc_strdup("");
		} else if (!seen) {
			state = "drift";
			f->error = fc_strdup("missing on the router");
		} else if (!values_equal(caps, w, seen)) {
			state = "drift";
			fc_pct_format(pb, sizeof(pb), seen->bp);
			fc_pct_format(pw, sizeof(pw), w->bp);
			if (caps->revisions && seen->rev > w->rev)
				f->error = fc_asprintf("the router has %s%s at revision %lld, newer than the plan's "
						       "%s%s at %lld (another ficus, or a change by hand)", pb,
						       seen->shadow ? " + shadow" : "", seen->rev, pw,
						       w->shadow ? " + shadow" : "", w->rev);
			else
				f->error = fc_asprintf("the router has %s%s, the plan %s%s", pb,
						       caps->shadow && seen->shadow ? " + shadow" : "", pw,
						       caps->shadow && w->shadow ? " + shadow" : "");
		} else {
			state = "synced";
			f->error = fc_strdup("");
		}
		snprintf(f->state, sizeof(f->state), "%s", state);
		count_state(rr, state);
		if (!rr->error && strcmp(state, "synced"))
			rr->error = strcmp(state, "drift") ? fc_strdup(f->error)
							   : fc_asprintf("flag '%s': %s", w->flag, f->error);
	}
	if (extras && !j->failed) {
		/* want is in flag order here (every service, ORDER BY flag) */
		for (size_t k = 0; k < j->nseen; k++) {
			if (bsearch(&j->seen[k], j->want, j->nwant, sizeof(*j->want), fc_rflag_cmp))
				continue;
			rr->extra = fc_realloc(rr->extra, (rr->nextra + 1) * sizeof(char *));
			rr->extra[rr->nextra++] = fc_strdup(j->seen[k].flag);
		}
	}
	if (!rr->error && j->failed) {
		rr->error = fc_strdup(j->msg);
		snprintf(rr->state, sizeof(rr->state), "%s", j->unreachable ? "unreachable" : "pending");
	}
	if (!rr->error)
		rr->error = fc_strdup("");
}

static void report_line(fc_buf *b, const fc_router_replica_result *x, int verify)
{
	if (!strcmp(x->state, "synced") || !strcmp(x->state, "newer")) {
		fc_buf_printf(b, "router '%s' replica %s: %s %zu flag%s", x->router, x->replica,
			      verify ? "in sync," : "synced", x->nflags, x->nflags == 1 ? "" : "s");
		if (x->nnewer)
			fc_buf_printf(b, " (%zu newer on the router)", x->nnewer);
		if (!verify)
			fc_buf_printf(b, " in %ld ms", x->ms);
		if (x->nextra)
			fc_buf_printf(b, "; %zu flag%s not in the plan", x->nextra, x->nextra == 1 ? "" : "s");
		fc_buf_putc(b, '\n');
		return;
	}
	if (verify && x->ndrift)
		fc_buf_printf(b, "router '%s' replica %s: drift on %zu of %zu flag%s", x->router, x->replica, x->ndrift,
			      x->nflags, x->nflags == 1 ? "" : "s");
	else
		fc_buf_printf(b, "router '%s' replica %s: %s: %s", x->router, x->replica, x->state, x->error);
	if (!verify && x->nflags > 1 && x->nsynced + x->nnewer < x->nflags)
		fc_buf_printf(b, " (%zu of %zu flags not synced)", x->nflags - x->nsynced - x->nnewer, x->nflags);
	if (x->attempts > 1)
		fc_buf_printf(b, " (%d attempts)", x->attempts);
	fc_buf_putc(b, '\n');
}

static int store_results(fc_plan *p, const run_ctx *x, const fc_router_result *res, int prune)
{
	fc_store *s = fc_plan_store(p);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = fc_store_begin(s, 1)) < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < res->nflags; i++)
		rc = store_state(s, &st, &res->flags[i]);
	sqlite3_finalize(st);
	if (rc == 0 && prune)
		rc = prune_states(s, x->confs, x->nconfs, x->svcs, x->nsvcs);
	if (rc < 0) {
		fc_store_rollback(s);
		return rc;
	}
	return fc_store_commit(s);
}

static void describe(const run_ctx *x, fc_buf *out)
{
	for (size_t i = 0; i < x->njobs; i++) {
		const fc_router_job *j = &x->jobs[i];
		if (j->r->drv->describe)
			j->r->drv->describe(j->r, j->replica, j->want, j->nwant, out);
	}
}

static int none_result(const run_ctx *x, fc_router_result *out, const char *what)
{
	int pushing = 0;

	for (size_t i = 0; i < x->nconfs; i++)
		pushing |= x->confs[i].drv->caps.pushes;
	out->none = !pushing;
	if (!pushing)
		out->report = fc_strdup("no routers configured (driver 'none'): decisions are recorded, nothing is pushed\n");
	else
		out->report = fc_asprintf("no flag is bound to a router: nothing to %s\n", what);
	return 0;
}

/*
 * 1 when the desired state of a flag pushed in `x` moved since it was
 * read (another process committed a change meanwhile): the reconciler
 * then goes round again, so the last push of any process is the newest
 * desired state, never an older one.
 */
static int desired_moved(fc_plan *p, const run_ctx *x)
{
	fc_store *s = fc_plan_store(p);
	sqlite3_stmt *q = NULL;
	int moved = 0;

	if (fc_store_prepare(s, &q, "SELECT bp, shadow, rev FROM service WHERE flag = ?") < 0)
		return 0;
	for (size_t i = 0; i < x->nsvcs && !moved; i++) {
		const svc_row *v = &x->svcs[i];
		if (!v->selected)
			continue;
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, v->flag, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			moved = sqlite3_column_int(q, 0) != v->bp || sqlite3_column_int(q, 1) != v->shadow ||
				sqlite3_column_int64(q, 2) != v->rev;
	}
	sqlite3_finalize(q);
	return moved;
}

#define RECONCILE_ROUNDS 4

/*
 * The reconciler: push the desired state read now to every replica, read
 * it back, judge.  It takes no plan lock (a change never waits for a
 * router); concurrent reconcilers are safe because each reads the desired
 * state at push time and goes round again when it moved meanwhile, and
 * routers that keep revisions refuse an older one.
 */
static int do_sync(fc_plan *p, const fc_router_opts *o, int strict, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	run_ctx x;
	fc_buf rep = FC_BUF_INIT;
	size_t cap = 0, bad = 0, first = 0;
	int rc, round = 0;
	fc_time now;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	if (!o)
		o = &none;
again:
	if ((rc = fc_store_begin(fc_plan_store(p), 0)) < 0)
		goto done;
	rc = run_build(&x, p, o, strict, 0);
	fc_store_commit(fc_plan_store(p));
	if (rc < 0)
		goto done;
	if (!x.njobs) {
		rc = none_result(&x, out, "push");
		goto done;
	}
	if (o->dry_run) {
		fc_buf calls = FC_BUF_INIT;
		describe(&x, &calls);
		out->calls = fc_buf_detach(&calls);
		goto done;
	}
	run_jobs(&x, 0);
	if (++round < RECONCILE_ROUNDS && desired_moved(p, &x)) {
		run_free(&x);
		goto again;
	}
	now = fc_now();
	for (size_t i = 0; i < x.njobs; i++)
		judge_push(&x, &x.jobs[i], out, &cap, now);
	for (size_t i = 0; i < out->nreplicas; i++) {
		report_line(&rep, &out->replicas[i], 0);
		if ((strcmp(out->replicas[i].state, "synced") || out->replicas[i].nnewer) && !bad++)
			first = i;
	}
	out->report = fc_buf_detach(&rep);
	if ((rc = store_results(p, &x, out, !o->router && !o->nflags)) < 0)
		goto done;
	if (bad) {
		const fc_router_replica_result *f = &out->replicas[first];
		const char *why = *f->error ? f->error : "a newer revision than the plan's";
		if (bad > 1)
			rc = fc_error_set(FC_ESYNC, "router '%s' replica %s: %s (and %zu more replica%s not synced)",
					  f->router, f->replica, why, bad - 1, bad > 2 ? "s" : "");
		else
			rc = fc_error_set(FC_ESYNC, "router '%s' replica %s: %s", f->router, f->replica, why);
	}
done:
	fc_buf_free(&rep);
	run_free(&x);
	return rc;
}

int fc_router_sync(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	return do_sync(p, o, 1, out);
}

/*
 * Flags some replica lacks according to the state table: a push that
 * failed, a drift verify found.  Cheap (a partial index), so that every
 * change can retry what an earlier one left behind.  A change killed
 * before its push leaves no such row: the journal's repair pushes it.
 */
static int recorded_pending(fc_store *s, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_prepare(s, &st,
		"SELECT DISTINCT flag FROM router_state WHERE state <> 'synced' AND state <> 'newer'")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		v = fc_realloc(v, (k + 1) * sizeof(char *));
		v[k++] = fc_strdup(fc_col_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		fc_router_names_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

int fc_router_push(fc_plan *p, const char *const *flags, size_t nflags, char **report)
{
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_router_result res;
	char **pending = NULL;
	const char **all = NULL;
	size_t npending = 0, n = 0;
	int rc;

	if (report)
		*report = NULL;
	if (flags && nflags == 0)
		return 0;
	if (flags) {
		/* the change's flags, and whatever an earlier push left behind */
		if (recorded_pending(fc_plan_store(p), &pending, &npending) < 0)
			npending = 0;
		all = fc_calloc(nflags + npending + 1, sizeof(char *));
		for (size_t i = 0; i < nflags; i++)
			all[n++] = flags[i];
		for (size_t i = 0; i < npending; i++) {
			int dup = 0;
			for (size_t k = 0; k < nflags && !dup; k++)
				dup = !strcmp(flags[k], pending[i]);
			if (!dup)
				all[n++] = pending[i];
		}
		o.flags = all;
		o.nflags = n;
	}
	rc = do_sync(p, &o, 0, &res);
	if (report && res.report) {
		*report = res.report;
		res.report = NULL;
	}
	fc_router_result_clear(&res);
	free(all);
	fc_router_names_free(pending, npending);
	return rc;
}

int fc_router_verify(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	run_ctx x;
	fc_buf rep = FC_BUF_INIT;
	size_t cap = 0, ndrift = 0, nfail = 0;
	const fc_router_flag_state *fd = NULL;
	const fc_router_replica_result *ff = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &none;
	if ((rc = run_build(&x, p, o, 1, 1)) < 0)
		goto done;
	if (!x.njobs) {
		rc = none_result(&x, out, "verify");
		goto done;
	}
	run_jobs(&x, 1);
	for (size_t i = 0; i < x.njobs; i++)
		judge_list(&x, &x.jobs[i], out, &cap, fc_now(), !o->nflags);
	for (size_t i = 0; i < out->nflags; i++)
		if (!strcmp(out->flags[i].state, "drift") && !ndrift++)
			fd = &out->flags[i];
	for (size_t i = 0; i < out->nreplicas; i++) {
		report_line(&rep, &out->replicas[i], 1);
		if ((!strcmp(out->replicas[i].state, "unreachable") || !strcmp(out->replicas[i].state, "pending")) &&
		    !nfail++)
			ff = &out->replicas[i];
	}
	out->report = fc_buf_detach(&rep);
	if ((rc = store_results(p, &x, out, 0)) < 0)
		goto done;
	if (ndrift)
		rc = fc_error_set(FC_EDRIFT, "drift on %zu flag%s: router '%s' replica %s: flag '%s': %s", ndrift,
				  ndrift == 1 ? "" : "s", fd->router, fd->replica, fd->flag, fd->error);
	else if (nfail)
		rc = fc_error_set(FC_ESYNC, "router '%s' replica %s could not be read: %s%s", ff->router, ff->replica,
				  ff->error, nfail > 1 ? " (and more)" : "");
done:
	fc_buf_free(&rep);
	run_free(&x);
	return rc;
}

/*
 * The recorded state of one (router, replica, flag) judged against the
 * plan, from a row of ROW_COLUMNS (q positioned on it), or NULL: no row.
 */
#define ROW_COLUMNS "want_bp, want_shadow, want_rev, seen_bp, seen_shadow, seen_rev, state, error, attempts, updated"

static void judge_row(sqlite3_stmt *q, fc_router_flag_state *f)
{
	snprintf(f->state, sizeof(f->state), "pending");
	if (!q) {
		f->error = fc_strdup("never pushed to this replica");
		return;
	}
	if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		f->seen = 1;
		f->seen_bp = sqlite3_column_int(q, 3);
		f->seen_shadow = sqlite3_column_int(q, 4);
		f->seen_rev = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 5);
	}
	f->attempts = sqlite3_column_int(q, 8);
	f->updated = sqlite3_column_int64(q, 9);
	if (sqlite3_column_int(q, 0) != f->want_bp || sqlite3_column_int(q, 1) != f->want_shadow ||
	    sqlite3_column_int64(q, 2) != f->want_rev) {
		f->error = fc_asprintf("the plan changed since the last push (revision %lld, last pushed %lld)",
				       f->want_rev, (long long)sqlite3_column_int64(q, 2));
		return;
	}
	snprintf(f->state, sizeof(f->state), "%s", fc_col_text(q, 6));
	f->error = fc_strdup(fc_col_text(q, 7));
}

/*
 * Judge every wanted flag of one job from the table: one indexed scan of
 * the replica's rows merged with the wants when they are in flag order,
 * else one lookup per flag.
 */
static int judge_rows(fc_store *s, const fc_router_job *j, int sorted, fc_router_flag_state *const *fs)
{
	sqlite3_stmt *q = NULL;
	int rc, have = 0;

	if (sorted) {
		if ((rc = fc_store_preparef(s, &q, "SELECT " ROW_COLUMNS ", flag FROM router_state "
					    "WHERE router = ? AND replica = ? ORDER BY flag", "ss", j->r->name, j->replica)) < 0)
			return rc;
		have = sqlite3_step(q) == SQLITE_ROW;
		for (size_t k = 0; k < j->nwant; k++) {
			int c = 1;
			while (have && (c = strcmp(fc_col_text(q, 10), j->want[k].flag)) < 0)
				have = sqlite3_step(q) == SQLITE_ROW;
			judge_row(have && c == 0 ? q : NULL, fs[k]);
		}
	} else {
		if ((rc = fc_store_prepare(s, &q, "SELECT " ROW_COLUMNS " FROM router_state "
					   "WHERE router = ? AND replica = ? AND flag = ?")) < 0)
			return rc;
		for (size_t k = 0; k < j->nwant; k++) {
			sqlite3_reset(q);
			sqlite3_bind_text(q, 1, j->r->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, j->replica, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, j->want[k].flag, -1, SQLITE_STATIC);
			judge_row(sqlite3_step(q) == SQLITE_ROW ? q : NULL, fs[k]);
		}
	}
	sqlite3_finalize(q);
	return 0;
}

int fc_router_status(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	fc_store *s = fc_plan_store(p);
	fc_buf rep = FC_BUF_INIT;
	run_ctx x;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &none;
	if ((rc = run_build(&x, p, o, 1, 1)) < 0)
		goto done;
	if (!x.njobs) {
		rc = none_result(&x, out, "report");
		goto done;
	}
	if ((rc = fc_store_begin(s, 0)) < 0)
		goto done;
	for (size_t i = 0; i < x.njobs && rc == 0; i++) {
		const fc_router_job *j = &x.jobs[i];
		fc_router_replica_result *rr = add_replica(out, j);
		size_t first = out->nflags;
		fc_router_flag_state **fs = fc_calloc(j->nwant + 1, sizeof(*fs));
		for (size_t k = 0; k < j->nwant; k++) {
			fc_router_flag_state *f = add_flag_state(out, &cap);
			const svc_row *v = svc_by_flag(&x, j->want[k].flag);
			f->router = fc_strdup(j->r->name);
			f->replica = fc_strdup(j->replica);
			f->flag = fc_strdup(j->want[k].flag);
			f->service = fc_strdup(v ? v->service : "");
			f->want_bp = j->want[k].bp;
			f->want_shadow = j->want[k].shadow;
			f->want_rev = j->want[k].rev;
		}
		for (size_t k = 0; k < j->nwant; k++)
			fs[k] = &out->flags[first + k]; /* after the last realloc */
		rc = judge_rows(s, j, x.svcs_sorted, fs);
		free(fs);
		for (size_t k = 0; k < j->nwant && rc == 0; k++) {
			const fc_router_flag_state *f = &out->flags[first + k];
			count_state(rr, f->state);
			if (!rr->error && strcmp(f->state, "synced") && strcmp(f->state, "newer"))
				rr->error = fc_strdup(f->error);
		}
		if (!rr->error)
			rr->error = fc_strdup("");
		fc_buf_printf(&rep, "router '%s' replica %s: %zu synced, %zu pending, %zu drift, %zu unreachable%s%s\n",
			      rr->router, rr->replica, rr->nsynced + rr->nnewer, rr->npending, rr->ndrift,
			      rr->nunreachable, *rr->error ? ": " : "", rr->error);
	}
	fc_store_commit(s);
	out->report = fc_buf_detach(&rep);
done:
	fc_buf_free(&rep);
	run_free(&x);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fc_router_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fc_router_pending(fc_plan *p, char ***flags, size_t *n)
{
	fc_router_result res;
	char **out = NULL;
	size_t k = 0;
	int rc;

	*flags = NULL;
	*n = 0;
	if ((rc = fc_router_status(p, NULL, &res)) < 0)
		return rc;
	for (size_t i = 0; i < res.nflags; i++) {
		const fc_router_flag_state *f = &res.flags[i];
		if (!strcmp(f->state, "synced") || !strcmp(f->state, "newer"))
			continue;
		out = fc_realloc(out, (k + 1) * sizeof(char *));
		out[k++] = fc_strdup(f->flag);
	}
	/* a flag pending on several replicas once */
	if (k > 1) {
		size_t u = 1;
		qsort(out, k, sizeof(char *), cmp_str);
		for (size_t i = 1; i < k; i++) {
			if (!strcmp(out[i], out[u - 1]))
				free(out[i]);
			else
				out[u++] = out[i];
		}
		k = u;
	}
	fc_router_result_clear(&res);
	*flags = out;
	*n = k;
	return 0;
}

int fc_router_repair(fc_plan *p, fc_router_result *out)
{
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	char **flags = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_router_pending(p, &flags, &n)) < 0)
		return rc;
	if (!n) {
		out->report = fc_strdup("");
		return 0;
	}
	o.flags = (const char *const *)flags;
	o.nflags = n;
	rc = do_sync(p, &o, 0, out);
	fc_router_names_free(flags, n);
	return rc;
}

int fc_router_describe(fc_plan *p, const fc_router_value *v, size_t n, char **calls)
{
	fc_store *s = fc_plan_store(p);
	fc_router_conf *confs = NULL;
	svc_row *svcs = NULL;
	size_t nconfs = 0, nsvcs = 0;
	fc_rflag *want = NULL;
	fc_buf out = FC_BUF_INIT;
	int rc;

	*calls = NULL;
	if ((rc = confs_load(s, &confs, &nconfs)) < 0 || (rc = load_services(s, &svcs, &nsvcs)) < 0)
		goto done;
	want = fc_calloc(n + 1, sizeof(*want));
	for (size_t ci = 0; ci < nconfs; ci++) {
		const fc_router_conf *c = &confs[ci];
		size_t nw = 0;
		if (!c->drv->caps.pushes || !c->drv->describe)
			continue;
		for (size_t i = 0; i < n; i++) {
			const svc_row *sv = NULL;
			for (size_t k = 0; k < nsvcs && !sv; k++)
				if (!strcmp(svcs[k].flag, v[i].flag))
					sv = &svcs[k];
			if ((sv && !is_bound(sv, c->name)) || strlen(v[i].flag) >= sizeof(want->flag))
				continue;
			snprintf(want[nw].flag, sizeof(want->flag), "%s", v[i].flag);
			want[nw].bp = v[i].bp;
			want[nw].shadow = v[i].shadow;
			want[nw].rev = v[i].rev;
			nw++;
		}
		for (size_t r = 0; nw && r < c->nreplicas; r++)
			c->drv->describe(c, c->replicas[r], want, nw, &out);
	}
	*calls = fc_buf_detach(&out);
done:
	fc_buf_free(&out);
	free(want);
	fc_rconf_free(confs, nconfs);
	svcs_free(svcs, nsvcs);
	return rc;
}

int fc_router_check_config(fc_plan *p, char **notes, int *problems)
{
	fc_router_conf *confs = NULL;
	size_t n = 0;
	fc_buf b = FC_BUF_INIT;
	int rc;

	*notes = NULL;
	*problems = 0;
	if ((rc = confs_load(fc_plan_store(p), &confs, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		fc_router_conf *c = &confs[i];
		int plain = 0;
		if (!c->drv->caps.pushes)
			continue;
		for (size_t k = 0; k < c->nreplicas; k++)
			plain |= !strncmp(c->replicas[k], "http://", 7);
		if (c->token_env || c->token_file) {
			fc_rconf_resolve_token(c);
			if (c->token_error[0]) {
				fc_buf_printf(&b, "router '%s': %s\n", c->name, c->token_error);
				(*problems)++;
			} else if (plain) {
				fc_buf_printf(&b, "router '%s': the token travels over plain http: use https, "
					      "or keep the admin port on loopback\n", c->name);
			}
		}
		if (!c->tls_verify)
			fc_buf_printf(&b, "router '%s': TLS verification is off ('tls_verify': false)\n", c->name);
	}
	*notes = fc_buf_detach(&b);
	fc_rconf_free(confs, n);
	return 0;
}

/* ---- configuration ---- */

int fc_router_list(fc_plan *p, fc_router_info **out, size_t *n)
{
	fc_settings st;
	fc_router_info *v = NULL;
	const cJSON *routers, *c;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_settings_get(fc_plan_store(p), &st)) < 0)
		return rc;
	routers = cJSON_GetObjectItemCaseSensitive(st.doc, "routers");
	if ((rc = fc_rconf_check(routers, "settings")) < 0)
		goto done;
	v = fc_calloc((size_t)cJSON_GetArraySize(routers) + 1, sizeof(*v));
	cJSON_ArrayForEach(c, routers) {
		fc_router_info *r = &v[k++];
		const cJSON *reps = cJSON_GetObjectItemCaseSensitive(c, "replicas"), *e;
		r->name = fc_strdup(cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
		r->driver = fc_strdup(cJSON_GetObjectItemCaseSensitive(c, "driver")->valuestring);
		fc_rconf_driver_info(r->driver, &r->caps, NULL);
		r->replicas = fc_calloc((size_t)cJSON_GetArraySize(reps) + 1, sizeof(char *));
		cJSON_ArrayForEach(e, reps)
			r->replicas[r->nreplicas++] = fc_strdup(e->valuestring);
		r->config = cJSON_Duplicate(c, 1);
		if (!strcmp(r->driver, "haproxy"))
			r->caps.survives_restart = cJSON_GetObjectItemCaseSensitive(c, "map_file") ? 1 : 0;
	}
	*out = v;
	*n = k;
done:
	fc_settings_clear(&st);
	return rc;
}

void fc_router_infos_free(fc_router_info *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].driver);
		for (size_t k = 0; k < r[i].nreplicas; k++)
			free(r[i].replicas[k]);
		free(r[i].replicas);
		cJSON_Delete(r[i].config);
	}
	free(r);
}

int fc_router_users(fc_store *s, const char *router, char **out)
{
	svc_row *svcs = NULL;
	size_t nsvcs = 0;
	fc_buf users = FC_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = load_services(s, &svcs, &nsvcs)) < 0)
		return rc;
	for (size_t i = 0; i < nsvcs; i++)
		if (!svcs[i].all && is_bound(&svcs[i], router))
			fc_buf_printf(&users, "%s'%s'", users.len ? ", " : "", svcs[i].service);
	svcs_free(svcs, nsvcs);
	*out = fc_buf_detach(&users);
	return 0;
}

int fc_router_forget(fc_store *s, const char *router)
{
	int rc = fc_store_exec(s, "DELETE FROM router_state WHERE router = ?", "s", router);

	return rc < 0 ? rc : 0;
}
