/* Analysis checks against a loopback Prometheus (tests/unit/loopback.h):
 * the query that goes out, pass, fail, no data, and errors that never
 * carry a secret. */
#include <math.h>

#include "fc_analysis.h"
#include "unit.h"
#include "loopback.h"

#define VECTOR(v) "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" \
	"{\"metric\":{\"flag\":\"tracking\"},\"value\":[1790000000,\"" v "\"]}]}}"

static fc_analysis_spec spec(const char *url)
{
	fc_analysis_spec s = { "error_rate", url,
			       "ficus:error_rate:ratio_rate1m{flag=\"{{flag}}\",side=\"new\"}[{{step_since}}]",
			       0, 1, 0, 0.01, NULL, NULL, 1, 3000 };
	return s;
}

static const fc_prom_vars vars = { "tracking", "tracking", "/api/tracking", 3600 };

static void run_one(fc_analysis_result *r, const lb_config *cfg, fc_analysis_spec *s, char **log)
{
	lb_server srv;
	lb_start(&srv, cfg);
	s->url = srv.url;
	assert_ok(fc_analysis_run(r, s, &vars, 1));
	if (log)
		*log = lb_log(&srv);
	lb_stop(&srv);
}

static void test_fc_analysis__pass_names_value_and_bound(void **state)
{
	lb_config cfg = { .mode = LB_STATUS, .status = 200, .body = VECTOR("0.0031") };
	fc_analysis_spec s = spec(NULL);
	fc_analysis_result r;
	char *log = NULL;
	(void)state;
	run_one(&r, &cfg, &s, &log);
	assert_int_equal(r.outcome, FC_ANALYSIS_PASS);
	assert_string_equal(r.detail, "error_rate=0.0031 <= 0.01");
	assert_string_equal(r.query, "ficus:error_rate:ratio_rate1m{flag=\"tracking\",side=\"new\"}[3600s]");
	/* the resolved query went out form-encoded on /api/v1/query */
	assert_contains(log, "GET /api/v1/query?query=ficus%3Aerror_rate%3Aratio_rate1m%7Bflag%3D%22tracking%22");
	free(log);
	fc_analysis_result_clear(&r);
}

static void test_fc_analysis__fail_and_bounds(void **state)
{
	lb_config cfg = { .mode = LB_STATUS, .status = 200, .body = VECTOR("0.05") };
	fc_analysis_spec s = spec(NULL);
	fc_analysis_result r;
	(void)state;
	run_one(&r, &cfg, &s, NULL);
	assert_int_equal(r.outcome, FC_ANALYSIS_FAIL);
	assert_string_equal(r.detail, "error_rate=0.05 > 0.01");
	assert_true(r.has_value && fabs(r.value - 0.05) < 1e-12);
	fc_analysis_result_clear(&r);
	/* a lower bound: throughput must stay above 100 */
	s.name = "throughput";
	s.has_min = 1;
	s.min = 100;
	s.has_max = 0;
	run_one(&r, &cfg, &s, NULL);
	assert_int_equal(r.outcome, FC_ANALYSIS_FAIL);
	assert_string_equal(r.detail, "throughput=0.05 < 100");
	fc_analysis_result_clear(&r);
}

static void test_fc_analysis__no_data_holds(void **state)
{
	lb_config cfg = { .mode = LB_STATUS, .status = 200,
			  .body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}" };
	fc_analysis_spec s = spec(NULL);
	fc_analysis_result r;
	(void)state;
	run_one(&r, &cfg, &s, NULL);
	assert_int_equal(r.outcome, FC_ANALYSIS_NO_DATA);
	assert_string_equal(fc_analysis_outcome_name(r.outcome), "no-data");
	assert_contains(r.detail, "no data (the query matched no series)");
	fc_analysis_result_clear(&r);
}

static void test_fc_analysis__errors_are_results_without_secrets(void **state)
{
	lb_config bad = { .mode = LB_STATUS, .status = 400,
			  .body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"token s3cr3t-T0K is wrong\"}" };
	lb_config hang = { .mode = LB_HANG };
	fc_analysis_spec s = spec(NULL);
	fc_analysis_result r;
	char *log = NULL;
	(void)state;
	s.token = "s3cr3t-T0K";
	run_one(&r, &bad, &s, &log);
	assert_int_equal(r.outcome, FC_ANALYSIS_ERROR);
	assert_contains(r.detail, "prometheus answered 400 bad_data");
	assert_null(strstr(r.detail, "s3cr3t-T0K"));
	assert_null(strstr(r.detail, "S3CR3T-T0K"));
	/* the token went in the Authorization header only */
	assert_contains(log, "Authorization: Bearer s3cr3t-T0K");
	free(log);
	fc_analysis_result_clear(&r);
	/* a Prometheus that never answers: an error within the timeout */
	s.token = NULL;
	s.timeout_ms = 400;
	run_one(&r, &hang, &s, NULL);
	assert_int_equal(r.outcome, FC_ANALYSIS_ERROR);
	assert_contains(r.detail, "prometheus could not be asked");
	fc_analysis_result_clear(&r);
	/* nobody listening */
	{
		char url[64];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", lb_dead_port());
		s.url = url;
		assert_ok(fc_analysis_run(&r, &s, &vars, 1));
		assert_int_equal(r.outcome, FC_ANALYSIS_ERROR);
		fc_analysis_result_clear(&r);
	}
}

static void test_fc_analysis__bad_spec_evaluates_nothing(void **state)
{
	fc_analysis_spec s = spec("ftp://127.0.0.1:1");
	fc_analysis_result r;
	(void)state;
	assert_fc(fc_analysis_run(&r, &s, &vars, 1), FC_EINVAL);
	assert_null(r.query);
	s.url = "http://127.0.0.1:1";
	s.query = "x{a=\"{{tenant}}\"}";
	assert_fc(fc_analysis_run(&r, &s, &vars, 1), FC_EINVAL);
	assert_contains(fc_error_last(), "check 'error_rate'");
}

static void test_fc_analysis__a_thousand_at_once(void **state)
{
	lb_config cfg = { .mode = LB_STATUS, .status = 200, .body = VECTOR("0.001") };
	enum { N = 1000 };
	fc_analysis_spec *s = calloc(N, sizeof(*s));
	fc_prom_vars *v = calloc(N, sizeof(*v));
	fc_analysis_result *r = calloc(N, sizeof(*r));
	lb_server srv;
	(void)state;
	lb_start(&srv, &cfg);
	for (int i = 0; i < N; i++) {
		s[i] = spec(srv.url);
		s[i].timeout_ms = 60000; /* a burst of a thousand connections under valgrind */
		v[i] = vars;
	}
	assert_ok(fc_analysis_run(r, s, v, N));
	for (int i = 0; i < N; i++) {
		if (r[i].outcome != FC_ANALYSIS_PASS)
			fail_msg("check %d: %s", i, r[i].detail);
		fc_analysis_result_clear(&r[i]);
	}
	assert_int_equal(lb_count(&srv, "GET /api/v1/query"), N);
	lb_stop(&srv);
	free(s);
	free(v);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_analysis__pass_names_value_and_bound),
		cmocka_unit_test(test_fc_analysis__fail_and_bounds),
		cmocka_unit_test(test_fc_analysis__no_data_holds),
		cmocka_unit_test(test_fc_analysis__errors_are_results_without_secrets),
		cmocka_unit_test(test_fc_analysis__bad_spec_evaluates_nothing),
		cmocka_unit_test(test_fc_analysis__a_thousand_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
