/* The Prometheus answer parser and the query variables (fc_prom.h),
 * against canned answers of the HTTP API (/api/v1/query). */
#include <math.h>

#include "fc_prom.h"
#include "unit.h"

static int parse(fc_prom_answer *a, long status, const char *body)
{
	return fc_prom_parse(a, status, body, strlen(body));
}

static void test_fc_prom__vector_first_sample(void **state)
{
	fc_prom_answer a;
	(void)state;
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
			"{\"metric\":{\"flag\":\"tracking\",\"side\":\"new\"},\"value\":[1790000000.123,\"0.0031\"]},"
			"{\"metric\":{\"flag\":\"tracking\",\"side\":\"monolith\"},\"value\":[1790000000.123,\"0.5\"]}]}}"));
	assert_int_equal(a.has_value, 1);
	assert_true(fabs(a.value - 0.0031) < 1e-12);
	assert_int_equal(a.nseries, 2);
	assert_string_equal(a.series, "{flag=\"tracking\",side=\"new\"}");
}

static void test_fc_prom__scalar(void **state)
{
	fc_prom_answer a;
	(void)state;
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1790000000,\"42\"]}}"));
	assert_int_equal(a.has_value, 1);
	assert_true(a.value == 42.0);
	assert_string_equal(a.series, "");
}

static void test_fc_prom__empty_and_nan_are_no_data(void **state)
{
	fc_prom_answer a;
	(void)state;
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"));
	assert_int_equal(a.has_value, 0);
	assert_int_equal(a.nseries, 0);
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
			"{\"metric\":{},\"value\":[1,\"NaN\"]}]}}"));
	assert_int_equal(a.has_value, 0);
	assert_int_equal(a.nseries, 1);
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"NaN\"]}}"));
	assert_int_equal(a.has_value, 0);
}

static void test_fc_prom__infinities_are_values(void **state)
{
	fc_prom_answer a;
	(void)state;
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
			"{\"metric\":{},\"value\":[1,\"+Inf\"]}]}}"));
	assert_int_equal(a.has_value, 1);
	assert_true(isinf(a.value) && a.value > 0);
	assert_ok(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"-Inf\"]}}"));
	assert_true(isinf(a.value) && a.value < 0);
}

static void test_fc_prom__matrix_and_string_refused(void **state)
{
	fc_prom_answer a;
	(void)state;
	assert_fc(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
			  "{\"metric\":{},\"values\":[[1,\"1\"],[2,\"2\"]]}]}}"), FC_EPARSE);
	assert_contains(fc_error_last(), "matrix, not an instant vector or a scalar");
	assert_fc(parse(&a, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"x\"]}}"),
		  FC_EPARSE);
	assert_int_equal(a.has_value, 0);
}

static void test_fc_prom__error_envelopes(void **state)
{
	fc_prom_answer a;
	(void)state;
	/* a bad query: 400 with the envelope */
	assert_fc(parse(&a, 400, "{\"status\":\"error\",\"errorType\":\"bad_data\","
			  "\"error\":\"1:5: parse error: unexpected \\\"}\\\"\"}"), FC_ERROR);
	assert_contains(fc_error_last(), "prometheus answered 400 bad_data: 1:5: parse error");
	/* 422: the query could not run */
	assert_fc(parse(&a, 422, "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query timed out\"}"),
		  FC_ERROR);
	assert_contains(fc_error_last(), "422 execution: query timed out");
	/* 503 from a proxy, not Prometheus */
	assert_fc(parse(&a, 503, "<html>Service Unavailable</html>"), FC_ERROR);
	assert_contains(fc_error_last(), "HTTP 503 without a Prometheus answer");
	/* status error with 200 */
	assert_fc(parse(&a, 200, "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"boom\"}"), FC_ERROR);
	/* control characters in an error never reach a message */
	assert_fc(parse(&a, 400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"a\\u001b[31mb\\nc\"}"),
		  FC_ERROR);
	assert_null(strchr(fc_error_last(), 0x1b));
	assert_null(strchr(fc_error_last(), '\n'));
}

static void test_fc_prom__garbage(void **state)
{
	static const char *const bodies[] = {
		"", "not json", "[]", "{}", "{\"status\":\"success\"}", "{\"status\":\"success\",\"data\":{}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[1]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,2]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"12abc\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[\"1\",\"2\"]}}",
		"{\"status\":7}",
	};
	fc_prom_answer a;
	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		int rc = parse(&a, 200, bodies[i]);
		if (rc != FC_EPARSE)
			fail_msg("body %zu (%s): %d, expected FC_EPARSE", i, bodies[i], rc);
		assert_int_equal(a.has_value, 0);
	}
}

static void test_fc_prom__huge_answer_refused_unread(void **state)
{
	fc_prom_answer a;
	(void)state;
	/* 1 GB is refused by its length alone: the parser never reads it */
	assert_fc(fc_prom_parse(&a, 200, "{", (size_t)1 << 30), FC_ELIMIT);
	assert_contains(fc_error_last(), "larger than");
}

static void test_fc_prom__expand_variables(void **state)
{
	fc_prom_vars v = { "tracking", "tracking-flag", "/api/tracking", 7200 };
	char *q = NULL;
	(void)state;
	assert_ok(fc_prom_expand(&q, "sum(rate(x{flag=\"{{flag}}\",svc=\"{{service}}\",route=\"{{route}}\"}[{{step_since}}]))",
				 &v));
	assert_string_equal(q, "sum(rate(x{flag=\"tracking-flag\",svc=\"tracking\",route=\"/api/tracking\"}[7200s]))");
	free(q);
	assert_ok(fc_prom_expand(&q, "up", &v));
	assert_string_equal(q, "up");
	free(q);
	assert_fc(fc_prom_expand(&q, "x{a=\"{{tenant}}\"}", &v), FC_EINVAL);
	assert_contains(fc_error_last(), "'{{tenant}}'");
	assert_null(q);
	assert_fc(fc_prom_expand(&q, "x{{flag", &v), FC_EINVAL);
	/* a step that began this very second still gives a valid duration */
	v.step_since_s = 0;
	assert_ok(fc_prom_expand(&q, "[{{step_since}}]", &v));
	assert_string_equal(q, "[1s]");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_prom__vector_first_sample),
		cmocka_unit_test(test_fc_prom__scalar),
		cmocka_unit_test(test_fc_prom__empty_and_nan_are_no_data),
		cmocka_unit_test(test_fc_prom__infinities_are_values),
		cmocka_unit_test(test_fc_prom__matrix_and_string_refused),
		cmocka_unit_test(test_fc_prom__error_envelopes),
		cmocka_unit_test(test_fc_prom__garbage),
		cmocka_unit_test(test_fc_prom__huge_answer_refused_unread),
		cmocka_unit_test(test_fc_prom__expand_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
