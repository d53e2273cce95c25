#ifndef FC_RSTATE_H
#define FC_RSTATE_H
/*
 * The routers' state (floor 6): what every router should hold (the
 * service table's bp, shadow, rev and routers, read now) and what each
 * replica was seen to hold (the router_state table), with the result
 * types push, verify and status report in.  No network.
 */
#include <stddef.h>
#include <sqlite3.h>

#include "fc_clock.h"
#include "fc_plan.h"
#include "fc_rconf.h"
#include "fc_tenant.h"

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

void fc_rstate_result_clear(fc_router_result *r);

typedef struct {
	const char *const *flags;  /* flag or service names; NULL/0: every flag */
	size_t nflags;
	const char *router;        /* NULL: every router */
	int dry_run;               /* describe the calls; contact nothing, change nothing */
} fc_router_opts;
#define FC_ROUTER_OPTS_INIT { NULL, 0, NULL, 0 }

/* Free a result's contents (not the struct).  Accepts NULL. */
void fc_rstate_result_clear(fc_router_result *r);

/* Free names from fc_rreport_pending. */
void fc_rstate_names_free(char **names, size_t n);

/*
 * The services bound to `router` by name (not through "all"), as
 * "'a', 'b'", or "" (caller frees).
 */
int fc_rstate_users(fc_store *s, const char *router, char **out);

/* Forget the recorded state of a router (its removal, inside a change). */
int fc_rstate_forget(fc_store *s, const char *router);

/* ---- for the engine and the reports (fc_rengine.h, fc_rreport.c) ---- */

/* A service's flag as the routers should hold it (the service table). */
typedef struct {
	char *service;
	char *flag;
	int bp, shadow;
	long long rev;
	char *compare;    /* the protocol's "compare" member, or NULL (off) */
	int all;          /* bound to every router */
	char **routers;   /* else: these */
	size_t nrouters;
	int selected;
	int phase;            /* fc_phase */
	fc_tenants pin_in;    /* the pins the routers hold now (fc_service_pins_live) */
	fc_tenants pin_out;
	uint32_t pin_crc;     /* their digest (fc_pins_digest) */
} fc_rstate_svc;

/* The routers the settings name, parsed (fc_rconf_parse; caller frees with fc_rconf_free). */
int fc_rstate_confs(fc_store *s, fc_router_conf **out, size_t *n);
/* Free rows from fc_rstate_load*. */
void fc_rstate_svcs_free(fc_rstate_svc *v, size_t n);
/* The rows of the named flags or services (every one: names NULL), in flag order. */
int fc_rstate_load_named(fc_store *s, fc_rstate_svc **out, size_t *n, const char *const *names, size_t nnames);
/* Every row, in flag order. */
int fc_rstate_load(fc_store *s, fc_rstate_svc **out, size_t *n);
/* 1 when row v is bound to `router`. */
int fc_rstate_is_bound(const fc_rstate_svc *v, const char *router);
/* Mark the rows `names` select (all when nnames is 0); strict: FC_ENOTFOUND for an unknown name. */
int fc_rstate_select(fc_rstate_svc *v, size_t n, const char *const *names, size_t nnames, int strict);
/* A new flag state in res (grown by doubling *cap). */
fc_router_flag_state *fc_rstate_add_flag(fc_router_result *res, size_t *cap);
/* Count one flag's state on its replica's result (the worst state wins). */
void fc_rstate_count(fc_router_replica_result *x, const char *state);
/* Write one flag state to router_state (*st: a statement kept between calls). */
int fc_rstate_store(fc_store *s, sqlite3_stmt **st, const fc_router_flag_state *f);
/* Remove the rows of routers, replicas and flags no longer bound. */
int fc_rstate_prune(fc_store *s, const fc_router_conf *confs, size_t nconfs, const fc_rstate_svc *v, size_t nv);
/* Fill fs (one per want of job j, NULL skipped) from the recorded rows; sorted: want is in flag order. */
int fc_rstate_judge_rows(fc_store *s, const fc_router_job *j, int sorted, fc_router_flag_state *const *fs);

#endif
