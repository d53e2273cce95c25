#ifndef FC_RREPORT_H
#define FC_RREPORT_H
/*
 * The routers reported (floor 6): what the settings configure, what the
 * replicas hold (verify, over the network), what was recorded (status,
 * pending: no network) and what a push will need (check_config).
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_plan.h"
#include "fc_rstate.h"

typedef struct {
	char *name;
	char *driver;
	char **replicas;
	size_t nreplicas;
	fc_router_caps caps;
	cJSON *config;        /* the settings object, no secrets (owned) */
} fc_router_info;

/* The configured routers, in settings order. */
int fc_rreport_list(fc_plan *p, fc_router_info **out, size_t *n);
void fc_rreport_infos_free(fc_router_info *r, size_t n);

/*
 * Read every replica of the selected routers and compare with the plan.
 * FC_EDRIFT when a bound flag is missing or has another value somewhere;
 * else FC_ESYNC when a replica could not be read; else 0.
 */
int fc_rreport_verify(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/* The recorded state of every (router, replica, bound flag); no network. */
int fc_rreport_status(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/*
 * Flags that some replica does not have at the plan's revision (caller
 * frees the strings and the array).
 */
int fc_rreport_pending(fc_plan *p, char ***flags, size_t *n);

/*
 * Check what a push will need without pushing: every token can be read
 * (never shown), TLS verification is on, a token does not travel over
 * plain http.  *notes gets one line per finding (caller frees); *problems
 * the number of findings that will make a push fail.
 */
int fc_rreport_check_config(fc_plan *p, char **notes, int *problems);

/* ---- shadow compare (ficus-shadow(1)) ---- */

/* One replica's shadow compare counters of a flag, as read. */
typedef struct {
	char *router;
	char *replica;
	char *driver;
	int ok;               /* read: stats holds the answer */
	char *error;          /* why not ("" when read) */
	cJSON *stats;         /* {"compared","matched","mismatched","not_compared","since","recent"} (owned) */
} fc_shadow_replica;

/*
 * Read the shadow compare counters of `flag` from every replica of every
 * pushing router the flag is bound to, in parallel (driver op
 * shadow_stats; a driver without it gives a replica that is not ok).  No
 * lock, nothing recorded.  FC_ENOTFOUND for an unknown flag.
 */
int fc_rreport_shadow(fc_plan *p, const char *flag, fc_shadow_replica **out, size_t *n);
void fc_rreport_shadow_free(fc_shadow_replica *r, size_t n);

/*
 * The pushing routers bound to `flag` that cannot compare answers, as
 * "'edge' (haproxy), ..." into *out, or NULL when there are none (caller
 * frees).  For the shadow verb, inside its change.
 */
int fc_rreport_cannot_compare(fc_store *s, const char *flag, char **out);

#endif
