#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_graph.h"
#include "fc_name.h"
#include "fc_store.h"

void fc_graph_clear(fc_graph *g)
{
	for (size_t i = 0; g->names && i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	free(g->rps);
	free(g->out_off);
	free(g->out_to);
	free(g->in_off);
	free(g->in_from);
	free(g->comp);
	memset(g, 0, sizeof(*g));
}

int fc_graph_find(const fc_graph *g, const char *name)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(g->names[mid], name);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void fc_graph_scc(fc_graph *g)
{
	size_t n = g->n, sp = 0, cs = 0;
	int *index = fc_malloc(n * sizeof(int)), *low = fc_malloc(n * sizeof(int));
	int *stack = fc_malloc(n * sizeof(int)), *onstack = fc_calloc(n, sizeof(int));
	int *call = fc_malloc(n * sizeof(int));
	size_t *edge = fc_malloc(n * sizeof(size_t));
	int next = 0;

	free(g->comp);
	g->comp = fc_malloc(n * sizeof(int));
	g->ncomp = 0;
	for (size_t i = 0; i < n; i++)
		index[i] = -1;
	for (size_t root = 0; root < n; root++) {
		if (index[root] >= 0)
			continue;
		call[cs++] = (int)root;
		index[root] = low[root] = next++;
		edge[root] = g->out_off[root];
		stack[sp++] = (int)root;
		onstack[root] = 1;
		while (cs) {
			int u = call[cs - 1];
			if (edge[u] < g->out_off[u + 1]) {
				int v = g->out_to[edge[u]++];
				if (index[v] < 0) {
					index[v] = low[v] = next++;
					edge[v] = g->out_off[v];
					stack[sp++] = v;
					onstack[v] = 1;
					call[cs++] = v;
				} else if (onstack[v] && index[v] < low[u]) {
					low[u] = index[v];
				}
				continue;
			}
			if (low[u] == index[u]) {
				int w;
				do {
					w = stack[--sp];
					onstack[w] = 0;
					g->comp[w] = (int)g->ncomp;
				} while (w != u);
				g->ncomp++;
			}
			cs--;
			if (cs) {
				int parent = call[cs - 1];
				if (low[u] < low[parent])
					low[parent] = low[u];
			}
		}
	}
	free(index);
	free(low);
	free(stack);
	free(onstack);
	free(call);
	free(edge);
}

int fc_graph_load(fc_graph *g, fc_store *s)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0, ne = 0, ecap = 0, i, walk = 0;
	int *src = NULL, *dst = NULL;
	fc_name_index ix = { NULL, 0 };
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = fc_store_prepare(s, &st, "SELECT name, rps FROM domain ORDER BY name")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		if (g->n == cap) {
			cap = cap ? cap * 2 : 64;
			g->names = fc_realloc(g->names, cap * sizeof(char *));
			g->rps = fc_realloc(g->rps, cap * sizeof(double));
		}
		g->names[g->n] = fc_strdup(fc_col_text(st, 0));
		g->rps[g->n++] = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc < 0)
		goto fail;
	/*
	 * The primary key's order (src, dst, kind): no sorter, unlike DISTINCT
	 * (which SQLite answers from another index and sorts); the kinds of one
	 * pair arrive together and collapse here.  Sources arrive in name order,
	 * so they are matched by walking the names; targets by a hash.
	 */
	if ((rc = fc_store_prepare(s, &st, "SELECT src, dst FROM dep ORDER BY src, dst, kind")) < 0)
		goto fail;
	fc_name_index_build(&ix, (const char *const *)g->names, g->n);
	while ((rc = fc_store_step(s, st)) == 1) {
		const char *a = fc_col_text(st, 0), *b = fc_col_text(st, 1);
		int u, v, c = 1;
		while (walk < g->n && (c = strcmp(g->names[walk], a)) < 0)
			walk++;
		u = walk < g->n && c == 0 ? (int)walk : fc_graph_find(g, a);
		v = (int)fc_name_index_find(&ix, (const char *const *)g->names, b);
		if (u < 0 || v < 0)
			continue;
		if (ne && src[ne - 1] == u && dst[ne - 1] == v)
			continue; /* another kind of the same dependency */
		if (ne == ecap) {
			ecap = ecap ? ecap * 2 : 256;
			src = fc_realloc(src, ecap * sizeof(int));
			dst = fc_realloc(dst, ecap * sizeof(int));
		}
		src[ne] = u;
		dst[ne++] = v;
	}
	sqlite3_finalize(st);
	fc_name_index_free(&ix);
	if (rc < 0)
		goto fail;
	g->out_off = fc_calloc(g->n + 1, sizeof(size_t));
	g->in_off = fc_calloc(g->n + 1, sizeof(size_t));
	g->out_to = fc_malloc((ne + 1) * sizeof(int));
	g->in_from = fc_malloc((ne + 1) * sizeof(int));
	for (i = 0; i < ne; i++) {
		g->out_off[src[i] + 1]++;
		g->in_off[dst[i] + 1]++;
	}
	for (i = 0; i < g->n; i++) {
		g->out_off[i + 1] += g->out_off[i];
		g->in_off[i + 1] += g->in_off[i];
	}
	{
		size_t *op = fc_malloc((g->n + 1) * sizeof(size_t)), *ip = fc_malloc((g->n + 1) * sizeof(size_t));
		memcpy(op, g->out_off, (g->n + 1) * sizeof(size_t));
		memcpy(ip, g->in_off, (g->n + 1) * sizeof(size_t));
		/* edges arrive sorted by (src, dst): out lists are sorted, and so
		 * are in lists, because sources are visited in order */
		for (i = 0; i < ne; i++) {
			g->out_to[op[src[i]]++] = dst[i];
			g->in_from[ip[dst[i]]++] = src[i];
		}
		free(op);
		free(ip);
	}
	free(src);
	free(dst);
	fc_graph_scc(g);
	return 0;
fail:
	fc_name_index_free(&ix);
	free(src);
	free(dst);
	fc_graph_clear(g);
	return rc;
}
