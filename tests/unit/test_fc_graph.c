/* fc_graph: the map as a graph, strongly connected components. */
#include "unit.h"

static char *name_of(size_t i)
{
	return fc_asprintf("d%06zu", i);
}

static char *letter(size_t i)
{
	return fc_asprintf("%c", (char)('a' + i));
}

/* comp[v] < comp[u] for every edge u -> v between components */
static void check_completion_order(const fc_graph *g)
{
	for (size_t u = 0; u < g->n; u++)
		for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
			int v = g->out_to[e];
			if (g->comp[v] != g->comp[u] && !(g->comp[v] < g->comp[u]))
				fail_msg("edge %zu -> %d: comp %d !< %d", u, v, g->comp[v], g->comp[u]);
		}
	for (size_t u = 0; u < g->n; u++)
		assert_in_range(g->comp[u], 0, (int)g->ncomp - 1);
}

static void test_fc_graph__acyclic_has_one_component_per_node(void **state)
{
	/* a -> b -> d, a -> c -> d, e alone */
	int from[] = { 0, 0, 1, 2 }, to[] = { 1, 2, 3, 3 };
	fc_graph g;
	(void)state;
	unit_graph_build(&g, 5, letter, NULL, from, to, 4);
	assert_int_equal(g.ncomp, 5);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(g.comp[i], g.comp[j]);
	check_completion_order(&g);
	assert_true(g.comp[3] < g.comp[1] && g.comp[1] < g.comp[0]);
	fc_graph_clear(&g);
}

static void test_fc_graph__cycles_share_a_component(void **state)
{
	/* a <-> b, b -> c, c -> d -> e -> c, f -> a */
	int from[] = { 0, 1, 1, 2, 3, 4, 5 }, to[] = { 1, 0, 2, 3, 4, 2, 0 };
	fc_graph g;
	(void)state;
	unit_graph_build(&g, 6, letter, NULL, from, to, 7);
	assert_int_equal(g.ncomp, 3);
	assert_int_equal(g.comp[0], g.comp[1]);
	assert_int_equal(g.comp[2], g.comp[3]);
	assert_int_equal(g.comp[3], g.comp[4]);
	assert_int_not_equal(g.comp[0], g.comp[2]);
	assert_int_not_equal(g.comp[5], g.comp[0]);
	check_completion_order(&g);
	/* the completion order is total here: {c,d,e} < {a,b} < {f} */
	assert_int_equal(g.comp[2], 0);
	assert_int_equal(g.comp[0], 1);
	assert_int_equal(g.comp[5], 2);
	fc_graph_clear(&g);
}

static void test_fc_graph__self_contained_cases(void **state)
{
	fc_graph g;
	int from[] = { 0 }, to[] = { 0 };
	(void)state;
	/* no nodes */
	unit_graph_build(&g, 0, letter, NULL, NULL, NULL, 0);
	assert_int_equal(g.ncomp, 0);
	fc_graph_clear(&g);
	/* a self loop is still one node, one component */
	unit_graph_build(&g, 1, letter, NULL, from, to, 1);
	assert_int_equal(g.ncomp, 1);
	fc_graph_clear(&g);
}

static void test_fc_graph__long_chain_does_not_recurse(void **state)
{
	const size_t n = 100000;
	int *from = fc_malloc(n * sizeof(int)), *to = fc_malloc(n * sizeof(int));
	fc_graph g;
	(void)state;
	for (size_t i = 0; i + 1 < n; i++) {
		from[i] = (int)i;
		to[i] = (int)i + 1;
	}
	unit_graph_build(&g, n, name_of, NULL, from, to, n - 1);
	assert_int_equal(g.ncomp, n);
	/* the deepest node completes first */
	assert_int_equal(g.comp[n - 1], 0);
	assert_int_equal(g.comp[0], (int)n - 1);
	check_completion_order(&g);
	fc_graph_clear(&g);
	/* close the chain into a ring: one component of 100000 */
	from[n - 1] = (int)n - 1;
	to[n - 1] = 0;
	unit_graph_build(&g, n, name_of, NULL, from, to, n);
	assert_int_equal(g.ncomp, 1);
	assert_int_equal(g.comp[0], 0);
	assert_int_equal(g.comp[n / 2], 0);
	fc_graph_clear(&g);
	free(from);
	free(to);
}

