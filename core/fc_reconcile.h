#ifndef FC_RECONCILE_H
#define FC_RECONCILE_H
/*
 * The router reconciler (floor 6): bring every replica to the latest
 * desired state, read at push time.  It takes no plan lock and no store
 * transaction around a push; when the desired state moved while it
 * pushed it goes round again, so a stale value is never the last one
 * sent.  A router that refused ours for a newer revision is FC_ESYNC.
 */
#include <stddef.h>

#include "fc_plan.h"
#include "fc_rstate.h"

/*
 * Push the latest desired state of the selected flags to every replica of
 * every bound router, in parallel, with retries, and read it back.  0 when
 * every replica has the plan's value (or a newer revision); FC_ESYNC, with
 * a message naming the first failing replica and why, otherwise.
 * FC_ENOTFOUND for an unknown router or flag name.  Take no plan lock or
 * store transaction around it.  The result is the caller's.
 */
int fc_reconcile_sync(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/*
 * The pipeline's entry point, after a change is committed: push `flags`
 * (NULL/0: every flag of every service) together with every flag an
 * earlier push left pending, so that the next change retries what a failed
 * one left behind.  Unknown flags are skipped.  *report (may be NULL)
 * receives one line per replica, caller frees.  0, or FC_ESYNC as
 * fc_reconcile_sync; with no router configured, 0 and nothing is contacted.
 */
int fc_reconcile_push(fc_plan *p, const char *const *flags, size_t nflags, char **report);

/* Push every pending flag (doctor --repair): as fc_reconcile_sync. */
int fc_reconcile_repair(fc_plan *p, fc_router_result *out);

/* A flag value for fc_reconcile_describe. */
typedef struct {
	const char *flag;
	int bp;
	int shadow;
	long long rev;
	size_t npin_in, npin_out; /* tenant pins (counted: a description shows no list) */
	const char *compare;  /* the "compare" member, or NULL */
} fc_router_value;

/*
 * The router calls a change would make (for --dry-run): one line per
 * replica and flag, into *calls (caller frees).  No network.
 */
int fc_reconcile_describe(fc_plan *p, const fc_router_value *v, size_t n, char **calls);

#endif
