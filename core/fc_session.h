#ifndef FC_SESSION_H
#define FC_SESSION_H
/*
 * The plan session (floor 7, core/README.md): what every command does
 * around its verb.  Open the plan, repair what an interrupted process
 * left, run the verb through the change pipeline (fc_change.h), then hand
 * the flags it altered to the router reconciler (fc_router.h).  The
 * pipeline never talks to a router; the reconciler never takes the plan
 * lock.
 */
#include "fc_change.h"
#include "fc_plan.h"

/*
 * Open a plan for a command (fc_plan_open), then, when the lock is free at
 * once, finish what a killed process left, adopt a HEAD moved by git
 * (fc_plan_adopted says so), and push the flags of changes whose process
 * died before its push.  A reader never waits for a writer; a plan this
 * user cannot lock (read-only) is read as it is.  Errors as fc_plan_open.
 */
int fc_session_open(fc_plan **out, const fc_open_opts *o);

/*
 * Finish a change (fc_change_finish: commit, unlock, publish), then push
 * the flags it altered to the routers (a rollback: the routers first, then
 * the remote, briefly), mark its journal row 'applied' and settle what
 * interrupted processes left.  A dry run describes the router calls in
 * out->router_report.  0; FC_ESYNC (committed, some router not updated,
 * out->router_status says so); the errors of fc_change_finish.  Always
 * releases the change.
 */
int fc_session_finish(fc_change *c, fc_outcome *out);

/*
 * Without the lock: when changes are 'committed' but not yet 'applied'
 * and their process is gone, bring every flag that some replica lacks to
 * the plan's desired state, read now, and mark them applied.  A router
 * that stays unreachable stays pending for 'router sync'.
 */
int fc_session_settle(fc_plan *p);

/* For 'doctor': fc_change_repair, then fc_session_settle. */
int fc_session_repair(fc_plan *p, int *repaired);

/*
 * Create a plan in `dir` (created if missing; must be empty or hold an
 * empty git repository) with its first commit.  FC_EEXISTS when it is
 * already a plan.
 */
int fc_session_init(fc_plan **out, const char *dir, const fc_write_opts *w, fc_outcome *outcome);

/*
 * Create a plan that shares `url` (origin): clone it when the remote
 * already holds a plan, else create one and push it there.
 */
int fc_session_init_remote(fc_plan **out, const char *dir, const char *url, const fc_write_opts *w,
			   fc_outcome *outcome);

/*
 * Fetch the remote and fast-forward the plan (database included), then
 * push local commits the remote lacks.  With `reset`, take the remote's
 * history even when the two diverged: local commits the remote lacks are
 * kept on a ref that *report names.  When the plan moved, the routers are
 * brought to it (FC_ESYNC when some replica was not).  *report says what
 * happened (caller frees).
 */
int fc_session_sync(fc_plan *p, int reset, char **report);

#endif
