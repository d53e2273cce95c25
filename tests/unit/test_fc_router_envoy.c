/*
 * The envoy driver against a loopback Envoy admin API: the exact
 * runtime_modify request, the read-back from /runtime, drift.
 */
#include "test_fc_router_common.h"

static void add_envoy(unit_plan *u, const char *replica, const char *prefix)
{
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[] = { replica };
	sp.name = "mesh";
	sp.driver = "envoy";
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.prefix = prefix;
	rt_router(u, &sp);
}

static void test_fc_router_envoy__push_sends_the_exact_request(void **state)
{
	lb_config cfg = { .mode = LB_ENVOY, .seed = "other.key=1" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	char *log, *want;
	const fc_router_flag_state *f;
	(void)state;

	lb_start(&s, &cfg);
	add_envoy(u, s.url, NULL);
	rt_service(u, "tracking", 1000, 1, 3, NULL);
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	f = rt_find(&r, "mesh", s.url, "tracking");
	assert_string_equal(f->state, "synced");
	assert_int_equal(f->seen_bp, 1000);
	assert_int_equal(f->seen_shadow, 1);
	assert_int_equal(f->seen_rev, 3);
	fc_rstate_result_clear(&r);
	log = lb_log(&s);
	want = fc_asprintf("POST /runtime_modify?ficus.bp.tracking=1000&ficus.shadow.tracking=10000"
			   "&ficus.rev.tracking=3 HTTP/1.1\nHost: 127.0.0.1:%d\n", s.port);
	assert_contains(log, want);
	free(want);
	assert_contains(log, "Content-Length: 0\n");
	assert_not_contains(log, "Content-Type");
	assert_contains(log, "GET /runtime HTTP/1.1\n");
	free(log);
	assert_int_equal(lb_count(&s, "POST "), 1);
	assert_int_equal(lb_count(&s, "GET "), 1);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_envoy__prefix_and_many_flags(void **state)
{
	lb_config cfg = { .mode = LB_ENVOY };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	(void)state;

	lb_start(&s, &cfg);
	add_envoy(u, s.url, "edge.flags.");
	for (int i = 0; i < 45; i++) {
		char name[8];
		snprintf(name, sizeof(name), "f%02d", i);
		rt_service(u, name, i * 100, 0, i, NULL);
	}
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	assert_int_equal(r.replicas[0].nsynced, 45);
	fc_rstate_result_clear(&r);
	assert_int_equal(lb_count(&s, "POST /runtime_modify?edge.flags.bp.f00=0&"), 1);
	assert_int_equal(lb_count(&s, "POST /runtime_modify?edge.flags.bp.f30=3000&"), 1); /* 30 per request */
	assert_int_equal(lb_count(&s, "POST "), 2);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_envoy__verify_drift_and_faults(void **state)
{
	lb_config cfg = { .mode = LB_ENVOY, .seed = "ficus.bp.tracking=500;ficus.shadow.tracking=0;ficus.rev.tracking=9" };
	lb_config nf = { .mode = LB_STATUS, .status = 404, .body = "invalid path" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	(void)state;

	lb_start(&s, &cfg);
	add_envoy(u, s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 3, NULL);
	rt_service(u, "auth", 100, 0, 1, NULL);
	rt_service(u, "idle", 0, 0, 1, NULL);
	assert_fc(fc_rreport_verify(u->p, NULL, &r), FC_EDRIFT);
	assert_string_equal(rt_find(&r, "mesh", s.url, "idle")->state, "synced");
	/* Envoy keeps no revision: rev 9 there does not make it newer */
	assert_string_equal(rt_find(&r, "mesh", s.url, "tracking")->error, "the router has 5%, the plan 10%");
	assert_string_equal(rt_find(&r, "mesh", s.url, "auth")->error, "missing on the router");
	fc_rstate_result_clear(&r);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);

	u = unit_plan_new();
	lb_start(&s, &nf);
	add_envoy(u, s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 3, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "404 Not Found for POST /runtime_modify: is 'http://127.0.0.1:");
	assert_contains(fc_error_last(), "Envoy's admin address?");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_envoy__odd_runtime_values(void **state)
{
	static const struct {
		const char *body;
		int bp;
		long long rev;
		const char *error;  /* NULL: read as bp/rev */
	} cases[] = {
		/* a number instead of Envoy's string; a negative rev is no rev */
		{ "{\"entries\":{\"ficus.bp.tracking\":{\"final_value\":1000},"
		  "\"ficus.rev.tracking\":{\"final_value\":\"-4\"}}}", 1000, -1, NULL },
		/* too large for any integer: refused, never converted */
		{ "{\"entries\":{\"ficus.bp.tracking\":{\"final_value\":1e300}}}", 0, 0,
		  "runtime key 'ficus.bp.tracking' is not a number 0..10000" },
		{ "{\"entries\":{\"ficus.bp.tracking\":{\"final_value\":\"1000\"},"
		  "\"ficus.rev.tracking\":{\"final_value\":-1e300}}}", 1000, -1, NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lb_config cfg = { .mode = LB_STATUS, .status = 200, .body = cases[i].body };
		lb_server s;
		unit_plan *u = unit_plan_new();
		fc_router_result r;
		const fc_router_flag_state *f;
		lb_start(&s, &cfg);
		add_envoy(u, s.url, NULL);
		rt_service(u, "tracking", 1000, 0, 3, NULL);
		fc_rreport_verify(u->p, NULL, &r);
		f = rt_find(&r, "mesh", s.url, "tracking");
		assert_non_null(f);
		if (cases[i].error) {
			assert_contains(f->error, cases[i].error);
		} else {
			assert_string_equal(f->state, "synced");
			assert_int_equal(f->seen_bp, cases[i].bp);
			assert_int_equal(f->seen_rev, cases[i].rev);
		}
		fc_rstate_result_clear(&r);
		lb_stop(&s);
		unit_plan_free(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router_envoy__push_sends_the_exact_request),
		cmocka_unit_test(test_fc_router_envoy__prefix_and_many_flags),
		cmocka_unit_test(test_fc_router_envoy__verify_drift_and_faults),
		cmocka_unit_test(test_fc_router_envoy__odd_runtime_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
