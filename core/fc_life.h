#ifndef FC_LIFE_H
#define FC_LIFE_H
/*
 * The lifecycle moves of a service: promote (gated), rollback (never
 * gated), shadow, and checks.  Each is one change (one commit); the
 * compare-and-swap of --expect and the gate evaluation happen inside the
 * change's write transaction, so concurrent writers cannot both win.
 */
#include "fc_gate.h"
#include "fc_plan.h"
#include "fc_service.h"

/*
 * Promote `name` one step (target NULL) or to `target` (phase or
 * percentage).  `step` (may be NULL) receives the evaluated step even when
 * the promotion is refused, for the caller to show; clear it with
 * fc_step_clear.  Errors: FC_EGATE (a gate is closed and not forced),
 * FC_ECONFIRM (irreversible, needs w->yes), FC_ECONFLICT (--expect),
 * FC_EINVAL (target not forward), FC_ENOTFOUND.
 */
int fc_promote(fc_plan *p, const char *name, const char *target, const fc_write_opts *w,
	       fc_step *step, fc_outcome *out);

/*
 * The next step of `name` as the plan stands (what 'promote' would ask),
 * with its gates and when they open (out->opens_at).  Reads only.  Clear
 * *out with fc_step_clear.  Errors: FC_ENOTFOUND.
 */
int fc_next_step(fc_plan *p, const char *name, fc_step *out);

/*
 * The same for a service already read (fc_service_each, a list): the next
 * step of SERVICE with every gate's reason and evidence, the answer
 * 'promote' acts on.  `set`: the plan's settings (fc_settings_of), read
 * once for many services, or NULL to read them here.
 */
int fc_next_step_of(fc_plan *p, const fc_service *sv, const fc_settings *set, fc_step *out);

/* What promote --ready did for one service. */
typedef enum {
	FC_READY_PROMOTED,
	FC_READY_CLOSED,    /* a gate is closed */
	FC_READY_CONFIRM,   /* irreversible: left for a person */
	FC_READY_NONE,      /* nothing further */
	FC_READY_FAILED     /* an error (message in `note`) */
} fc_ready_status;

typedef struct {
	char *service;
	fc_ready_status status;
	char *note;         /* closed gates, or the error */
	char from[64], to[64];
	fc_outcome outcome;
	int rc;
} fc_ready_result;

/*
 * Promote every service whose next gate is open, one step each, in name
 * order.  Irreversible steps are never taken here.  *out receives one
 * result per service (caller frees with fc_ready_free).
 */
int fc_promote_ready(fc_plan *p, const fc_write_opts *w, fc_ready_result **out, size_t *n);
void fc_ready_free(fc_ready_result *r, size_t n);

/*
 * The same; with `no_resume`, a service paused at 0% after a rollback is
 * left for a person too (FC_READY_CONFIRM): the watcher never undoes its
 * own abort.
 */
int fc_promote_ready_ex(fc_plan *p, const fc_write_opts *w, int no_resume, fc_ready_result **out, size_t *n);

/*
 * Roll back: without a target, the flag to 0% when above 0 (the service
 * stays in read-cutover, paused), else one phase back.  Never gated; from
 * decommission only with w->force; never from done.
 */
int fc_rollback(fc_plan *p, const char *name, const char *target, const fc_write_opts *w, fc_outcome *out);

/*
 * The abort (fc_rollback without a target) with the measurements it acted
 * on as Ficus-Check trailers, one per line of `evidence`: the watcher's
 * automatic rollback.
 */
int fc_rollback_abort_because(fc_plan *p, const char *name, const fc_write_opts *w, const char *const *evidence,
			      size_t n, fc_outcome *out);

/* Shadow traffic on or off (dual-write and backfill only), without compare. */
int fc_shadow(fc_plan *p, const char *name, int on, const fc_write_opts *w, fc_outcome *out);

