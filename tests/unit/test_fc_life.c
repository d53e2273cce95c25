/* fc_life: promote, rollback, shadow and checks through the change
 * pipeline, with an injected clock. */
#include "unit.h"

#include "fc_life.h"
#include "fc_map.h"
#include "fc_service.h"

#define DAY 86400

static int setup(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_domain_edit d = FC_DOMAIN_EDIT_INIT;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	const char *gates[] = { "reconcile_passes=1" };
	fc_outcome o = { 0 };

	d.rps = "1000";
	assert_ok(fc_domain_add(u->p, "tracking", &d, &u->w, &o));
	fc_outcome_clear(&o);
	e.domains = "tracking";
	e.route = "/api/tracking";
	e.gates = gates;
	e.ngates = 1;
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

static void state_is(unit_plan *u, fc_phase phase, int bp)
{
	fc_service s;
	assert_ok(fc_service_get(u->p, "tracking", &s));
	assert_int_equal(s.phase, phase);
	assert_int_equal(s.bp, bp);
	fc_service_clear(&s);
}

static void promote_ok(unit_plan *u, const char *to)
{
	fc_outcome o = { 0 };
	fc_step st;
	if (fc_promote(u->p, "tracking", to, &u->w, &st, &o) < 0)
		fail_msg("promote: %s", fc_error_last());
	fc_step_clear(&st);
	fc_outcome_clear(&o);
}

static void test_fc_life__walk_and_gate_refusal(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_step st;
	int before;

	promote_ok(u, NULL);
	state_is(u, FC_PHASE_DUAL_WRITE, 0);
	before = unit_commits(u->p);
	assert_fc(fc_promote(u->p, "tracking", NULL, &u->w, &st, &o), FC_EGATE);
	assert_contains(fc_error_last(), "dual_write_min");
	assert_false(st.open);
	fc_step_clear(&st);
	assert_int_equal(unit_commits(u->p), before); /* refused: no commit */
	unit_clock_at(UNIT_NOW + 14 * DAY);
	promote_ok(u, NULL);
	state_is(u, FC_PHASE_BACKFILL, 0);
	assert_ok(fc_check_record(u->p, "tracking", "reconcile", 1, "ok", &u->w, &o));
	fc_outcome_clear(&o);
	promote_ok(u, NULL);
	state_is(u, FC_PHASE_READ_CUTOVER, 100);
}

static void test_fc_life__force_records_closed_gates(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_write_opts w = u->w;

	promote_ok(u, NULL);
	w.force = 1;
	w.reason = "history copied by the nightly job";
	assert_ok(fc_promote(u->p, "tracking", NULL, &w, NULL, &o));
	assert_contains(o.message, "Ficus-Forced: yes (closed: dual_write_min)");
	assert_contains(o.message, "history copied by the nightly job");
	fc_outcome_clear(&o);
}

static void test_fc_life__expect_is_compare_and_swap(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_write_opts w = u->w;
	int before = unit_commits(u->p);

	w.expect = "backfill";
	assert_fc(fc_promote(u->p, "tracking", NULL, &w, NULL, &o), FC_ECONFLICT);
	assert_contains(fc_error_last(), "not backfill as expected");
	assert_int_equal(unit_commits(u->p), before);
	w.expect = "planned";
	assert_ok(fc_promote(u->p, "tracking", NULL, &w, NULL, &o));
	fc_outcome_clear(&o);
	w.expect = "nonsense";
	assert_fc(fc_rollback(u->p, "tracking", NULL, &w, &o), FC_EINVAL);
}

static void test_fc_life__rollback_never_gated(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_write_opts w = u->w;

	w.force = 1;
	w.reason = "test";
	for (int i = 0; i < 5; i++) {
		assert_ok(fc_promote(u->p, "tracking", NULL, &w, NULL, &o));
		fc_outcome_clear(&o);
	}
	state_is(u, FC_PHASE_READ_CUTOVER, 5000);
	assert_ok(fc_check_record(u->p, "tracking", "reconcile", 0, "rows differ", &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_rollback(u->p, "tracking", NULL, &u->w, &o));
	assert_contains(o.message, "Ficus-Gates: none (rollback is never gated)");
	fc_outcome_clear(&o);
	state_is(u, FC_PHASE_READ_CUTOVER, 0);
	promote_ok(u, NULL); /* resumes at the first step */
	state_is(u, FC_PHASE_READ_CUTOVER, 100);
	assert_ok(fc_rollback(u->p, "tracking", "backfill", &u->w, &o));
	fc_outcome_clear(&o);
	state_is(u, FC_PHASE_BACKFILL, 0);
}

static void test_fc_life__shadow_only_before_cutover(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_service s;

	assert_fc(fc_shadow(u->p, "tracking", 1, &u->w, &o), FC_EINVAL);
	promote_ok(u, NULL);
	assert_ok(fc_shadow(u->p, "tracking", 1, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_shadow(u->p, "tracking", 1, &u->w, &o));
	assert_true(o.noop);
	fc_outcome_clear(&o);
	assert_ok(fc_service_get(u->p, "tracking", &s));
	assert_true(s.shadow);
	assert_int_equal(s.rev, 1);
	fc_service_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_life__walk_and_gate_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_life__force_records_closed_gates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_life__expect_is_compare_and_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_life__rollback_never_gated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_life__shadow_only_before_cutover, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
