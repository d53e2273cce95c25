/* fc_service: services, their file, and the edits. */
#include "unit.h"

#include "fc_gate.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_map.h"
#include "fc_render.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_store.h"

static int setup(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };

	e.rps = "3200";
	assert_ok(fc_domain_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	e.rps = "800";
	assert_ok(fc_domain_add(u->p, "auth", &e, &u->w, &o));
	fc_outcome_clear(&o);
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

static void test_fc_service__add_defaults(void **state)
{
	unit_plan *u = *state;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_service s;

	e.domains = "tracking, auth";
	e.route = "/api/tracking";
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	assert_contains(o.message, "Ficus-Service: tracking");
	assert_contains(o.message, "Ficus-Action: service-add");
	fc_outcome_clear(&o);
	assert_ok(fc_service_get(u->p, "tracking", &s));
	assert_string_equal(s.flag, "tracking");
	assert_int_equal(s.phase, FC_PHASE_PLANNED);
	assert_int_equal(s.bp, 0);
	assert_int_equal(s.ndomains, 2);
	assert_string_equal(s.domains[0], "auth"); /* sorted */
	assert_true(s.rps > 3999.0 && s.rps < 4001.0);
	fc_service_clear(&s);
}

static void test_fc_service__refusals(void **state)
{
	unit_plan *u = *state;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	fc_outcome o = { 0 };
	const char *bad_gate[] = { "step_soak=soon" };

	assert_fc(fc_service_add(u->p, "Bad", &e, &u->w, &o), FC_EINVAL);
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_EINVAL); /* no domain */
	e.domains = "nosuch";
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_ENOTFOUND);
	e.domains = "tracking";
	e.route = "api";
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_EINVAL);
	e.route = "/api/x";
	e.gates = bad_gate;
	e.ngates = 1;
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_EINVAL);
	assert_contains(fc_error_last(), "step_soak");
	e.ngates = 0;
	assert_ok(fc_service_add(u->p, "x", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_EEXISTS);
	e.flag = "other";
	assert_fc(fc_service_add(u->p, "y", &e, &u->w, &o), FC_EEXISTS); /* same route */
	e.route = "/api/y";
	e.flag = "x";
	assert_fc(fc_service_add(u->p, "y", &e, &u->w, &o), FC_EEXISTS); /* same flag */
}

static void test_fc_service__file_round_trip(void **state)
{
	unit_plan *u = *state;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	const char *gates[] = { "step_soak=3d" };
	const char *checks[] = { "reconcile=./reconcile.sh" };
	fc_outcome o = { 0 };
	fc_store *mem = NULL;
	fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
	int exists = 0, known = 0;

	e.domains = "tracking";
	e.route = "/api/t";
	e.gates = gates;
	e.ngates = 1;
	e.checks = checks;
	e.nchecks = 1;
	e.check_timeout = "10m";
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_render_path(fc_plan_store(u->p), "services/tracking.json", &a, &exists));
	assert_true(exists);
	assert_contains(a.ptr, "\"step_soak\": \"3d\"");
	assert_contains(a.ptr, "\"timeout\": \"10m\"");
	assert_ok(fc_store_open(&mem, ":memory:", 1, 1000));
	assert_ok(fc_store_exec(mem, "PRAGMA foreign_keys = OFF", NULL));
	assert_ok(fc_load_path(mem, "services/tracking.json", a.ptr, a.len, &known));
	assert_ok(fc_render_path(mem, "services/tracking.json", &b, &exists));
	assert_string_equal(a.ptr, b.ptr);
	/* a file naming another service is refused */
	assert_fc(fc_load_path(mem, "services/other.json", a.ptr, a.len, &known), FC_EPARSE);
	fc_store_free(mem);
	fc_buf_free(&a);
	fc_buf_free(&b);
}

static void test_fc_service__rm_refused_while_live(void **state)
{
	unit_plan *u = *state;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_service s;

	e.domains = "tracking";
	e.route = "/api/t";
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_service_get(u->p, "tracking", &s));
	s.phase = FC_PHASE_READ_CUTOVER;
	s.bp = 1000;
	assert_ok(fc_store_begin(fc_plan_store(u->p), 1));
	assert_ok(fc_service_write_state(fc_plan_store(u->p), &s));
	assert_ok(fc_store_commit(fc_plan_store(u->p)));
	fc_service_clear(&s);
	assert_fc(fc_service_rm(u->p, "tracking", &u->w, &o), FC_ERROR);
	assert_contains(fc_error_last(), "read-cutover");
	/* the domain it takes over cannot go either */
	assert_fc(fc_domain_rm(u->p, "tracking", &u->w, &o), FC_ERROR);
	assert_contains(fc_error_last(), "taken over by service 'tracking'");
}

