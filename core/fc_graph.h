#ifndef FC_GRAPH_H
#define FC_GRAPH_H
/*
 * The domain map as a graph for analysis: nodes are domains (sorted by
 * name), an edge u -> v means "u depends on v" (parallel edges of several
 * kinds collapse into one).  Strongly connected components are computed
 * with an iterative Tarjan, so deep maps cannot overflow the stack.
 *
 * Component ids come out in completion order: for an edge u -> v between
 * two components, comp[v] < comp[u].
 */
#include <stddef.h>

typedef struct fc_store fc_store;

typedef struct {
	size_t n;
	char **names;
	double *rps;
	size_t *out_off; /* CSR: edges of u are out_to[out_off[u] .. out_off[u+1]) */
	int *out_to;
	size_t *in_off;
	int *in_from;
	int *comp;       /* component of each node */
	size_t ncomp;
} fc_graph;

/* Load the map from the store and compute components. */
int fc_graph_load(fc_graph *g, fc_store *s);
void fc_graph_clear(fc_graph *g);

/* Index of a name, or -1. */
int fc_graph_find(const fc_graph *g, const char *name);

/* Compute comp/ncomp (called by fc_graph_load; public for tests). */
void fc_graph_scc(fc_graph *g);

#endif
