/* fc_router_none: the embedded default records decisions and pushes nothing. */
#include "unit.h"

#include "fc_life.h"
#include "fc_map.h"
#include "fc_router.h"
#include "fc_service.h"

static void test_fc_router_none__caps(void **state)
{
	fc_router_caps caps;
	const char *summary = NULL;
	(void)state;
	assert_ok(fc_rconf_driver_info("none", &caps, &summary));
	assert_int_equal(caps.pushes, 0);
	assert_int_equal(caps.revisions, 0);
	assert_contains(summary, "pushes nothing");
	assert_fc(fc_rconf_driver_info("nosuch", &caps, &summary), FC_ENOTFOUND);
}

static void test_fc_router_none__changes_without_routers_are_applied(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_domain_edit d = FC_DOMAIN_EDIT_INIT;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	fc_router_result res;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_outcome out = { 0 };
	(void)state;

	assert_ok(fc_domain_add(u->p, "tracking", &d, &u->w, &out));
	fc_outcome_clear(&out);
	e.domains = "tracking";
	e.route = "/api/tracking";
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &out));
	fc_outcome_clear(&out);
	/* a flag change with no router configured: committed and done, exit 0 */
	assert_ok(fc_promote(u->p, "tracking", NULL, &u->w, NULL, &out));
	assert_int_equal(out.router_status, 0);
	fc_outcome_clear(&out);
	memset(&res, 0, sizeof(res));
	assert_ok(fc_reconcile_sync(u->p, &o, &res));
	assert_true(res.none);
	assert_int_equal(res.nreplicas, 0);
	fc_rstate_result_clear(&res);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router_none__caps),
		cmocka_unit_test(test_fc_router_none__changes_without_routers_are_applied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
