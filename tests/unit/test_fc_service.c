/* fc_service: services, their file, and the edits. */
#include "unit.h"

#include "fc_gate.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_map.h"
#include "fc_name.h"
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
	/* the same service again: nothing to do, no commit */
	assert_ok(fc_service_add(u->p, "x", &e, &u->w, &o));
	assert_true(o.noop);
	fc_outcome_clear(&o);
	e.description = "another";
	assert_fc(fc_service_add(u->p, "x", &e, &u->w, &o), FC_EEXISTS);
	assert_contains(fc_error_last(), "service set x");
	e.description = NULL;
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

/* `a` and `b` get the same gates, the same verdict. */
static void assert_same_gates(unit_plan *u, const fc_service *a, const fc_service *b, const fc_gate_settings *g)
{
	fc_step sa, sb;
	char *la, *lb;

	assert_ok(fc_gate_step(&sa, fc_plan_store(u->p), a, g, NULL));
	assert_ok(fc_gate_step(&sb, fc_plan_store(u->p), b, g, NULL));
	la = fc_step_gates_line(&sa);
	lb = fc_step_gates_line(&sb);
	assert_string_equal(la, lb);
	assert_int_equal(sa.open, sb.open);
	free(la);
	free(lb);
	fc_step_clear(&sa);
	fc_step_clear(&sb);
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
		assert_string_equal(full[i].name, brief[i].name);
		assert_int_equal(full[i].nresults, 8);
		/* no results: the gates read their summary, the same in both */
		assert_int_equal(brief[i].nresults, 0);
		assert_int_equal(brief[i].nstreaks, 2);
		assert_int_equal(full[i].nstreaks, 2);
		for (size_t k = 0; k < brief[i].nstreaks; k++) {
			assert_string_equal(brief[i].streaks[k].name, full[i].streaks[k].name);
			assert_int_equal(brief[i].streaks[k].kept, 4);
			assert_int_equal(brief[i].streaks[k].streak, full[i].streaks[k].streak);
		}
		assert_int_equal(full[i].nfails, brief[i].nfails);
		assert_same_gates(u, &full[i], &brief[i], &set.gates);
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

/*
 * A service's traffic is the sum of its domains' in domain order, the same
 * to the bit whether it is read alone (a join) or in a walk over the plan
 * (the domains read once and looked up by name).
 */
static void test_fc_service__walk_sums_traffic_as_a_single_read(void **state)
{
	static const struct { const char *name, *rps; } dom[] = {
		{ "a-one", "0.1" }, { "b-two", "0.2" }, { "c-three", "0.3" }, { "d-none", "0" },
	};
	unit_plan *u = *state;
	fc_service *all = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(dom) / sizeof(dom[0]); i++) {
		fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
		fc_outcome o = { 0 };
		e.rps = dom[i].rps;
		assert_ok(fc_domain_add(u->p, dom[i].name, &e, &u->w, &o));
		fc_outcome_clear(&o);
	}
	{
		fc_service_edit e = FC_SERVICE_EDIT_INIT;
		fc_outcome o = { 0 };
		e.domains = "c-three, a-one, b-two, d-none";
		assert_ok(fc_service_add(u->p, "sum", &e, &u->w, &o));
		fc_outcome_clear(&o);
		e.domains = "auth";
		assert_ok(fc_service_add(u->p, "one", &e, &u->w, &o));
		fc_outcome_clear(&o);
	}
	assert_ok(fc_service_list_brief(u->p, &all, &n));
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		fc_service s;
		assert_ok(fc_service_get(u->p, all[i].name, &s));
		assert_true(s.rps == all[i].rps);
		assert_int_equal(s.ndomains, all[i].ndomains);
		fc_service_clear(&s);
	}
	assert_string_equal(all[1].name, "sum");
	assert_true(all[1].rps == 0.1 + 0.2 + 0.3 + 0.0);
	assert_true(all[0].rps == 800.0);
	fc_services_free(all, n);
}

/*
 * The summary the database keeps of each check's results (check_streak,
 * kept by triggers) is what the gates would count from the results
 * themselves: random histories of passes and failures, recorded through
 * the check pipeline (which keeps the last 20), with several in the same
 * second; after each, the gate read from the summary and the gate counted
 * from the results of the same service agree, for several thresholds.
 */
