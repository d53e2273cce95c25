/*
 * The reconciler: push the desired state, read at push time, to every
 * replica, and go round again while it moves (level-based: a stale edge
 * is never replayed).  No plan lock is taken: two processes pushing at
 * once both end on the newest value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_store.h"
#include "fc_rconf.h"
#include "fc_reconcile.h"
#include "fc_rengine.h"
#include "fc_rreport.h"




/*
 * 1 when the desired state of a flag pushed in `x` moved since it was
 * read (another process committed a change meanwhile): the reconciler
 * then goes round again, so the last push of any process is the newest
 * desired state, never an older one.
 */
static int desired_moved(fc_store *s, const fc_rengine_run *x)
{
	sqlite3_stmt *q = NULL;
	int moved = 0;

	if (fc_store_prepare(s, &q, "SELECT bp, shadow, rev FROM service WHERE flag = ?") < 0)
		return 0;
	for (size_t i = 0; i < x->nsvcs && !moved; i++) {
		const fc_rstate_svc *v = &x->svcs[i];
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
static int do_sync(fc_store *s, const fc_router_opts *o, int strict, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	fc_rengine_run x;
	fc_buf rep = FC_BUF_INIT;
	size_t cap = 0, bad = 0, first = 0;
	int rc, round = 0;
	fc_time now;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	if (!o)
		o = &none;
again:
	if ((rc = fc_store_begin(s, 0)) < 0)
		goto done;
	rc = fc_rengine_build(&x, s, o, strict, 0);
	fc_store_commit(s);
	if (rc < 0)
		goto done;
	if (!x.njobs) {
		rc = fc_rengine_none(&x, out, "push");
		goto done;
	}
	if (o->dry_run) {
		fc_buf calls = FC_BUF_INIT;
		fc_rengine_describe(&x, &calls);
		out->calls = fc_buf_detach(&calls);
		goto done;
	}
	fc_rengine_run_jobs(&x, 0);
	if (++round < RECONCILE_ROUNDS && desired_moved(s, &x)) {
		fc_rengine_free(&x);
		goto again;
	}
	now = fc_now();
	for (size_t i = 0; i < x.njobs; i++)
		fc_rengine_judge_push(&x, &x.jobs[i], out, &cap, now);
	for (size_t i = 0; i < out->nreplicas; i++) {
		fc_rengine_report_line(&rep, &out->replicas[i], 0);
		if ((strcmp(out->replicas[i].state, "synced") || out->replicas[i].nnewer) && !bad++)
			first = i;
	}
	out->report = fc_buf_detach(&rep);
	if ((rc = fc_rengine_store(s, &x, out, !o->router && !o->nflags)) < 0)
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
	fc_rengine_free(&x);
	return rc;
}

int fc_reconcile_sync(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	return do_sync(fc_plan_store(p), o, 1, out);
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
		fc_rstate_names_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

int fc_reconcile_push(fc_plan *p, const char *const *flags, size_t nflags, char **report)
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
	rc = do_sync(fc_plan_store(p), &o, 0, &res);
	if (report && res.report) {
		*report = res.report;
		res.report = NULL;
	}
	fc_rstate_result_clear(&res);
	free(all);
	fc_rstate_names_free(pending, npending);
	return rc;
}

int fc_reconcile_repair(fc_plan *p, fc_router_result *out)
{
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	char **flags = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_rreport_pending(p, &flags, &n)) < 0)
		return rc;
	if (!n) {
		out->report = fc_strdup("");
		return 0;
	}
	o.flags = (const char *const *)flags;
	o.nflags = n;
	rc = do_sync(fc_plan_store(p), &o, 0, out);
	fc_rstate_names_free(flags, n);
	return rc;
}

int fc_reconcile_describe(fc_plan *p, const fc_router_value *v, size_t n, char **calls)
{
	fc_store *s = fc_plan_store(p);
	fc_router_conf *confs = NULL;
	fc_rstate_svc *svcs = NULL;
	size_t nconfs = 0, nsvcs = 0;
	fc_rflag *want = NULL;
	fc_buf out = FC_BUF_INIT;
	int rc;

	*calls = NULL;
	if ((rc = fc_rstate_confs(s, &confs, &nconfs)) < 0 || (rc = fc_rstate_load(s, &svcs, &nsvcs)) < 0)
		goto done;
	want = fc_calloc(n + 1, sizeof(*want));
	for (size_t ci = 0; ci < nconfs; ci++) {
		const fc_router_conf *c = &confs[ci];
		size_t nw = 0;
		if (!c->drv->caps.pushes || !c->drv->describe)
			continue;
		for (size_t i = 0; i < n; i++) {
			const fc_rstate_svc *sv = NULL;
			for (size_t k = 0; k < nsvcs && !sv; k++)
				if (!strcmp(svcs[k].flag, v[i].flag))
					sv = &svcs[k];
			if ((sv && !fc_rstate_is_bound(sv, c->name)) || strlen(v[i].flag) >= sizeof(want->flag))
				continue;
			snprintf(want[nw].flag, sizeof(want->flag), "%s", v[i].flag);
			want[nw].bp = v[i].bp;
			want[nw].shadow = v[i].shadow;
			want[nw].rev = v[i].rev;
			want[nw].npin_in = v[i].npin_in;
			want[nw].npin_out = v[i].npin_out;
			want[nw].compare = v[i].compare;
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
	fc_rstate_svcs_free(svcs, nsvcs);
	return rc;
}
