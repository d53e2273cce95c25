#ifndef FC_MAP_H
#define FC_MAP_H
/*
 * The domain map: domains (owner, traffic, tables, description, split
 * signals) and dependencies between them ("A depends on B", with a kind and
 * a weight).  Each domain is one plan file, domains/<name>.json, holding its
 * own outgoing dependencies, so adding a dependency is a one-file diff.
 *
 * The map import format is {"version": 1, "domains": [<domain file>...]};
 * export writes the same format, so export | import round-trips.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"
#include "fc_plan.h"

/* Limits on outside input (documented in ficus-plan(5)). */
#define FC_MAP_MAX_BYTES (64u << 20)
#define FC_MAP_MAX_DOMAINS 100000
#define FC_MAP_MAX_DEPS 1000000
#define FC_TEXT_MAX 4096 /* owner, description, signal evidence, table names */

typedef struct {
	char *name;
	char *owner;
	char *description;
	double rps;
	char **tables;
	size_t ntables;
	char **signal_keys;   /* sorted */
	char **signal_values;
	size_t nsignals;
} fc_domain;

typedef struct {
	char *from;
	char *to;
	char *kind;
	int weight;
} fc_dep;

void fc_domain_clear(fc_domain *d);
void fc_domains_free(fc_domain *d, size_t n);
void fc_deps_free(fc_dep *d, size_t n);

/* Fields to set; NULL / 0 leaves a field as it is. */
typedef struct {
	const char *owner;
	const char *description;
	const char *rps;          /* requests per second, a non-negative number */
	const char *tables;       /* comma-separated table names ("" clears) */
	const char *const *signals; /* "name=evidence"; "name=" removes a signal */
	size_t nsignals;
} fc_domain_edit;
#define FC_DOMAIN_EDIT_INIT { NULL, NULL, NULL, NULL, NULL, 0 }

/* 1 if kind is one of calls, reads, writes, shares-table. */
int fc_dep_kind_valid(const char *kind);

int fc_domain_add(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out);
int fc_domain_set(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out);
/* Refuses while dependencies or services refer to it, unless w->force. */
int fc_domain_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out);

/* All domains, by name (caller frees with fc_domains_free). */
int fc_domain_list(fc_plan *p, fc_domain **out, size_t *n);
int fc_domain_get(fc_plan *p, const char *name, fc_domain *out);

/* kind NULL: "calls"; weight 0: 1.  FC_EEXISTS for a duplicate. */
int fc_dep_add(fc_plan *p, const char *from, const char *to, const char *kind, int weight,
	       const fc_write_opts *w, fc_outcome *out);
/* kind NULL removes every kind between the two. */
int fc_dep_rm(fc_plan *p, const char *from, const char *to, const char *kind,
	      const fc_write_opts *w, fc_outcome *out);
/* All dependencies, by (from, to, kind). */
int fc_dep_list(fc_plan *p, fc_dep **out, size_t *n);

/*
 * Import a map document (one commit).  Merge: each domain in the document
 * is created or replaced with its dependencies; with `replace`, domains
 * absent from the document are removed.
 */
int fc_map_import(fc_plan *p, const char *data, size_t len, int replace,
		  const fc_write_opts *w, fc_outcome *out);
/* Export the map document. */
int fc_map_export(fc_plan *p, fc_buf *out);

/* A domain as its plan-file JSON object (caller deletes). */
cJSON *fc_domain_to_json(const fc_domain *d, const fc_dep *deps, size_t ndeps);

/* fc_render kinds */
int fc_domain_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);
int fc_domain_load_file(fc_store *s, const char *name, const char *data, size_t len);
int fc_domain_list_names(fc_store *s, int (*cb)(const char *name, void *ctx), void *ctx);

/*
 * The end of an add of something that exists (a domain here, a service in
 * fc_service.c): `want` is `have` with the add's options applied.  The same:
 * a no-op change, finished (0).  Different: FC_EEXISTS naming each
 * difference and the '<what> set' verb, the change aborted.  Consumes `c`.
 */
struct fc_change;
int fc_add_again(struct fc_change *c, const char *what, const char *name, const cJSON *have, const cJSON *want,
		 fc_outcome *out);

#endif
