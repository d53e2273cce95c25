#ifndef FC_SERVICE_H
#define FC_SERVICE_H
/*
 * Services: the new services that take over domains, and their lifecycle
 * state (phase, flag percentage in basis points, shadow, flag revision).
 * Each service is one plan file, services/<name>.json, which also holds
 * its recent check results and the last failure per check, so that the
 * gates read nothing the repository does not hold.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_compare.h"
#include "fc_plan.h"
#include "fc_tenant.h"

typedef enum {
	FC_PHASE_PLANNED,
	FC_PHASE_DUAL_WRITE,
	FC_PHASE_BACKFILL,
	FC_PHASE_READ_CUTOVER,
	FC_PHASE_DECOMMISSION,
	FC_PHASE_DONE,
	FC_PHASE_COUNT
} fc_phase;

const char *fc_phase_name(fc_phase p);
/* FC_EINVAL for an unknown phase name. */
int fc_phase_parse(fc_phase *out, const char *s);

/* Recent results kept per check name (older ones live in history). */
#define FC_CHECKS_KEPT 20

/*
 * What a check result says (migration 0009).  A no-data or an error result
 * neither passes nor fails: no gate counts it either way.
 */
typedef enum {
	FC_CHECK_FAIL = 0,
	FC_CHECK_PASS = 1,
	FC_CHECK_NO_DATA = 2,
	FC_CHECK_ERROR = 3
} fc_check_outcome;

/* "pass", "fail", "no-data", "error". */
const char *fc_check_outcome_name(int outcome);

/*
 * The outcome of a result: its no-data or error, else pass or fail by
 * `pass` (a result made in memory may set only `pass`).
 */
#define fc_check_result_outcome(r) \
	((r)->outcome > FC_CHECK_PASS ? (r)->outcome : (r)->pass ? FC_CHECK_PASS : FC_CHECK_FAIL)
/* FC_EINVAL for another word. */
int fc_check_outcome_parse(int *out, const char *s);

typedef struct {
	char *name;
	int pass;                /* outcome == FC_CHECK_PASS */
	int outcome;             /* fc_check_outcome */
	char *detail;
	fc_time at;
	char *actor;
} fc_check_result;

/*
 * What the backfill gate reads of one check's kept results, kept beside
 * them by the database (migration 0006) so that a plan-wide view need not
 * read the results themselves.
 */
typedef struct {
	char *name;
	int kept;                /* results kept */
	int streak;              /* passes since the newest failure among them (all, without one) */
	fc_time newest;          /* the newest result's time */
} fc_check_streak;

typedef struct {
	char *name;
	char *description;
	char *route;
	char *flag;
	char **domains;
	size_t ndomains;
	char **needs;
	size_t nneeds;
	char **routers;          /* none: every router of the plan */
	size_t nrouters;
	fc_phase phase;
	int bp;
	int shadow;
	fc_compare compare;      /* shadow compare (sample_bp 0: off); on only with shadow */
	long long rev;
	fc_time phase_since;
	fc_time step_since;
	cJSON *gates;            /* per-service gate overrides (object) */
	cJSON *checks;           /* check commands: name -> {command, timeout} */
	fc_check_result *results; /* recent, oldest first */
	size_t nresults;
	fc_check_streak *streaks; /* per check name, as read with the service; a service
				     made in memory may leave them out: the gates then
				     count its results */
	size_t nstreaks;
	char **fail_names;       /* last failure per check name */
	fc_time *fail_at;
	size_t nfails;
	double rps;              /* traffic of its domains (derived) */
	fc_tenants pins_in;      /* tenant pins (SPEC 3), sorted: always the new service */
	fc_tenants pins_out;     /* always the monolith */
} fc_service;

void fc_service_clear(fc_service *s);
void fc_services_free(fc_service *s, size_t n);