static void test_fc_graph__scc_can_be_recomputed(void **state)
{
	int from[] = { 0, 1 }, to[] = { 1, 0 };
	fc_graph g;
	(void)state;
	unit_graph_build(&g, 3, letter, NULL, from, to, 2);
	assert_int_equal(g.ncomp, 2);
	fc_graph_scc(&g);
	assert_int_equal(g.ncomp, 2);
	assert_int_equal(g.comp[0], g.comp[1]);
	fc_graph_clear(&g);
	assert_int_equal(g.n, 0);
	assert_null(g.names);
}

static void test_fc_graph__find_by_name(void **state)
{
	fc_graph g;
	(void)state;
	unit_graph_build(&g, 1000, name_of, NULL, NULL, NULL, 0);
	assert_int_equal(fc_graph_find(&g, "d000000"), 0);
	assert_int_equal(fc_graph_find(&g, "d000500"), 500);
	assert_int_equal(fc_graph_find(&g, "d000999"), 999);
	assert_int_equal(fc_graph_find(&g, "d001000"), -1);
	assert_int_equal(fc_graph_find(&g, ""), -1);
	assert_int_equal(fc_graph_find(&g, "zzz"), -1);
	fc_graph_clear(&g);
}

static void test_fc_graph__load_from_a_plan(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_outcome o = { 0 };
	const char *doc = "{\"domains\": ["
		"{\"name\": \"web\", \"rps\": 100, \"depends_on\": [{\"domain\": \"api\"},"
		" {\"domain\": \"api\", \"kind\": \"reads\"}]},"
		"{\"name\": \"api\", \"rps\": 50, \"depends_on\": [{\"domain\": \"db\"}]},"
		"{\"name\": \"db\", \"rps\": 5, \"depends_on\": [{\"domain\": \"api\", \"kind\": \"writes\"}]}]}";
	fc_graph g;
	int api, db, web;
	(void)state;
	assert_ok(fc_map_import(u->p, doc, strlen(doc), 0, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_graph_load(&g, fc_plan_store(u->p)));
	assert_int_equal(g.n, 3);
	assert_string_equal(g.names[0], "api");
	assert_string_equal(g.names[1], "db");
	assert_string_equal(g.names[2], "web");
	api = fc_graph_find(&g, "api");
	db = fc_graph_find(&g, "db");
	web = fc_graph_find(&g, "web");
	assert_true(g.rps[web] == 100);
	/* two kinds web -> api collapse into one edge */
	assert_int_equal(g.out_off[web + 1] - g.out_off[web], 1);
	assert_int_equal(g.out_to[g.out_off[web]], api);
	assert_int_equal(g.in_off[api + 1] - g.in_off[api], 2);
	assert_int_equal(g.in_from[g.in_off[api]], db);
	assert_int_equal(g.in_from[g.in_off[api] + 1], web);
	/* api <-> db is a cycle */
	assert_int_equal(g.ncomp, 2);
	assert_int_equal(g.comp[api], g.comp[db]);
	check_completion_order(&g);
	fc_graph_clear(&g);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_graph__acyclic_has_one_component_per_node),
		cmocka_unit_test(test_fc_graph__cycles_share_a_component),
		cmocka_unit_test(test_fc_graph__self_contained_cases),
		cmocka_unit_test(test_fc_graph__long_chain_does_not_recurse),
		cmocka_unit_test(test_fc_graph__scc_can_be_recomputed),
		cmocka_unit_test(test_fc_graph__find_by_name),
		cmocka_unit_test(test_fc_graph__load_from_a_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
