#ifndef FC_ROUTER_H
#define FC_ROUTER_H
/*
 * Routers: where a flag's percentage becomes traffic (SPEC section 3).
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
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_clock.h"
#include "fc_plan.h"
#include "fc_rconf.h"


/* ---- configuration ---- */

typedef struct {
	char *name;
	char *driver;
	char **replicas;
	size_t nreplicas;
	fc_router_caps caps;
	cJSON *config;        /* the settings object, no secrets (owned) */
} fc_router_info;

/* The configured routers, in settings order. */
int fc_router_list(fc_plan *p, fc_router_info **out, size_t *n);
void fc_router_infos_free(fc_router_info *r, size_t n);

/* ---- push, verify, status ---- */

typedef struct {
	char *router;
	char *replica;
	char *flag;
	char *service;
	char state[16];       /* synced, pending, unreachable, drift, newer */
	int want_bp, want_shadow;
	long long want_rev;
	int seen;             /* 1: seen_* hold the router's value */
	int seen_bp, seen_shadow;
	long long seen_rev;   /* -1: the router keeps no revision */
	char *error;          /* why not synced ("" when synced) */
	int attempts;
	fc_time updated;      /* when this was last observed (0: never) */
} fc_router_flag_state;

typedef struct {
	char *router;
	char *replica;
	char *driver;
	char state[16];       /* the worst state of its flags */
	size_t nflags, nsynced, npending, nunreachable, ndrift, nnewer;
	int attempts;
	long ms;              /* time taken (push, verify) */
	char *error;          /* the first failure, "" if none */
	char **extra;         /* verify: flags on the router the plan does not bind to it */
	size_t nextra;
} fc_router_replica_result;

typedef struct {
	fc_router_replica_result *replicas;
	size_t nreplicas;
	fc_router_flag_state *flags;
	size_t nflags;
	char *report;         /* one line per replica */
	char *calls;          /* dry run: the calls that would be made, one per line */
	int none;             /* no router pushes anything (none driver / no routers) */
} fc_router_result;

void fc_router_result_clear(fc_router_result *r);

typedef struct {
	const char *const *flags;  /* flag or service names; NULL/0: every flag */
	size_t nflags;
	const char *router;        /* NULL: every router */
	int dry_run;               /* describe the calls; contact nothing, change nothing */
} fc_router_opts;
#define FC_ROUTER_OPTS_INIT { NULL, 0, NULL, 0 }

/*
 * Push the latest desired state of the selected flags to every replica of
 * every bound router, in parallel, with retries, and read it back.  0 when
 * every replica has the plan's value (or a newer revision); FC_ESYNC, with
 * a message naming the first failing replica and why, otherwise.
 * FC_ENOTFOUND for an unknown router or flag name.  Take no plan lock or
 * store transaction around it.  The result is the caller's.
 */
int fc_router_sync(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/*
 * The pipeline's entry point, after a change is committed: push `flags`
 * (NULL/0: every flag of every service) together with every flag an
 * earlier push left pending, so that the next change retries what a failed
 * one left behind.  Unknown flags are skipped.  *report (may be NULL)
 * receives one line per replica, caller frees.  0, or FC_ESYNC as
 * fc_router_sync; with no router configured, 0 and nothing is contacted.
 */
int fc_router_push(fc_plan *p, const char *const *flags, size_t nflags, char **report);

/*
 * Get the drivers of the plan's routers ready for a push that follows
 * (the HTTP drivers load libcurl in a thread, so that the load overlaps
 * the commit); a caller that warmed joins before it returns, whether it
 * pushed or not (fc_rconf_warm_join).
 */
void fc_router_warm(fc_plan *p);

/*
 * Read every replica of the selected routers and compare with the plan.
 * FC_EDRIFT when a bound flag is missing or has another value somewhere;
 * else FC_ESYNC when a replica could not be read; else 0.
 */
int fc_router_verify(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/* The recorded state of every (router, replica, bound flag); no network. */
int fc_router_status(fc_plan *p, const fc_router_opts *o, fc_router_result *out);

/*
 * Flags that some replica does not have at the plan's revision (caller
 * frees the strings and the array).
 */
int fc_router_pending(fc_plan *p, char ***flags, size_t *n);
void fc_router_names_free(char **names, size_t n);

/* Push every pending flag (doctor --repair): as fc_router_sync. */
int fc_router_repair(fc_plan *p, fc_router_result *out);

/*
 * Check what a push will need without pushing: every token can be read
 * (never shown), TLS verification is on, a token does not travel over
 * plain http.  *notes gets one line per finding (caller frees); *problems
 * the number of findings that will make a push fail.
 */
int fc_router_check_config(fc_plan *p, char **notes, int *problems);

/* A flag value for fc_router_describe. */
typedef struct {
	const char *flag;
	int bp;
	int shadow;
	long long rev;
} fc_router_value;

/*
 * The router calls a change would make (for --dry-run): one line per
 * replica and flag, into *calls (caller frees).  No network.
 */
int fc_router_describe(fc_plan *p, const fc_router_value *v, size_t n, char **calls);

/*
 * The services bound to `router` by name (not through "all"), as
 * "'a', 'b'", or "" (caller frees).
 */
int fc_router_users(fc_store *s, const char *router, char **out);

/* Forget the recorded state of a router (its removal, inside a change). */
int fc_router_forget(fc_store *s, const char *router);

#endif
