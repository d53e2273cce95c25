#ifndef FC_ROUTER_H
#define FC_ROUTER_H
/*
 * Routers: where a flag's percentage becomes traffic (SPEC section 3).
 * This header gathers the routers' public API for the faces: the
 * configuration (fc_rconf.h), the state (fc_rstate.h), the reconciler
 * (fc_reconcile.h) and the reports (fc_rreport.h).  Core modules include
 * the one they use.
 *
 * The plan settings (ficus.json, key "routers") name the routers: a name,
 * a driver, its replicas and how to reach them, never a secret.  The
 * desired state of every flag is the `service` table (bp, shadow, rev,
 * routers).  A push sends that desired state, not a delta, to every
 * replica of every bound router in parallel, reads it back, and records
 * the result per router, replica and flag in the `router_state` table
 * (migrations/0003_routers.sql), which `status`, the dashboard and
 * `doctor` read without touching the network.
 *
 * A pusher takes no plan lock: it reads the desired state at push time
 * and, when the state moved while it pushed, goes round again, so the
 * last value any ficus process sends is the newest, even to routers that
 * keep no revision (HAProxy, Envoy).  The configuration is fc_rconf.h's;
 * the verbs that change it are fc_router_edit.h's.
 *
 * States of a (router, replica, flag):
 *   synced       the router has the plan's value (read back)
 *   pending      not yet pushed at the plan's revision, or the push failed
 *   unreachable  the last attempt could not reach the replica
 *   drift        the router's value differs from the plan's (verify)
 *   newer        the router refused ours: it holds a newer revision
 */
#include "fc_rconf.h"
#include "fc_reconcile.h"
#include "fc_rreport.h"
#include "fc_rstate.h"

#endif
