#ifndef FC_GATE_H
#define FC_GATE_H
/*
 * Gates: the one place that decides whether a service may take its next
 * forward step.  The CLI, the dashboard and --dry-run all ask
 * fc_gate_step(); none of them re-implements a rule.
 *
 * A step is planned from the service's state (and an optional target);
 * each gate of the step reports open or closed, the reason in words
 * ("step_soak: 2d3h of 7d, 4d21h left") and the evidence it used.
 * Time comes from fc_now() (FICUS_NOW).
 */
#include <stddef.h>

#include "fc_clock.h"
#include "fc_service.h"
#include "fc_settings.h"

/* Seconds of clock skew allowed before evidence counts as from the future. */
#define FC_GATE_SKEW 300

typedef struct {
	char name[32];     /* "step_soak" */
	int open;
	char *reason;      /* "step_soak: 2d3h of 7d (4d21h left)" */
	char *evidence;    /* "open (7d2h >= 7d)" for trailers */
	fc_time opens;     /* a gate that waits for time: when it opens; else 0 */
} fc_gate;

typedef enum {
	FC_STEP_NONE,      /* nothing further: done */
	FC_STEP_PHASE,     /* to the next phase */
	FC_STEP_RAMP       /* a percentage step inside read-cutover */
} fc_step_kind;

typedef struct {
	fc_step_kind kind;
	fc_phase from_phase, to_phase;
	int from_bp, to_bp;
	int irreversible;  /* needs confirmation (--yes or a typed name) */
	const char *action; /* "advance", "ramp", "resume" */
	fc_gate *gates;
	size_t ngates;
	int open;          /* every gate open */
	/*
	 * When the step's gates open: 0 when open now; the time the last of
	 * the closed time gates (soaks, dual_write_min) opens, when only time
	 * gates are closed; -1 when a closed gate waits for evidence or a
	 * decision (reconcile, needs, skip, routers) rather than for time.
	 */
	fc_time opens_at;
	char *why_none;    /* FC_STEP_NONE: why there is no step */
	double rps_moved;  /* requests/s that change side */
	/*
	 * A --to beyond the next step: the states it would skip, each with the
	 * gates that would close leaving it ("read-cutover 1%: step_soak closed
	 * (0s of 7d, 7d left)"), oldest first.  The step then has a closed
	 * "skip" gate: only --force passes it, and the commit records these.
	 */
	char **skipped;
	size_t nskipped;
} fc_step;

void fc_step_clear(fc_step *s);

/*
 * Plan the next forward step of `sv` and evaluate its gates.  `target` is
 * NULL (the next step) or a phase name or a percentage (--to).  A target
 * up to the next step (a finer percentage included) is that step; one
 * beyond it (a ramp step or a phase skipped) gives a step with a closed
 * "skip" gate and `skipped` listing what it jumps over.  Evidence dated
 * after the clock plus FC_GATE_SKEW never opens a gate.  Errors: FC_EINVAL
 * for a target that is not forward of the current state.  A target equal
 * to the current state gives FC_STEP_NONE with why_none set ("already ...").
 */
int fc_gate_step(fc_step *out, fc_store *st, const fc_service *sv, const fc_gate_settings *plan_gates,
		 const char *target);

/*
 * The shadow compare rule (gates.shadow_max_mismatch, shadow_min_compared)
 * on counts: 1 when they pass it, 0 when not, with the comparison in
 * words into *why ("<= 0.1%", "> 0.1%", "< 1000 compared"; caller frees).
 * Without a shadow gate set: passes when something was compared and
 * nothing mismatched.  The 'shadow' check and the gate both judge by it.
 */
int fc_gate_shadow_judge(const fc_gate_settings *g, const fc_compare_counts *k, char **why);

/*
 * The watcher's rollback rule (SPEC section 9): how many of the service's
 * analysis checks failed at least their failure_limit times since the
 * current step began (no-data and error are no failures).  *failed gets
 * one line per failed measurement of those checks, "err fail at TIME:
 * err=0.5 > 0.01; query: ..." (caller frees each and the array).
 */
int fc_gate_analysis_failed(fc_store *st, const fc_service *sv, char ***failed, size_t *n);

/* The gates joined for a trailer: "step_soak open (7d2h >= 7d); reconcile open (3/3 pass)". */
char *fc_step_gates_line(const fc_step *s);
/* Names of the closed gates: "step_soak, reconcile". */
char *fc_step_closed_line(const fc_step *s);

/* "read-cutover 10%", "backfill" into buf. */
void fc_state_format(char *buf, size_t size, fc_phase phase, int bp);

#endif
