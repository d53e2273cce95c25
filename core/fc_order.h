#ifndef FC_ORDER_H
#define FC_ORDER_H
/*
 * Extraction order: a ranking of the domains computed from the map, with a
 * one-line explanation per rank.  Domains in a dependency cycle are ranked
 * as one group and flagged.  Same map, same order.
 *
 *   outside-in     a domain is ranked only after every domain that depends
 *                  on it; among those ready, fewest direct dependents
 *                  first, then lower traffic, then name
 *   blast-radius   highest traffic reached by a failure first (its own plus
 *                  that of every transitive dependent), then name
 *   least-coupled  fewest dependents plus dependencies first, then lower
 *                  traffic, then name
 */
#include <stddef.h>

#include "fc_plan.h"

typedef enum {
	FC_ORDER_OUTSIDE_IN,
	FC_ORDER_BLAST_RADIUS,
	FC_ORDER_LEAST_COUPLED
} fc_order_strategy;

/* The largest map blast-radius ranks (its reach sets are n*n bits). */
#define FC_ORDER_BLAST_MAX 40000

typedef struct {
	int rank;
	char **domains;     /* sorted by name; several for a cycle */
	size_t ndomains;
	int cycle;
	double rps;         /* traffic of the group */
	int dependents;     /* distinct groups that depend on it */
	int dependencies;   /* distinct groups it depends on */
	double score;       /* the strategy's main key */
	char *explain;
} fc_rank;

int fc_order_strategy_parse(fc_order_strategy *out, const char *s);
const char *fc_order_strategy_name(fc_order_strategy s);

/* Rank the plan's map (caller frees with fc_ranks_free). */
int fc_order_compute(fc_plan *p, fc_order_strategy strategy, fc_rank **out, size_t *n);

/* Rank a loaded graph (used by fc_order_compute, tests and the bench). */
struct fc_graph_s;
int fc_order_graph(const void *graph, fc_order_strategy strategy, fc_rank **out, size_t *n);

void fc_ranks_free(fc_rank *r, size_t n);

/* The cycles of the map: groups of 2+ domains (caller frees with fc_ranks_free;
 * only domains/ndomains are set). */
int fc_map_cycles(fc_plan *p, fc_rank **out, size_t *n);

#endif
