/* fc_suggest: "did you mean" over a list of names. */
#include "fc_suggest.h"
#include "unit.h"

static const char *const verbs[] = { "init", "domain", "dep", "map", "order", "service", "status", "promote",
				     "rollback", "shadow", "check", "tenant", "sync", "log", "dash", "router",
				     "doctor", "rebuild", "verify", "help", "version" };
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static void test_fc_suggest__distance_counts_swaps_once(void **state)
{
	(void)state;
	assert_int_equal(fc_suggest_distance("promote", "promote"), 0);
	assert_int_equal(fc_suggest_distance("promot", "promote"), 1);
	assert_int_equal(fc_suggest_distance("porm", "prom"), 1);
	assert_int_equal(fc_suggest_distance("trakcing", "tracking"), 1);
	assert_int_equal(fc_suggest_distance("", "abc"), 3);
	assert_int_equal(fc_suggest_distance("Status", "status"), 0);
}

static void test_fc_suggest__close_names_only(void **state)
{
	const char *out[FC_SUGGEST_MAX];
	(void)state;

	assert_int_equal(fc_suggest(out, 3, "promot", verbs, NVERBS), 1);
	assert_string_equal(out[0], "promote");
	assert_int_equal(fc_suggest(out, 3, "rolback", verbs, NVERBS), 1);
	assert_string_equal(out[0], "rollback");
	/* nothing close, an exact name, an empty word: nothing */
	assert_int_equal(fc_suggest(out, 3, "frobnicate", verbs, NVERBS), 0);
	assert_int_equal(fc_suggest(out, 3, "status", verbs, NVERBS), 0);
	assert_int_equal(fc_suggest(out, 3, "", verbs, NVERBS), 0);
	/* a short word is allowed one edit only */
	assert_int_equal(fc_suggest(out, 3, "xy", verbs, NVERBS), 0);
	/* ties in name order, at most the number asked for */
	assert_int_equal(fc_suggest(out, 3, "dap", verbs, NVERBS), 2);
	assert_string_equal(out[0], "dep");
	assert_string_equal(out[1], "map");
	assert_int_equal(fc_suggest(out, 1, "dap", verbs, NVERBS), 1);
}

static void test_fc_suggest__hint_reads_as_a_question(void **state)
{
	static const char *const opts[] = { "dry-run", "json", "route", "router" };
	char *h;
	(void)state;

	h = fc_suggest_hint("dryrun", opts, 4, "--");
	assert_string_equal(h, "; did you mean '--dry-run'?");
	free(h);
	h = fc_suggest_hint("routers", opts, 4, "--");
	assert_string_equal(h, "; did you mean '--router' or '--route'?");
	free(h);
	h = fc_suggest_hint("zzzzzz", opts, 4, NULL);
	assert_string_equal(h, "");
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_suggest__distance_counts_swaps_once),
		cmocka_unit_test(test_fc_suggest__close_names_only),
		cmocka_unit_test(test_fc_suggest__hint_reads_as_a_question),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
