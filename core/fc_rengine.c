/*
 * The router engine: a run's jobs built from the settings and the rows
 * read now, the drivers run in parallel (one thread per driver when
 * several are in use; each driver parallelises its replicas), and their
 * answers judged and recorded in one transaction.  Drivers never touch
 * the database.
 */
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_store.h"
#include "fc_http.h"
#include "fc_rconf.h"
#include "fc_rengine.h"




static void job_clear(fc_router_job *j)
{
	free(j->seen);
	free(j->newer);
	if (j->flag_error)
		for (size_t i = 0; i < j->nwant; i++)
			free(j->flag_error[i]);
	free(j->flag_error);
	free(j->stats);
}

void fc_rengine_free(fc_rengine_run *rc)
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
	fc_rstate_svcs_free(rc->svcs, rc->nsvcs);
	memset(rc, 0, sizeof(*rc));
}

static int cmp_svc_flag(const void *key, const void *row)
{
	return strcmp(key, ((const fc_rstate_svc *)row)->flag);
}

const fc_rstate_svc *fc_rengine_svc(const fc_rengine_run *x, const char *flag)
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
int fc_rengine_build(fc_rengine_run *x, fc_store *s, const fc_router_opts *o, int strict, int all_routers)
{
	size_t cap = 0;
	int rc, found = 0;

	memset(x, 0, sizeof(*x));
	if ((rc = fc_rstate_confs(s, &x->confs, &x->nconfs)) < 0)
		return rc;
	for (size_t i = 0; i < x->nconfs; i++)
		found |= x->confs[i].drv->caps.pushes;
	if (!found && !o->router && !strict)
		return 0; /* the pipeline, and no router pushes anything: nothing to load */
	if (!x->nconfs && !o->router && !o->nflags)
		return 0; /* no router at all, and no flag to check: nothing to load */
	found = 0;
	if (o->flags && o->nflags && o->nflags <= 64) {
		rc = fc_rstate_load_named(s, &x->svcs, &x->nsvcs, o->flags, o->nflags);
	} else {
		rc = fc_rstate_load(s, &x->svcs, &x->nsvcs);
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
	if ((rc = fc_rstate_select(x->svcs, x->nsvcs, o->flags, o->nflags, strict)) < 0)
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
				const fc_rstate_svc *v = &x->svcs[k];
				fc_rflag *w;
				if (!v->selected || !fc_rstate_is_bound(v, c->name) || strlen(v->flag) >= sizeof(w->flag))
					continue;
				w = &x->wants[ci][x->nwants[ci]++];
				snprintf(w->flag, sizeof(w->flag), "%s", v->flag);
				w->bp = v->bp;
				w->shadow = v->shadow;
				w->rev = v->rev;
				w->pin_in = v->pin_in.v;
				w->npin_in = v->pin_in.n;
				w->pin_out = v->pin_out.v;
				w->npin_out = v->pin_out.n;
				w->pin_crc = v->pin_crc;
				w->compare = v->compare;
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
	if (g->list == FC_RENGINE_SHADOW_STATS) {
		if (g->d->shadow_stats)
			g->d->shadow_stats(g->jobs, g->n);
		else
			for (size_t i = 0; i < g->n; i++)
				fc_router_job_fail(&g->jobs[i], 0, "the %s driver keeps no shadow compare counters",
						   g->d->name);
	} else if (g->list)
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
void fc_rengine_run_jobs(fc_rengine_run *x, int list)
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
	return want->bp == seen->bp && (!caps->shadow || want->shadow == seen->shadow) &&
	       (!caps->pins || fc_rflag_pins_equal(want, seen));
}

/* A driver that cannot pin per tenant (envoy) refuses a flag with pins: not synced, and why. */
static char *pins_refused(const fc_router_job *j, const fc_rflag *w)
{
	if (j->r->drv->caps.pins || (!w->npin_in && !w->npin_out))
		return NULL;
	return fc_asprintf("flag '%s' has %zu tenant pin%s, but the %s driver cannot pin tenants (its split is per "
			   "request): bind the service to other routers", w->flag, w->npin_in + w->npin_out,
			   w->npin_in + w->npin_out == 1 ? "" : "s", j->r->drv->name);
}

/* " + N pins" for a message, or "" (static buffer per call site). */
static const char *pins_note(char *buf, size_t len, const fc_rflag *f)
{
	if (!f->npin_in && !f->npin_out)
		return "";
	snprintf(buf, len, " + pins in %zu, out %zu", f->npin_in, f->npin_out);
	return buf;
}

fc_router_replica_result *fc_rengine_add_replica(fc_router_result *res, const fc_router_job *j)
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
		      const fc_rstate_svc *v, const fc_rflag *seen, fc_time now)
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
void fc_rengine_judge_push(const fc_rengine_run *x, fc_router_job *j, fc_router_result *res, size_t *cap, fc_time now)
{
	fc_router_replica_result *rr = fc_rengine_add_replica(res, j);
	const fc_router_caps *caps = &j->r->drv->caps;
	char pb[16], pw[16];

	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *w = &j->want[i];
		const fc_rflag *seen = fc_router_job_find_seen(j, w->flag);
		fc_router_flag_state *f = fc_rstate_add_flag(res, cap);
		const char *state, *err = j->flag_error && j->flag_error[i] ? j->flag_error[i] : NULL;

		fill_flag(f, j, w, fc_rengine_svc(x, w->flag), seen, now);
		if ((f->error = pins_refused(j, w))) {
			state = "pending";
		} else if (seen && values_equal(caps, w, seen) && (!caps->revisions || seen->rev >= w->rev) && !err) {
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
					char np[64], nw[64];
					fc_pct_format(pb, sizeof(pb), seen->bp);
					fc_pct_format(pw, sizeof(pw), w->bp);
					f->error = fc_asprintf("read back %s%s%s after the push, expected %s%s%s", pb,
							       seen->shadow ? " + shadow" : "", pins_note(np, sizeof(np), seen),
							       pw, w->shadow ? " + shadow" : "", pins_note(nw, sizeof(nw), w));
				} else {
					f->error = fc_strdup("missing on the router after the push");
				}
			}
		}
		if (!f->error)
			f->error = fc_strdup(!strcmp(state, "synced") ? "" : err ? err : j->msg[0] ? j->msg :
					     "not confirmed by a read-back");
		snprintf(f->state, sizeof(f->state), "%s", state);
		fc_rstate_count(rr, state);
		if (!rr->error && strcmp(state, "synced"))
			rr->error = fc_strdup(f->error);
	}
	if (!rr->error && j->failed)
		rr->error = fc_strdup(j->msg);
	if (!rr->error)
		rr->error = fc_strdup("");
}

