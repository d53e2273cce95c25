#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_graph.h"
#include "fc_order.h"

static const char *names[] = { "outside-in", "blast-radius", "least-coupled" };

int fc_order_strategy_parse(fc_order_strategy *out, const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (fc_order_strategy)i;
			return 0;
		}
	return fc_error_set(FC_EINVAL, "strategy '%.40s' is not outside-in, blast-radius or least-coupled",
			    s ? s : "");
}

const char *fc_order_strategy_name(fc_order_strategy s)
{
	return (unsigned)s < 3 ? names[s] : "?";
}

void fc_ranks_free(fc_rank *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		for (size_t j = 0; j < r[i].ndomains; j++)
			free(r[i].domains[j]);
		free(r[i].domains);
		free(r[i].explain);
	}
	free(r);
}

/* A component of the graph with its condensed edges. */
typedef struct {
	int first;          /* smallest member index = name order */
	size_t nmembers;
	double rps;
	int *deps;          /* distinct components it depends on */
	size_t ndeps;
	int *dependents;    /* distinct components that depend on it */
	size_t ndependents;
} group;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static size_t uniq(int *v, size_t n)
{
	size_t k = 0;
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static group *condense(const fc_graph *g)
{
	group *gr = fc_calloc(g->ncomp + 1, sizeof(group));
	size_t u, e;

	for (u = 0; u < g->ncomp; u++)
		gr[u].first = -1;
	for (u = 0; u < g->n; u++) {
		group *x = &gr[g->comp[u]];
		if (x->first < 0)
			x->first = (int)u;
		x->nmembers++;
		x->rps += g->rps[u];
	}
	/* collect, then dedupe, the cross-component edges of each group (each
	 * list allocated once, at its size: a realloc per edge was a good part
	 * of the time on large maps) */
	for (u = 0; u < g->n; u++) {
		group *x = &gr[g->comp[u]];
		x->ndeps += g->out_off[u + 1] - g->out_off[u];
		x->ndependents += g->in_off[u + 1] - g->in_off[u];
	}
	for (u = 0; u < g->ncomp; u++) {
		gr[u].deps = gr[u].ndeps ? fc_malloc(gr[u].ndeps * sizeof(int)) : NULL;
		gr[u].dependents = gr[u].ndependents ? fc_malloc(gr[u].ndependents * sizeof(int)) : NULL;
		gr[u].ndeps = gr[u].ndependents = 0;
	}
	for (u = 0; u < g->n; u++) {
		group *x = &gr[g->comp[u]];
		for (e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
			int c = g->comp[g->out_to[e]];
			if (c == g->comp[u])
				continue;
			x->deps[x->ndeps++] = c;
		}
		for (e = g->in_off[u]; e < g->in_off[u + 1]; e++) {
			int c = g->comp[g->in_from[e]];
			if (c == g->comp[u])
				continue;
			x->dependents[x->ndependents++] = c;
		}
	}
	for (u = 0; u < g->ncomp; u++) {
		gr[u].ndeps = uniq(gr[u].deps, gr[u].ndeps);
		gr[u].ndependents = uniq(gr[u].dependents, gr[u].ndependents);
	}
	return gr;
}

static void groups_free(group *gr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(gr[i].deps);
		free(gr[i].dependents);
	}
	free(gr);
}

/* ---- ordering keys ---- */

typedef struct {
	const fc_graph *g;
	const group *gr;
	const double *score;   /* blast radius */
	fc_order_strategy strategy;
} sort_ctx;

static int cmp_name(const sort_ctx *c, int a, int b)
{
	return strcmp(c->g->names[c->gr[a].first], c->g->names[c->gr[b].first]);
}

static int cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

/* Negative when group a ranks before group b. */
static int compare(const sort_ctx *c, int a, int b)
{
	const group *x = &c->gr[a], *y = &c->gr[b];
	int r;

	switch (c->strategy) {
	case FC_ORDER_OUTSIDE_IN:
		if ((r = cmp_double((double)x->ndependents, (double)y->ndependents)))
			return r;
		if ((r = cmp_double(x->rps, y->rps)))
			return r;
		break;
	case FC_ORDER_BLAST_RADIUS:
		if ((r = cmp_double(c->score[b], c->score[a])))
			return r;
		break;
	case FC_ORDER_LEAST_COUPLED:
		if ((r = cmp_double((double)(x->ndependents + x->ndeps), (double)(y->ndependents + y->ndeps))))
			return r;
		if ((r = cmp_double(x->rps, y->rps)))
			return r;
		break;
	}
	return cmp_name(c, a, b);
}

static const sort_ctx *qctx;
static int qcmp(const void *a, const void *b)
{
	return compare(qctx, *(const int *)a, *(const int *)b);
}

