/* Taking a flag back from a router that holds a newer revision
 * (fc_takeover.h), against a loopback router of protocol v1. */
#include "fc_takeover.h"
#include "test_fc_router_common.h"

static void test_fc_takeover__pushes_above_the_routers_revision_as_one_commit(void **state)
{
	lb_config cfg = { .mode = LB_V1, .seed = "tracking=5000,0,99" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_outcome o = { 0 };
	fc_commit_info c;
	int commits;
	char *log;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 4, NULL);
	commits = unit_commits(u->p);
	assert_ok(fc_router_take_over(u->p, "tracking", &u->w, &o));
	assert_false(o.noop);
	assert_int_equal(unit_commits(u->p), commits + 1);
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &c));
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Action"), "take-over");
	assert_contains(fc_commit_trailer(&c, "Ficus-From"), "a router holds revision 99");
	assert_contains(fc_commit_trailer(&c, "Ficus-To"), "revision 100 at 10%");
	fc_commit_info_clear(&c);
	/* the plan's own value went out, above the router's revision */
	log = lb_log(&s);
	assert_contains(log, "PUT /v1/flags/tracking");
	assert_contains(log, "\"rev\":100");
	assert_contains(log, "\"bp\":1000");
	free(log);
	fc_outcome_clear(&o);
	/* nothing newer left: nothing to take over, no commit */
	assert_ok(fc_router_take_over(u->p, "tracking", &u->w, &o));
	assert_true(o.noop);
	assert_contains(o.note, "nothing to take over");
	assert_int_equal(unit_commits(u->p), commits + 1);
	fc_outcome_clear(&o);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_takeover__an_unreadable_replica_changes_nothing(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_outcome o = { 0 };
	char url[64];
	int commits;
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", lb_dead_port());
	rt_simple(u, "web", "http", url, "1s");
	rt_service(u, "tracking", 1000, 0, 4, NULL);
	commits = unit_commits(u->p);
	assert_fc(fc_router_take_over(u->p, "tracking", &u->w, &o), FC_ESYNC);
	assert_contains(fc_error_last(), "could not be read");
	assert_int_equal(unit_commits(u->p), commits);
	fc_outcome_clear(&o);
	/* a name that is no flag of the plan */
	assert_fc(fc_router_take_over(u->p, "Bad Name", &u->w, &o), FC_EINVAL);
	fc_outcome_clear(&o);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_takeover__pushes_above_the_routers_revision_as_one_commit),
		cmocka_unit_test(test_fc_takeover__an_unreadable_replica_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