/* Judge a list job against the plan: drift per bound flag. */
void fc_rengine_judge_list(const fc_rengine_run *x, fc_router_job *j, fc_router_result *res, size_t *cap,
		       fc_time now, int extras)
{
	fc_router_replica_result *rr = fc_rengine_add_replica(res, j);
	const fc_router_caps *caps = &j->r->drv->caps;
	char pb[16], pw[16];

	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *w = &j->want[i];
		const fc_rflag *seen = j->failed ? NULL : fc_router_job_find_seen(j, w->flag);
		fc_router_flag_state *f = fc_rstate_add_flag(res, cap);
		const char *state;

		fill_flag(f, j, w, fc_rengine_svc(x, w->flag), seen, now);
		if (j->failed) {
			state = j->unreachable ? "unreachable" : "pending";
			f->error = fc_strdup(j->msg);
		} else if ((f->error = pins_refused(j, w))) {
			state = "drift";
		} else if (!seen && w->bp == 0 && !(caps->shadow && w->shadow) && !(caps->pins && (w->npin_in || w->npin_out))) {
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
			else if (caps->pins && !fc_rflag_pins_equal(w, seen) && w->bp == seen->bp)
				f->error = fc_asprintf("the router has other tenant pins (in %zu, out %zu) than the plan "
						       "(in %zu, out %zu)", seen->npin_in, seen->npin_out, w->npin_in,
						       w->npin_out);
			else
				f->error = fc_asprintf("the router has %s%s, the plan %s%s", pb,
						       caps->shadow && seen->shadow ? " + shadow" : "", pw,
						       caps->shadow && w->shadow ? " + shadow" : "");
		} else {
			state = "synced";
			f->error = fc_strdup("");
		}
		snprintf(f->state, sizeof(f->state), "%s", state);
		fc_rstate_count(rr, state);
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

void fc_rengine_report_line(fc_buf *b, const fc_router_replica_result *x, int verify)
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

int fc_rengine_store(fc_store *s, const fc_rengine_run *x, const fc_router_result *res, int prune)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = fc_store_begin(s, 1)) < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < res->nflags; i++)
		rc = fc_rstate_store(s, &st, &res->flags[i]);
	sqlite3_finalize(st);
	if (rc == 0 && prune)
		rc = fc_rstate_prune(s, x->confs, x->nconfs, x->svcs, x->nsvcs);
	if (rc < 0) {
		fc_store_rollback(s);
		return rc;
	}
	return fc_store_commit(s);
}

void fc_rengine_describe(const fc_rengine_run *x, fc_buf *out)
{
	for (size_t i = 0; i < x->njobs; i++) {
		const fc_router_job *j = &x->jobs[i];
		if (j->r->drv->describe)
			j->r->drv->describe(j->r, j->replica, j->want, j->nwant, out);
	}
}

int fc_rengine_none(const fc_rengine_run *x, fc_router_result *out, const char *what)
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
