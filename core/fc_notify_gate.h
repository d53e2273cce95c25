#ifndef FC_NOTIFY_GATE_H
#define FC_NOTIFY_GATE_H
/*
 * gate-open events: each service's next-step gate (fc_gate_step, the one
 * gate function) compared with the state last seen (local table
 * notify_gate); a gate that turned open, or a new step that is open at
 * once, is one event.  The first sight of a service records its state
 * without an event, so adding a webhook does not announce every open gate.
 */
#include "fc_plan.h"

/*
 * Compare and record every service's next gate; emit gate-open events and
 * start their delivery (fc_notify_kick).  Does nothing unless a webhook
 * wants gate-open.  Call it outside a change (after a commit, on status,
 * each watcher round).  *opened (may be NULL) receives how many gates
 * turned open.  0, or the store's error.
 */
int fc_notify_gates(fc_plan *p, int *opened);

#endif
