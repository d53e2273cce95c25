/*
 * The none driver: the embedded default.  Decisions are recorded in the
 * plan; nothing is pushed, and status says so.  It takes no replicas, so
 * the engine never builds a job for it.
 */
#include "fc_error.h"
#include "fc_router_driver.h"

const fc_router_driver fc_router_driver_none = {
	.name = "none",
	.summary = "records decisions, pushes nothing",
	.caps = { .pushes = 0, .sticky = 1, .granularity_bp = 1, .survives_restart = 1,
		  .revisions = 0, .shadow = 0 },
};