/* Put `name` in `phase` at `bp`, with its phase and step begun `ago` seconds back. */
static void set_state(unit_plan *u, const char *name, fc_phase phase, int bp, int64_t ago)
{
	fc_service s;

	assert_ok(fc_service_get(u->p, name, &s));
	s.phase = phase;
	s.bp = bp;
	s.phase_since = s.step_since = fc_now() - ago;
	assert_ok(fc_store_begin(fc_plan_store(u->p), 1));
	assert_ok(fc_service_write_state(fc_plan_store(u->p), &s));
	assert_ok(fc_store_commit(fc_plan_store(u->p)));
	fc_service_clear(&s);
}

/* The brief list (plan-wide status) and the full one decide every gate alike. */
static void test_fc_service__brief_list_same_gates(void **state)
{
	static const struct { const char *name; fc_phase phase; int bp; int fails; } svc[] = {
		{ "s-planned", FC_PHASE_PLANNED, 0, 0 },
		{ "s-dual", FC_PHASE_DUAL_WRITE, 0, 0 },
		{ "s-back-open", FC_PHASE_BACKFILL, 0, 0 },
		{ "s-back-failed", FC_PHASE_BACKFILL, 0, 1 },
		{ "s-ramp", FC_PHASE_READ_CUTOVER, 1000, 0 },
		{ "s-ramp-failed", FC_PHASE_READ_CUTOVER, 5000, 1 },
		{ "s-decom", FC_PHASE_DECOMMISSION, 10000, 0 },
	};
	size_t nsvc = sizeof(svc) / sizeof(svc[0]);
	unit_plan *u = *state;
	fc_service *full = NULL, *brief = NULL;
	size_t nfull = 0, nbrief = 0;
	fc_settings set;

	for (size_t i = 0; i < nsvc; i++) {
		fc_service_edit e = FC_SERVICE_EDIT_INIT;
		fc_domain_edit de = FC_DOMAIN_EDIT_INIT;
		fc_outcome o = { 0 };
		char route[64], domain[64];
		snprintf(route, sizeof(route), "/api/%s", svc[i].name);
		snprintf(domain, sizeof(domain), "d-%s", svc[i].name);
		assert_ok(fc_domain_add(u->p, domain, &de, &u->w, &o));
		fc_outcome_clear(&o);
		e.route = route;
		e.domains = domain;
		assert_ok(fc_service_add(u->p, svc[i].name, &e, &u->w, &o));
		fc_outcome_clear(&o);
		set_state(u, svc[i].name, svc[i].phase, svc[i].bp, 30 * 86400);
		for (int k = 0; k < 4; k++) {
			int pass = !(svc[i].fails && k == 3);
			assert_ok(fc_check_record(u->p, svc[i].name, "reconcile", pass, pass ? "rows match" : "rows differ",
						  &u->w, &o));
			fc_outcome_clear(&o);
			assert_ok(fc_check_record(u->p, svc[i].name, "smoke", 1, "ok", &u->w, &o));
			fc_outcome_clear(&o);
		}
	}
	assert_ok(fc_settings_get(fc_plan_store(u->p), &set));
	assert_ok(fc_service_list(u->p, &full, &nfull));
	assert_ok(fc_service_list_brief(u->p, &brief, &nbrief));
	assert_int_equal(nfull, nsvc);
	assert_int_equal(nbrief, nsvc);
	for (size_t i = 0; i < nfull; i++) {
		fc_step a, b;
		char *la, *lb;
		assert_string_equal(full[i].name, brief[i].name);
		assert_int_equal(full[i].nresults, 8);
		/* results only where the gates read them, without their text */
		assert_int_equal(brief[i].nresults, fc_gate_reads_results(brief[i].phase) ? 8 : 0);
		for (size_t k = 0; k < brief[i].nresults; k++) {
			assert_null(brief[i].results[k].detail);
			assert_string_equal(brief[i].results[k].name, full[i].results[k].name);
			assert_int_equal(brief[i].results[k].pass, full[i].results[k].pass);
		}
		assert_int_equal(full[i].nfails, brief[i].nfails);
		assert_ok(fc_gate_step(&a, fc_plan_store(u->p), &full[i], &set.gates, NULL));
		assert_ok(fc_gate_step(&b, fc_plan_store(u->p), &brief[i], &set.gates, NULL));
		la = fc_step_gates_line(&a);
		lb = fc_step_gates_line(&b);
		assert_string_equal(la, lb);
		assert_int_equal(a.open, b.open);
		free(la);
		free(lb);
		fc_step_clear(&a);
		fc_step_clear(&b);
	}
	/* the two backfill services are told apart by their results */
	for (size_t i = 0; i < nbrief; i++) {
		fc_step b;
		if (brief[i].phase != FC_PHASE_BACKFILL)
			continue;
		assert_ok(fc_gate_step(&b, fc_plan_store(u->p), &brief[i], &set.gates, NULL));
		assert_int_equal(b.open, strcmp(brief[i].name, "s-back-open") == 0);
		fc_step_clear(&b);
	}
	fc_services_free(full, nfull);
	fc_services_free(brief, nbrief);
	fc_settings_clear(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_service__add_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__rm_refused_while_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__brief_list_same_gates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
