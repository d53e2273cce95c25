/* The router engine (fc_rengine.h): the jobs a run builds from the store,
 * and how a router's answers are judged (in sync, behind, newer). */
#include "fc_rengine.h"
#include "test_fc_router_common.h"

static void test_fc_rengine__a_job_per_replica_with_the_bound_flags(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[] = { "http://127.0.0.1:1", "http://127.0.0.1:2" };
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_rengine_run x;
	(void)state;

	sp.name = "web";
	sp.driver = "http";
	sp.replicas = reps;
	sp.nreplicas = 2;
	rt_router(u, &sp);
	rt_simple(u, "edge", "http", "http://127.0.0.1:3", NULL);
	rt_service(u, "alpha", 100, 0, 1, NULL);          /* every router */
	rt_service(u, "beta", 200, 1, 2, "[\"edge\"]");   /* edge only */
	assert_ok(fc_rengine_build(&x, fc_plan_store(u->p), &o, 0, 0));
	assert_int_equal(x.njobs, 3);
	for (size_t i = 0; i < x.njobs; i++) {
		const fc_router_job *j = &x.jobs[i];
		if (!strcmp(j->r->name, "web")) {
			assert_int_equal(j->nwant, 1);
			assert_string_equal(j->want[0].flag, "alpha");
		} else {
			assert_int_equal(j->nwant, 2);
		}
	}
	assert_non_null(fc_rengine_svc(&x, "beta"));
	assert_int_equal(fc_rengine_svc(&x, "beta")->bp, 200);
	assert_null(fc_rengine_svc(&x, "gamma"));
	fc_rengine_free(&x);
	/* an unknown router is named */
	o.router = "nope";
	assert_fc(fc_rengine_build(&x, fc_plan_store(u->p), &o, 1, 0), FC_ENOTFOUND);
	fc_rengine_free(&x);
	unit_plan_free(u);
}

static void test_fc_rengine__judging_a_push(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_router_result res;
	fc_rengine_run x;
	size_t cap = 0;
	(void)state;

	rt_simple(u, "web", "http", "http://127.0.0.1:1", NULL);
	rt_service(u, "alpha", 100, 0, 5, NULL);
	rt_service(u, "beta", 200, 0, 5, NULL);
	rt_service(u, "gamma", 300, 0, 5, NULL);
	assert_ok(fc_rengine_build(&x, fc_plan_store(u->p), &o, 0, 0));
	assert_int_equal(x.njobs, 1);
	/* what the router answered: alpha as wanted, beta behind, gamma newer */
	fc_router_job_seen(&x.jobs[0], "alpha", 100, 0, 5);
	fc_router_job_seen(&x.jobs[0], "beta", 0, 0, 4);
	fc_router_job_seen(&x.jobs[0], "gamma", 9000, 0, 77);
	x.jobs[0].seen_valid = 1;
	memset(&res, 0, sizeof(res));
	fc_rengine_judge_push(&x, &x.jobs[0], &res, &cap, 1790000000);
	assert_int_equal(res.nflags, 3);
	assert_string_equal(rt_find(&res, "web", "http://127.0.0.1:1", "alpha")->state, "synced");
	assert_string_equal(rt_find(&res, "web", "http://127.0.0.1:1", "beta")->state, "pending");
	assert_string_equal(rt_find(&res, "web", "http://127.0.0.1:1", "gamma")->state, "newer");
	assert_contains(rt_find(&res, "web", "http://127.0.0.1:1", "gamma")->error, "--take-over gamma");
	fc_rstate_result_clear(&res);
	fc_rengine_free(&x);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_rengine__a_job_per_replica_with_the_bound_flags),
		cmocka_unit_test(test_fc_rengine__judging_a_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
