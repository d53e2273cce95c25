#ifndef FC_SHADOW_H
#define FC_SHADOW_H
/*
 * Shadow compare, measured (floor 7): the counters of a service's compare
 * read from every replica of its routers and summed, for the 'shadow'
 * check (fc_check_run) and the dashboard.  The verb that turns compare on
 * is fc_shadow_set (fc_life.h); the gate that reads the recorded result
 * is fc_gate's.  Only counters kept since the service's compare went on
 * (the router's `since` equals the plan's) are summed.
 */
#include <stddef.h>

#include "fc_compare.h"
#include "fc_plan.h"
#include "fc_service.h"
#include "fc_settings.h"

typedef struct {
	char *path;
	char *reason;          /* "status 200≠500", "body differs at $.eta" */
	fc_time at;
	char *replica;
} fc_shadow_mismatch;

typedef struct {
	char *service;
	fc_compare_counts k;   /* summed over the replicas read at `since` */
	fc_time since;         /* the plan's compare since */
	size_t nreplicas;      /* replicas of the routers bound */
	size_t nread;          /* of them, read and counting since `since` */
	char *problem;         /* the first replica not read or not at `since`, or NULL */
	fc_shadow_mismatch *recent; /* newest first, at most 20 */
	size_t nrecent;
} fc_shadow_report;

void fc_shadow_report_clear(fc_shadow_report *r);

/*
 * Read the compare counters of service `name` from its routers (no lock,
 * nothing recorded).  FC_EINVAL when its compare is off; FC_ENOTFOUND for
 * an unknown service.
 */
int fc_shadow_report_get(fc_plan *p, const char *name, fc_shadow_report *out);

/*
 * The report of every service whose compare is on, in name order (for the
 * dashboard's router thread: it reads routers).  Caller frees with
 * fc_shadow_reports_free.
 */
int fc_shadow_report_all(fc_plan *p, fc_shadow_report **out, size_t *n);
void fc_shadow_reports_free(fc_shadow_report *r, size_t n);

/*
 * The 'shadow' check of `sv`: read the counters, judge them by the gate's
 * rule (fc_gate_shadow_judge, gates `g`), and give the result: *pass and
 * *detail ("mismatch 0.08% (8/10000 compared, 3 not compared) <= 0.1%; e.g.
 * /api/tracking/7: status 200≠500"; caller frees).  A replica that could
 * not be read fails the check and is named.  FC_EINVAL when compare is off.
 */
int fc_shadow_measure(fc_plan *p, const fc_service *sv, const fc_gate_settings *g, int *pass, char **detail);

#endif