/* A binary heap of group ids ordered by compare(). */
typedef struct {
	int *v;
	size_t n;
	const sort_ctx *c;
} heap;

static void heap_push(heap *h, int x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (compare(h->c, h->v[i], h->v[p]) >= 0)
			break;
		int t = h->v[i]; h->v[i] = h->v[p]; h->v[p] = t;
		i = p;
	}
}

static int heap_pop(heap *h)
{
	int top = h->v[0];
	size_t i = 0;

	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && compare(h->c, h->v[l], h->v[m]) < 0)
			m = l;
		if (r < h->n && compare(h->c, h->v[r], h->v[m]) < 0)
			m = r;
		if (m == i)
			break;
		int t = h->v[i]; h->v[i] = h->v[m]; h->v[m] = t;
		i = m;
	}
	return top;
}

/* Outside-in: peel from the outside; ready = all dependents ranked. */
static void order_outside_in(const sort_ctx *c, size_t k, int *order)
{
	size_t *left = fc_malloc((k + 1) * sizeof(size_t)), done = 0;
	heap h = { fc_malloc((k + 1) * sizeof(int)), 0, c };

	for (size_t i = 0; i < k; i++) {
		left[i] = c->gr[i].ndependents;
		if (!left[i])
			heap_push(&h, (int)i);
	}
	while (h.n) {
		int x = heap_pop(&h);
		order[done++] = x;
		for (size_t j = 0; j < c->gr[x].ndeps; j++) {
			int d = c->gr[x].deps[j];
			if (--left[d] == 0)
				heap_push(&h, d);
		}
	}
	free(left);
	free(h.v);
}

/* Traffic reached by a failure of each group: own + transitive dependents
 * (and, in reach[], how many dependents that is). */
