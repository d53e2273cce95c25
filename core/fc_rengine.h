#ifndef FC_RENGINE_H
#define FC_RENGINE_H
/*
 * The router engine, internal to the reconciler (fc_reconcile.c) and the
 * reports (fc_rreport.c): the jobs of a run (router x replica, with the
 * desired values), the drivers run in parallel, and their answers judged
 * into a result and recorded.  It takes the store (the settings name the
 * routers, the service table their desired state), never the plan.  Not part of the library's API.
 */
#include <stddef.h>

#include "fc_buf.h"
#include "fc_rstate.h"

typedef struct {
	fc_router_conf *confs;
	size_t nconfs;
	fc_rstate_svc *svcs;
	size_t nsvcs;
	int svcs_sorted;           /* every service, in flag order */
	fc_rflag **wants;          /* per conf */
	size_t *nwants;
	fc_router_job *jobs;
	size_t njobs;
	size_t *job_conf;          /* conf index of each job */
	size_t *job_rep;           /* replica index */
} fc_rengine_run;

/* Free a run's contents. */
void fc_rengine_free(fc_rengine_run *rc);
/* The desired row of `flag` in the run, or NULL. */
const fc_rstate_svc *fc_rengine_svc(const fc_rengine_run *x, const char *flag);
/*
 * Build the run of options `o`: the routers, the rows read now, a job per
 * replica of every bound router (all_routers: also routers with no bound
 * flag).  FC_ENOTFOUND for an unknown router or (strict) flag.
 */
int fc_rengine_build(fc_rengine_run *x, fc_store *s, const fc_router_opts *o, int strict, int all_routers);
/*
 * Resolve tokens, set deadlines, run every driver's jobs in parallel (list:
 * 0 push, 1 read only, FC_RENGINE_SHADOW_STATS read the shadow compare
 * counters of each job's want[0]).
 */
#define FC_RENGINE_SHADOW_STATS 2
void fc_rengine_run_jobs(fc_rengine_run *x, int list);
/* A new replica result for job j in res. */
fc_router_replica_result *fc_rengine_add_replica(fc_router_result *res, const fc_router_job *j);
/* Judge a push's answers into res. */
void fc_rengine_judge_push(const fc_rengine_run *x, fc_router_job *j, fc_router_result *res, size_t *cap, fc_time now);
/* Judge a read's answers into res (extras: note flags the plan does not bind there). */
void fc_rengine_judge_list(const fc_rengine_run *x, fc_router_job *j, fc_router_result *res, size_t *cap,
			   fc_time now, int extras);
/* One report line of a replica result. */
void fc_rengine_report_line(fc_buf *b, const fc_router_replica_result *x, int verify);
/* Record res in router_state in one transaction (prune: drop what is no longer bound). */
int fc_rengine_store(fc_store *s, const fc_rengine_run *x, const fc_router_result *res, int prune);
/* The calls the run would make, one per line. */
void fc_rengine_describe(const fc_rengine_run *x, fc_buf *out);
/* The result of a run where no router pushes anything. */
int fc_rengine_none(const fc_rengine_run *x, fc_router_result *out, const char *what);

#endif
