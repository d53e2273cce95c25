/* fc_compare: the shadow compare configuration's three forms, and the counts of the 'shadow' check. */
#include "fc_compare.h"
#include "fc_json.h"
#include "unit.h"

static void test_fc_compare__ignore_sorted_without_duplicates(void **state)
{
	fc_compare c = { 0 };
	(void)state;
	assert_int_equal(fc_compare_parse_ignore(&c, "updated_at,ts,ts,request-id"), 0);
	assert_int_equal(c.nignore, 3);
	assert_string_equal(c.ignore[0], "request-id");
	assert_string_equal(c.ignore[1], "ts");
	assert_string_equal(c.ignore[2], "updated_at");
	assert_int_equal(fc_compare_parse_ignore(&c, ""), 0);
	assert_int_equal(c.nignore, 0);
	fc_compare_clear(&c);
}

static void test_fc_compare__ignore_refuses_bad_fields(void **state)
{
	static const char *bad[] = { "a b", "x,", ",x", "x,,y", "a.b", "é", "x\n", NULL };
	char many[400] = "", long_name[80];
	fc_compare c = { 0 };
	(void)state;
	for (int i = 0; bad[i]; i++) {
		fc_error_clear();
		if (fc_compare_parse_ignore(&c, bad[i]) != FC_EINVAL)
			fail_msg("--ignore '%s' accepted", bad[i]);
		assert_int_equal(c.nignore, 0);
	}
	for (int i = 0; i < 33; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sf%d", i ? "," : "", i);
	assert_int_equal(fc_compare_parse_ignore(&c, many), FC_EINVAL);
	assert_contains(fc_error_last(), "at most 32");
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_int_equal(fc_compare_parse_ignore(&c, long_name), FC_EINVAL);
	long_name[64] = '\0';
	assert_int_equal(fc_compare_parse_ignore(&c, long_name), 0);
	fc_compare_clear(&c);
}

static void test_fc_compare__wire_and_file_round_trip(void **state)
{
	fc_compare c = { 0 }, w, f;
	char *wire;
	cJSON *file;
	(void)state;
	assert_null(fc_compare_wire(&c)); /* off */
	assert_null(fc_compare_to_file(&c));
	c.sample_bp = 1050;
	c.since = 1790000000;
	assert_int_equal(fc_compare_parse_ignore(&c, "ts,eta"), 0);
	wire = fc_compare_wire(&c);
	assert_string_equal(wire, "{\"ignore\":[\"eta\",\"ts\"],\"sample\":1050,\"since\":1790000000}");
	assert_int_equal(fc_compare_from_wire(&w, wire), 0);
	assert_true(fc_compare_same(&c, &w));
	assert_int_equal(w.since, c.since);
	file = fc_compare_to_file(&c);
	assert_string_equal(cJSON_GetObjectItem(file, "sample")->valuestring, "10.5%");
	assert_string_equal(cJSON_GetObjectItem(file, "since")->valuestring, "2026-09-21T14:13:20Z");
	assert_int_equal(fc_compare_from_file(&f, file, "test"), 0);
	assert_true(fc_compare_same(&c, &f));
	assert_int_equal(f.since, c.since);
	fc_compare_clear(&w);
	assert_int_equal(fc_compare_from_wire(&w, ""), 0); /* off */
	assert_int_equal(w.sample_bp, 0);
	free(wire);
	cJSON_Delete(file);
	fc_compare_clear(&c);
	fc_compare_clear(&f);
}

static void test_fc_compare__file_refuses_what_a_router_would(void **state)
{
	static const char *bad[] = {
		"{\"sample\":\"0%\",\"since\":\"2026-09-21T14:13:20Z\"}",
		"{\"sample\":\"101%\",\"since\":\"2026-09-21T14:13:20Z\"}",
		"{\"sample\":1000,\"since\":\"2026-09-21T14:13:20Z\"}",
		"{\"sample\":\"10%\"}",
		"{\"sample\":\"10%\",\"since\":\"yesterday\"}",
		"{\"sample\":\"10%\",\"since\":\"2026-09-21T14:13:20Z\",\"ignore\":\"ts\"}",
		"{\"sample\":\"10%\",\"since\":\"2026-09-21T14:13:20Z\",\"ignore\":[\"a b\"]}",
		"{\"sample\":\"10%\",\"since\":\"2026-09-21T14:13:20Z\",\"ignroe\":[]}",
		"[]",
		NULL
	};
	(void)state;
	for (int i = 0; bad[i]; i++) {
		cJSON *o = cJSON_Parse(bad[i]);
		fc_compare c;
		if (fc_compare_from_file(&c, o, "test") != FC_EPARSE)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(c.sample_bp, 0);
		cJSON_Delete(o);
	}
}

static void test_fc_compare__counts_format_and_parse(void **state)
{
	fc_compare_counts k = { 10000, 9992, 8, 3 }, back;
	fc_buf b = FC_BUF_INIT;
	(void)state;
	fc_compare_counts_format(&b, &k);
	assert_string_equal(b.ptr, "mismatch 0.08% (8/10000 compared, 3 not compared)");
	fc_buf_puts(&b, " <= 0.1%; e.g. /x: status 200\xe2\x89\xa0" "500");
	assert_int_equal(fc_compare_counts_parse(&back, b.ptr), 0);
	assert_int_equal(back.compared, 10000);
	assert_int_equal(back.mismatched, 8);
	assert_int_equal(back.matched, 9992);
	assert_int_equal(back.not_compared, 3);
	assert_int_equal(fc_compare_counts_parse(&back, "looks fine"), -1);
	assert_int_equal(fc_compare_counts_parse(&back, "mismatch 1% (9/5 compared, 0 not compared)"), -1);
	assert_int_equal(fc_compare_counts_parse(&back, "mismatch 1% (-1/5 compared, 0 not compared)"), -1);
	assert_int_equal(fc_compare_counts_parse(&back, NULL), -1);
	k.compared = 0;
	k.mismatched = 0;
	assert_true(fc_compare_rate(&k) == 0.0);
	fc_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_compare__ignore_sorted_without_duplicates),
		cmocka_unit_test(test_fc_compare__ignore_refuses_bad_fields),
		cmocka_unit_test(test_fc_compare__wire_and_file_round_trip),
		cmocka_unit_test(test_fc_compare__file_refuses_what_a_router_would),
		cmocka_unit_test(test_fc_compare__counts_format_and_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