static int blast_scores(const group *gr, size_t k, double *score, size_t *reach_n)
{
	size_t words = (k + 63) / 64;
	uint64_t *reach;

	if (k > FC_ORDER_BLAST_MAX)
		return fc_error_set(FC_ELIMIT, "blast-radius ranks at most %d domains (the map has %zu groups)",
				    FC_ORDER_BLAST_MAX, k);
	reach = fc_calloc(k * words + 1, sizeof(uint64_t));
	/* dependents have larger component ids: fill from the top down */
	for (size_t i = k; i-- > 0;) {
		uint64_t *ri = reach + i * words;
		for (size_t j = 0; j < gr[i].ndependents; j++) {
			size_t h = (size_t)gr[i].dependents[j];
			uint64_t *rh = reach + h * words;
			ri[h / 64] |= (uint64_t)1 << (h % 64);
			for (size_t w = 0; w < words; w++)
				ri[w] |= rh[w];
		}
	}
	for (size_t i = 0; i < k; i++) {
		const uint64_t *ri = reach + i * words;
		double s = gr[i].rps;
		reach_n[i] = 0;
		for (size_t w = 0; w < words; w++) {
			uint64_t b = ri[w];
			reach_n[i] += (size_t)__builtin_popcountll(b);
			while (b) {
				int bit = __builtin_ctzll(b);
				s += gr[w * 64 + (size_t)bit].rps;
				b &= b - 1;
			}
		}
		score[i] = s;
	}
	free(reach);
	return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first `max` names of some groups, sorted, for an explanation. */
static void list_names(fc_buf *b, const fc_graph *g, const group *gr, const int *ids, size_t n, size_t max)
{
	const char **sorted = fc_malloc((n + 1) * sizeof(char *));

	for (size_t i = 0; i < n; i++)
		sorted[i] = g->names[gr[ids[i]].first];
	qsort(sorted, n, sizeof(char *), cmp_cstr);
	for (size_t i = 0; i < n && i < max; i++)
		fc_buf_printf(b, "%s%s", i ? ", " : "", sorted[i]);
	if (n > max)
		fc_buf_printf(b, ", +%zu more", n - max);
	free(sorted);
}

static void fmt_rps(fc_buf *b, double rps)
{
	if (rps == (double)(long long)rps)
		fc_buf_printf(b, "%lld req/s", (long long)rps);
	else
		fc_buf_printf(b, "%.1f req/s", rps);
}

int fc_order_graph(const void *graph, fc_order_strategy strategy, fc_rank **out, size_t *n)
{
	const fc_graph *g = graph;
	size_t k = g->ncomp, i, j;
	group *gr = condense(g);
	int *order = fc_malloc((k + 1) * sizeof(int));
	double *score = fc_calloc(k + 1, sizeof(double));
	size_t *reach_n = fc_calloc(k + 1, sizeof(size_t));
	size_t *first_member = fc_malloc((k + 1) * sizeof(size_t)), *next_member = fc_malloc((g->n + 1) * sizeof(size_t));
	sort_ctx c = { g, gr, score, strategy };
	fc_rank *r;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (strategy == FC_ORDER_BLAST_RADIUS && (rc = blast_scores(gr, k, score, reach_n)) < 0)
		goto done;
	/* members of each group as linked lists in name order: one pass, not k */
	for (i = 0; i < k; i++)
		first_member[i] = (size_t)-1;
	for (j = g->n; j-- > 0;) {
		next_member[j] = first_member[g->comp[j]];
		first_member[g->comp[j]] = j;
	}
	if (strategy == FC_ORDER_OUTSIDE_IN) {
		order_outside_in(&c, k, order);
	} else {
		for (i = 0; i < k; i++)
			order[i] = (int)i;
		qctx = &c;
		qsort(order, k, sizeof(int), qcmp);
		qctx = NULL;
	}
	r = fc_calloc(k + 1, sizeof(fc_rank));
	for (i = 0; i < k; i++) {
		const group *x = &gr[order[i]];
		fc_rank *rk = &r[i];
		fc_buf b = FC_BUF_INIT;

		rk->rank = (int)i + 1;
		rk->ndomains = x->nmembers;
		rk->domains = fc_calloc(x->nmembers, sizeof(char *));
		rk->ndomains = 0;
		for (j = first_member[order[i]]; j != (size_t)-1; j = next_member[j])
			rk->domains[rk->ndomains++] = fc_strdup(g->names[j]);
		rk->cycle = x->nmembers > 1;
		rk->rps = x->rps;
		rk->dependents = (int)x->ndependents;
		rk->dependencies = (int)x->ndeps;
		if (rk->cycle)
			fc_buf_printf(&b, "cycle of %zu domains, cannot be extracted cleanly; ", x->nmembers);
		switch (strategy) {
		case FC_ORDER_OUTSIDE_IN:
			rk->score = (double)x->ndependents;
			if (!x->ndependents) {
				fc_buf_puts(&b, "nobody depends on it");
			} else {
				fc_buf_printf(&b, "%zu dependent%s (", x->ndependents, x->ndependents == 1 ? "" : "s");
				list_names(&b, g, gr, x->dependents, x->ndependents, 3);
				fc_buf_puts(&b, ") ranked before it");
			}
			fc_buf_puts(&b, "; ");
			fmt_rps(&b, x->rps);
			break;
		case FC_ORDER_BLAST_RADIUS: {
			size_t reach = reach_n[order[i]];
			rk->score = score[order[i]];
			fc_buf_puts(&b, "a failure reaches ");
			fmt_rps(&b, score[order[i]]);
			fc_buf_printf(&b, ": its own ");
			fmt_rps(&b, x->rps);
			fc_buf_printf(&b, " and %zu transitive dependent%s", reach, reach == 1 ? "" : "s");
			break;
		}
		case FC_ORDER_LEAST_COUPLED:
			rk->score = (double)(x->ndependents + x->ndeps);
			fc_buf_printf(&b, "coupling %zu: %zu dependent%s, %zu dependenc%s; ",
				      x->ndependents + x->ndeps, x->ndependents, x->ndependents == 1 ? "" : "s",
				      x->ndeps, x->ndeps == 1 ? "y" : "ies");
			fmt_rps(&b, x->rps);
			break;
		}
		rk->explain = fc_buf_detach(&b);
	}
	*out = r;
	*n = k;
done:
	free(order);
	free(score);
	free(reach_n);
	free(first_member);
	free(next_member);
	groups_free(gr, k);
	return rc;
}

int fc_order_compute(fc_plan *p, fc_order_strategy strategy, fc_rank **out, size_t *n)
{
	fc_graph g;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_graph_load(&g, fc_plan_store(p))) < 0)
		return rc;
	rc = fc_order_graph(&g, strategy, out, n);
	fc_graph_clear(&g);
	return rc;
}

int fc_map_cycles(fc_plan *p, fc_rank **out, size_t *n)
{
	fc_rank *all = NULL;
	size_t nall = 0, i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_order_compute(p, FC_ORDER_LEAST_COUPLED, &all, &nall)) < 0)
		return rc;
	for (i = 0; i < nall; i++) {
		if (all[i].cycle) {
			fc_rank t = all[k];
			all[k] = all[i];
			all[i] = t;
			k++;
		}
	}
	/* sort the cycles by their first name for a stable report */
	for (i = 1; i < k; i++)
		for (size_t j = i; j > 0 && strcmp(all[j - 1].domains[0], all[j].domains[0]) > 0; j--) {
			fc_rank t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	for (i = k; i < nall; i++) {
		for (size_t j = 0; j < all[i].ndomains; j++)
			free(all[i].domains[j]);
		free(all[i].domains);
		free(all[i].explain);
	}
	*out = all;
	*n = k;
	return 0;
}