/* Shadow compare options (ficus shadow SERVICE on --compare ...). */
typedef struct {
	int compare;            /* compare the two answers (nginx-lua, http routers) */
	const char *sample;     /* share of GET/HEAD requests compared: "10%"; NULL: 100% */
	const char *ignore;     /* JSON fields left out of the comparison: "ts,request_id" */
} fc_shadow_opts;
#define FC_SHADOW_OPTS_INIT { 0, NULL, NULL }

/*
 * Shadow on or off, and with o->compare, compare on with its sample and
 * ignored fields (a new compare, or a changed one, starts its counters
 * from zero: `since` moves).  "on" without compare turns a compare off.
 * FC_EINVAL: not in dual-write/backfill, a bad percentage or field, a
 * bound router that cannot compare (named).  Already so: a no-op.
 */
int fc_shadow_set(fc_plan *p, const char *name, int on, const fc_shadow_opts *o, const fc_write_opts *w,
		  fc_outcome *out);

/* Record one check result (one commit). */
int fc_check_record(fc_plan *p, const char *name, const char *check, int pass, const char *detail,
		    const fc_write_opts *w, fc_outcome *out);

typedef struct {
	char *service;
	char *check;
	int pass;            /* outcome == FC_CHECK_PASS */
	int outcome;         /* fc_check_outcome: no-data and error neither pass nor fail */
	char *detail;        /* what was measured against what (analysis: and the resolved query) */
	double seconds;
	int analysis;        /* an analysis check (Prometheus) */
	int has_value;       /* analysis: the value measured */
	double value;
	char *query;         /* analysis: the resolved query */
	int failure_limit;   /* analysis: failures since the step began that roll back (ficus watch) */
} fc_check_run_result;

/*
 * Run the configured checks of a service (all, or `check`): commands one
 * by one, each with its timeout, and analysis checks all at once (one
 * parallel fc_analysis_run), outside the plan lock; then record all
 * results in one commit.  A command's exit status 0 is a pass, its last
 * line of output the detail.  FC_ENOTFOUND ("did you mean") for an
 * unknown check.
 */
int fc_check_run(fc_plan *p, const char *name, const char *check, const fc_write_opts *w,
		 fc_check_run_result **results, size_t *n, fc_outcome *out);
void fc_check_run_free(fc_check_run_result *r, size_t n);

/* One analysis check of one service to evaluate (both borrowed). */
typedef struct {
	const fc_service *sv;
	const cJSON *def;    /* the "checks" entry; its ->string is the name */
} fc_check_target;

/*
 * Evaluate n analysis checks, of any services, in one parallel
 * fc_analysis_run; fills out[0..n-1] (the caller clears each through
 * fc_check_run_free's logic: free the array with fc_check_run_free(out, n)).
 * A token that cannot be read or Prometheus unreachable is an "error"
 * result, not a failure of the call.  Reads no plan state, takes no lock.
 */
int fc_check_eval_analysis(fc_check_run_result *out, const fc_check_target *t, size_t n);

/*
 * Measure the 'shadow' check of `sv` (shadow compare on): every replica's
 * compare counters, judged by the gate's rule, into *out (cleared like
 * fc_check_eval_analysis's).  A negative code when nothing was measured.
 * Takes no lock.
 */
int fc_check_eval_shadow(fc_check_run_result *out, fc_plan *p, const fc_service *sv, const fc_settings *set);

/*
 * Record results (of one service or many) in one commit: subject and one
 * Ficus-Check trailer per result ("NAME no-data: detail", prefixed
 * "SERVICE/" when the commit holds several services).  Results of a
 * service removed meanwhile are dropped.
 */
int fc_check_results_record(fc_plan *p, const fc_check_run_result *r, size_t n, const fc_write_opts *w,
			    fc_outcome *out);

/* FC_ENOTFOUND for a check name `checks` does not hold, with "did you mean". */
int fc_check_unknown(const cJSON *checks, const char *service, const char *check);

/* Parse --expect: "10%", "read-cutover", "read-cutover 10%" or "read-cutover@10%". */
int fc_expect_parse(const char *s, int *has_phase, fc_phase *phase, int *has_bp, int *bp);

#endif
