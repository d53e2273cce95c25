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
 * Read a secret for this run: from environment variable `env` (may be
 * NULL), else from `file` (may be NULL; a regular file of mode 600 or
 * stricter, one line).  0 with *out (caller wipes and frees; NULL when
 * neither is named), or -1 with the reason in err, which names `what`
 * ("token", "url") and never holds the secret.  The one reader of
 * secrets: router tokens and webhooks both use it.
 */
int fc_rconf_read_secret(char **out, const char *env, const char *file, const char *what, char *err, size_t errlen);

/* 1 when `s` may name an environment variable (token_env). */
int fc_rconf_env_name_ok(const char *s);

/* 1 when a URL's authority (host, IPv4, [IPv6], optional :port) is well formed. */
int fc_rconf_authority_ok(const char *a, size_t len);

#endif