/* Fields to set; NULL leaves a field as it is. Lists are comma-separated. */
typedef struct {
	const char *description;
	const char *route;
	const char *flag;
	const char *domains;
	const char *routers;     /* "" or "all": every router */
	const char *needs;       /* "" clears */
	const char *const *gates;  /* "key=value"; "key=" removes the override */
	size_t ngates;
	const char *const *checks; /* "name=command"; "name=" removes */
	size_t nchecks;
	const char *check_timeout; /* for the checks given */
} fc_service_edit;
#define FC_SERVICE_EDIT_INIT { 0 }


int fc_service_get(fc_plan *p, const char *name, fc_service *out);
int fc_service_list(fc_plan *p, fc_service **out, size_t *n);
/*
 * Every service with only what fc_gate_step() reads: no check results
 * (the gates read their summary, `streaks`).  For plan-wide views of many
 * services.
 */
int fc_service_list_brief(fc_plan *p, fc_service **out, size_t *n);
/*
 * Each service in name order, one at a time, to `cb` (brief: as in
 * fc_service_list_brief), in one read transaction: for plan-wide views
 * that need not hold 5,000 services at once.  The service is cleared after
 * `cb` returns; `cb` may take it (copy it out and zero it).  A negative
 * return from `cb` stops the walk and is returned.
 */
int fc_service_each(fc_plan *p, int brief, int (*cb)(fc_service *s, void *ctx), void *ctx);

/* For core modules: read a service through a store (inside a change). */
int fc_service_read(fc_store *s, const char *name, fc_service *out);

/* Write every column and the lists of `s` (add, set, rebuild). */
int fc_service_write(fc_store *st, const fc_service *s);

/*
 * Parse a comma-separated list of names of `kind` into *v (sorted, no
 * duplicates; what *v held is freed).  FC_EINVAL for a bad name.
 */
int fc_service_names_parse(char ***v, size_t *n, const char *list, const char *kind);

/* FC_EPARSE naming `what` when a "checks" object is not valid check definitions (fc_checkdef.h). */
int fc_service_checks_valid(const cJSON *checks, const char *what);

/*
 * Insert one check result row (the outcome stored the way migration 0009
 * reads it).  Keeping the last few per name is the caller's.
 */
int fc_check_result_insert(fc_store *st, const char *service, const char *check, int outcome, const char *detail,
			   fc_time at, const char *actor);

/* Write the lifecycle columns (phase, bp, shadow, compare, rev, times) of `sv`. */
int fc_service_write_state(fc_store *s, const fc_service *sv);

/* A service as its plan-file JSON object (caller deletes). */
cJSON *fc_service_to_json(const fc_service *s);

/* ---- tenant pins (SPEC 3) ---- */

/*
 * Which of a service's pins the routers hold now, derived from the plan's
 * state alone, so that every router holds exactly what the plan decided:
 * `in` pins while the flag sends live traffic to the new service
 * (read-cutover above 0%, decommission, done), so an abort (0%) puts
 * every tenant, dogfood tenants included, back on the monolith at once;
 * `out` pins until decommission (the monolith is going away).
 */
void fc_service_pins_live(const fc_service *s, int *in_live, int *out_live);

/* Replace the pin rows of service `name` with `in` and `out` (sorted, disjoint). */
int fc_service_write_pins(fc_store *st, const char *name, const fc_tenants *in, const fc_tenants *out);

/* The side a router sends `tenant` to. */
typedef struct {
	int bucket;              /* crc32("<flag>:<tenant>") mod 10000 */
	int is_new;              /* 1: the new service */
	const char *why;         /* "pinned in", "pinned out", "bucket" (static) */
	const char *pin;         /* "in", "out" or "" for a pin, live or not (static) */
} fc_tenant_side;

/* Predict the side of `tenant` under service `s` as every router computes it (pins first). */
void fc_service_route_tenant(const fc_service *s, const char *tenant, fc_tenant_side *out);

/* fc_render kinds */
int fc_service_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);
int fc_service_load_file(fc_store *s, const char *name, const char *data, size_t len);
int fc_service_list_names(fc_store *s, int (*cb)(const char *name, void *ctx), void *ctx);

#endif
