#ifndef FC_PIN_EDIT_H
#define FC_PIN_EDIT_H
/*
 * Tenant pins (floor 7): `ficus service pin`, one change (one commit) per
 * pin change, through the session.  The rows and the plan file are
 * fc_service.c's; which pins the routers hold is fc_service_pins_live.
 */
#include "fc_change.h"
#include "fc_plan.h"
#include "fc_tenant.h"

typedef enum {
	FC_PIN_IN,      /* always the new service (honoured from read-cutover above 0%) */
	FC_PIN_OUT,     /* always the monolith (until decommission) */
	FC_PIN_UNPIN    /* back to the bucket rule */
} fc_pin_op;

/* How many tenants a commit body lists before "... and N more". */
#define FC_PIN_BODY_MAX 100

/*
 * Pin `tenants` (sorted, checked: fc_tenants_parse) of service `name`.
 * Tenants already where asked are passed over; nothing left to change is
 * "nothing to do" (out->noop).  FC_EINVAL for a tenant pinned on the
 * other side, for 'out' pins from decommission on, for pins of a service
 * bound to a router whose driver cannot pin (envoy); FC_ELIMIT past
 * FC_PINS_MAX pins.  The flag's revision moves: a late push of the old
 * pins is refused where routers keep revisions.
 */
int fc_service_pin(fc_plan *p, const char *name, fc_pin_op op, const fc_tenants *tenants,
		   const fc_write_opts *w, fc_outcome *out);

#endif
