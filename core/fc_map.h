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

typedef struct fc_store fc_store;

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


/* All domains, by name (caller frees with fc_domains_free). */
int fc_domain_list(fc_plan *p, fc_domain **out, size_t *n);
int fc_domain_get(fc_plan *p, const char *name, fc_domain *out);

/* All dependencies, by (from, to, kind). */
int fc_dep_list(fc_plan *p, fc_dep **out, size_t *n);

/* Export the map document. */
int fc_map_export(fc_plan *p, fc_buf *out);

/* A domain as its plan-file JSON object (caller deletes). */
cJSON *fc_domain_to_json(const fc_domain *d, const fc_dep *deps, size_t ndeps);

/* fc_render kinds */
int fc_domain_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);
int fc_domain_load_file(fc_store *s, const char *name, const char *data, size_t len);
int fc_domain_list_names(fc_store *s, int (*cb)(const char *name, void *ctx), void *ctx);

/* ---- rows, for the map verbs (fc_map_edit.c) ---- */

/* FC_EPARSE naming `what` and `field` when s is not a short printable text. */
int fc_map_check_text(const char *what, const char *field, const char *s);
/* FC_EPARSE naming `what` when t is not a table name. */
int fc_map_check_table(const char *what, const char *t);
/* Read one domain; FC_ENOTFOUND. */
int fc_domain_read(fc_store *s, const char *name, fc_domain *out);
/* The dependencies from `from`, by (to, kind) (caller frees with fc_deps_free). */
int fc_deps_read(fc_store *s, const char *from, fc_dep **out, size_t *n);
/* Insert or replace a domain's row. */
int fc_domain_write(fc_store *s, const fc_domain *d);
/* Insert one dependency row. */
int fc_dep_insert(fc_store *s, const char *from, const char *to, const char *kind, int weight);
/* 1 when the domain exists, 0 when not, or a negative error. */
int fc_domain_exists(fc_store *s, const char *name);
/* FC_ENOTFOUND for `name`, with the domains it may be a typo of. */
int fc_domain_missing(fc_store *s, const char *name);
/* Sort tables by name so the stored and rendered forms are canonical. */
void fc_domain_sort_tables(fc_domain *d);
/* Sort signals by key so the stored and rendered forms are canonical. */
void fc_domain_sort_signals(fc_domain *d);
/*
 * A domain and its dependencies from its JSON object (plan file or map
 * document); FC_EPARSE naming `what`.  Dependencies keep from = the name.
 */
int fc_domain_from_json(const cJSON *o, fc_domain *d, fc_dep **deps, size_t *ndeps, const char *what);

#endif
