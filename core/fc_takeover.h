#ifndef FC_TAKEOVER_H
#define FC_TAKEOVER_H
/*
 * Taking a flag back from a router that holds a newer revision than the
 * plan (someone pushed behind ficus's back, or another plan drives it).
 * The reconciler never overrides such a revision on its own: it reports
 * it (FC_ESYNC).  A take-over is one recorded decision: every replica is
 * read, the plan's revision of the flag is set above the highest one seen,
 * that is committed (who and why, the revisions), and the plan's value is
 * pushed with the new revision.
 */
#include "fc_plan.h"

/*
 * Take over `flag` (a flag or service name).  A noop outcome when no
 * replica holds a newer revision.  FC_ENOTFOUND for an unknown flag;
 * FC_ESYNC when a replica could not be read (nothing changed then) or the
 * push after the commit did not reach every replica.
 */
int fc_router_take_over(fc_plan *p, const char *flag, const fc_write_opts *w, fc_outcome *out);

#endif
