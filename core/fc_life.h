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
 * Roll back: without a target, the flag to 0% when above 0 (the service
 * stays in read-cutover, paused), else one phase back.  Never gated; from
 * decommission only with w->force; never from done.
 */
int fc_rollback(fc_plan *p, const char *name, const char *target, const fc_write_opts *w, fc_outcome *out);

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
	char *check;
	int pass;
	char *detail;
	double seconds;
} fc_check_run_result;

/*
 * Run the configured check commands of a service (all, or `check`), each
 * with its timeout, outside the plan lock; then record all results in one
 * commit.  Exit status 0 is a pass; the last line of output is the detail.
 */
int fc_check_run(fc_plan *p, const char *name, const char *check, const fc_write_opts *w,
		 fc_check_run_result **results, size_t *n, fc_outcome *out);
void fc_check_run_free(fc_check_run_result *r, size_t n);

/* Parse --expect: "10%", "read-cutover", "read-cutover 10%" or "read-cutover@10%". */
int fc_expect_parse(const char *s, int *has_phase, fc_phase *phase, int *has_bp, int *bp);

#endif
