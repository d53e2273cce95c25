#ifndef FC_ROUTER_EDIT_H
#define FC_ROUTER_EDIT_H
/*
 * The router verbs (floor 7): 'router add' and 'router rm', each one
 * change through the session.
 */
#include <stddef.h>

#include "fc_plan.h"

/* A router to add; NULL fields take the defaults. */
typedef struct {
	const char *name;
	const char *driver;
	const char *const *replicas;
	size_t nreplicas;
	const char *map;             /* haproxy: the map as the runtime API names it */
	const char *map_file;        /* haproxy: a file ficus rewrites so a reload keeps values */
	const char *pin_map;         /* haproxy: the map of tenant pins ("<flag>:<tenant>" in|out) */
	const char *prefix;          /* envoy: runtime key prefix (default "ficus.") */
	const char *token_env;       /* variable holding the bearer token */
	const char *token_file;      /* file holding it (mode 600 or stricter) */
	const char *ca_file;
	const char *timeout;         /* "5s", "800ms" */
	const char *connect_timeout;
	const char *retries;         /* "2" */
	int no_tls_verify;           /* 1: "tls_verify": false */
} fc_router_spec;
#define FC_ROUTER_SPEC_INIT { 0 }

/*
 * Add a router to the settings: one commit.  The same router again is a
 * no-op; a different one under an existing name is FC_EEXISTS.  Nothing is
 * pushed: 'ficus router sync' brings the new router up to date.
 */
int fc_router_add(fc_plan *p, const fc_router_spec *spec, const fc_write_opts *w, fc_outcome *out);

/*
 * Remove a router (and its recorded state): one commit.  FC_ENOTFOUND;
 * refused (FC_EINVAL) while a service names it, unless w->force.
 */
int fc_router_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out);

#endif
