#ifndef FC_RCONF_H
#define FC_RCONF_H
/*
 * Router configuration (floor 3): the driver registry, the settings'
 * "routers" array parsed and checked, and the tokens it names.  No
 * database, no network: fc_settings validates through fc_rconf_check,
 * the reconciler (fc_router.h) parses with fc_rconf_parse.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_router_driver.h"

/* The most drivers the registry holds (arrays sized by it). */
#define FC_RCONF_MAX_DRIVERS 16

/* Driver names in registry (priority) order, NULL-terminated (static). */
const char *const *fc_rconf_drivers(void);

/* The i-th driver of the registry, in priority order, or NULL past its end (static). */
const fc_router_driver *fc_rconf_driver_at(size_t i);

/* The driver named `name`, or NULL (static). */
const fc_router_driver *fc_rconf_find_driver(const char *name);

/* Capabilities and a one-line summary of a driver; FC_ENOTFOUND if unknown. */
int fc_rconf_driver_info(const char *driver, fc_router_caps *caps, const char **summary);

/*
 * Validate the settings' "routers" array (NULL is fine: no routers).
 * FC_EPARSE naming `what`, the router and the key otherwise.  Called from
 * fc_settings_parse so that no bad router ever reaches the database.
 */
int fc_rconf_check(const cJSON *routers, const char *what);

/*
 * Parse the settings' "routers" array into *out (caller frees with
 * fc_rconf_free; NULL with *n 0 when there are none).  FC_EPARSE as
 * fc_rconf_check.
 */
int fc_rconf_parse(fc_router_conf **out, size_t *n, const cJSON *routers, const char *what);

/* Free parsed routers (wipes a resolved token).  Accepts NULL. */
void fc_rconf_free(fc_router_conf *r, size_t n);

/*
 * Resolve the token of one router for this run (token_env, then
 * token_file, mode 600 or stricter); a failure goes to r->token_error,
 * never with the token in it.
 */
void fc_rconf_resolve_token(fc_router_conf *r);

/*
 * The one token reader (routers, analysis checks): from the environment
 * variable `token_env` when set and non-empty, else from `token_file`
 * (mode 600 or stricter, one line).  0 with *token (caller frees; NULL
 * when neither is named); FC_ERROR with the reason in err, never the token.
 */
int fc_rconf_read_token(char **token, char *err, size_t errsize, const char *token_env, const char *token_file);

/*
 * Warm the drivers of the routers that push (load their libraries in a
 * thread) and free the routers.  Returns how many were warmed.
 */
int fc_rconf_warm(fc_router_conf *confs, size_t n);

/*
 * The same before the database is open, for a caller that will likely
 * push: the routers as the work tree's ficus.json in `dir` names them, a
 * hint that costs a small file's read.  A missing or unreadable file
 * warms nothing; the push itself reads the database.  Returns whether a
 * load started: the caller joins it (fc_rconf_warm_join) before it exits.
 */
int fc_rconf_warm_early(const char *dir);

/* Wait for the loads fc_rconf_warm started. */
void fc_rconf_warm_join(void);

/* Whether those loads are still running (fc_http_warming). */
int fc_rconf_warming(void);

#endif