static void test_fc_service__check_streak_matches_results(void **state)
{
	unit_plan *u = *state;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_settings set;
	uint32_t x = 2024;

	e.domains = "tracking";
	e.route = "/api/tracking";
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	set_state(u, "tracking", FC_PHASE_BACKFILL, 0, 30 * 86400);
	assert_ok(fc_settings_get(fc_plan_store(u->p), &set));
	for (int step = 0; step < 60; step++) {
		fc_service db, mem;
		x = x * 1103515245u + 12345u;
		/* mostly passes; a second of its own now and then */
		if ((x >> 8) % 3 == 0)
			unit_clock_at(fc_now() + 1 + (x >> 20) % 3600);
		assert_ok(fc_check_record(u->p, "tracking", (x >> 12) % 5 ? "reconcile" : "smoke", (x >> 16) % 4 != 0,
					  "detail", &u->w, &o));
		fc_outcome_clear(&o);
		assert_ok(fc_service_get(u->p, "tracking", &db));
		assert_true(db.nstreaks > 0);
		/* the same service without its summary: the gate counts the results */
		assert_ok(fc_service_get(u->p, "tracking", &mem));
		for (size_t i = 0; i < mem.nstreaks; i++)
			free(mem.streaks[i].name);
		free(mem.streaks);
		mem.streaks = NULL;
		mem.nstreaks = 0;
		for (int need = 1; need <= 20; need += 3) {
			set.gates.reconcile_passes = need;
			assert_same_gates(u, &db, &mem, &set.gates);
		}
		fc_service_clear(&db);
		fc_service_clear(&mem);
	}
	fc_settings_clear(&set);
	unit_clock_at(UNIT_NOW);
}

/*
 * Which pins the routers hold follows from phase and bp alone: in pins while
 * the new service has live traffic (so an abort to 0% drops them), out pins
 * until decommission; and the prediction applies pins before the bucket.
 */
static void test_fc_service__pins_live_and_route(void **state)
{
	static const struct {
		fc_phase phase;
		int bp, in_live, out_live;
	} rule[] = {
		{ FC_PHASE_PLANNED, 0, 0, 1 },
		{ FC_PHASE_DUAL_WRITE, 0, 0, 1 },
		{ FC_PHASE_BACKFILL, 0, 0, 1 },
		{ FC_PHASE_READ_CUTOVER, 0, 0, 1 },   /* paused after an abort */
		{ FC_PHASE_READ_CUTOVER, 100, 1, 1 },
		{ FC_PHASE_READ_CUTOVER, 10000, 1, 1 },
		{ FC_PHASE_DECOMMISSION, 10000, 1, 0 },
		{ FC_PHASE_DONE, 10000, 1, 0 },
	};
	fc_service s;
	fc_tenant_side r;
	int in_live, out_live;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < sizeof(rule) / sizeof(*rule); i++) {
		s.phase = rule[i].phase;
		s.bp = rule[i].bp;
		fc_service_pins_live(&s, &in_live, &out_live);
		assert_int_equal(in_live, rule[i].in_live);
		assert_int_equal(out_live, rule[i].out_live);
	}
	s.flag = fc_strdup("tracking");
	assert_ok(fc_tenants_parse(&s.pins_in, "dogfood", 0));
	assert_ok(fc_tenants_parse(&s.pins_out, "acme", 0));
	s.phase = FC_PHASE_READ_CUTOVER;
	s.bp = 10000;
	fc_service_route_tenant(&s, "acme", &r);
	assert_false(r.is_new);
	assert_string_equal(r.why, "pinned out");
	assert_int_equal(r.bucket, fc_tenant_bucket("tracking", "acme"));
	s.bp = 1;
	fc_service_route_tenant(&s, "dogfood", &r);
	assert_true(r.is_new);
	assert_string_equal(r.why, "pinned in");
	s.bp = 0; /* the abort: the pin is held, the bucket decides (0%: monolith) */
	fc_service_route_tenant(&s, "dogfood", &r);
	assert_false(r.is_new);
	assert_string_equal(r.why, "bucket");
	assert_string_equal(r.pin, "in");
	s.phase = FC_PHASE_DECOMMISSION;
	s.bp = 10000;
	fc_service_route_tenant(&s, "acme", &r);
	assert_true(r.is_new);
	assert_string_equal(r.pin, "out");
	fc_service_route_tenant(&s, "nobody", &r);
	assert_string_equal(r.pin, "");
	fc_service_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_service__pins_live_and_route),
		cmocka_unit_test_setup_teardown(test_fc_service__add_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__rm_refused_while_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__brief_list_same_gates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__check_streak_matches_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_service__walk_sums_traffic_as_a_single_read, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
