/* fc_gate: the one function that plans a step and evaluates its gates,
 * on an in-memory store with an injected clock. */
#include "unit.h"

#include "fc_gate.h"
#include "fc_json.h"
#include "fc_settings.h"
#include "fc_store.h"

#define DAY 86400

typedef struct {
	fc_store *st;
	fc_gate_settings g;
	fc_service sv;
} ctx;

static void add_result(fc_service *sv, const char *name, int pass, fc_time at)
{
	fc_check_result *r;
	sv->results = fc_realloc(sv->results, (sv->nresults + 1) * sizeof(*sv->results));
	r = &sv->results[sv->nresults++];
	memset(r, 0, sizeof(*r));
	r->name = fc_strdup(name);
	r->pass = pass;
	r->detail = fc_strdup("");
	r->actor = fc_strdup("");
	r->at = at;
	if (!pass) {
		size_t i;
		for (i = 0; i < sv->nfails && strcmp(sv->fail_names[i], name); i++)
			;
		if (i == sv->nfails) {
			sv->fail_names = fc_realloc(sv->fail_names, (sv->nfails + 1) * sizeof(char *));
			sv->fail_at = fc_realloc(sv->fail_at, (sv->nfails + 1) * sizeof(fc_time));
			sv->fail_names[sv->nfails++] = fc_strdup(name);
		}
		sv->fail_at[i] = at;
	}
}

static int setup(void **state)
{
	ctx *c = fc_calloc(1, sizeof(*c));
	cJSON *doc = fc_settings_default();

	unit_clock_at(UNIT_NOW);
	if (fc_store_open(&c->st, ":memory:", 1, 1000) < 0)
		fail_msg("store: %s", fc_error_last());
	assert_ok(fc_settings_put(c->st, doc));
	assert_ok(fc_settings_parse(&c->g, doc, "test"));
	cJSON_Delete(doc);
	c->sv.name = fc_strdup("tracking");
	c->sv.description = fc_strdup("");
	c->sv.route = fc_strdup("/api/tracking");
	c->sv.flag = fc_strdup("tracking");
	c->sv.gates = fc_json_obj();
	c->sv.checks = fc_json_obj();
	c->sv.rps = 1000;
	c->sv.phase_since = c->sv.step_since = UNIT_NOW;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	ctx *c = *state;
	fc_service_clear(&c->sv);
	fc_store_free(c->st);
	free(c);
	fc_clock_set(NULL);
	return 0;
}

static const fc_gate *gate(const fc_step *s, const char *name)
{
	for (size_t i = 0; i < s->ngates; i++)
		if (!strcmp(s->gates[i].name, name))
			return &s->gates[i];
	fail_msg("no gate '%s'", name);
	return NULL;
}

static void test_fc_gate__planned_needs_a_route(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_PLANNED;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.to_phase, FC_PHASE_DUAL_WRITE);
	assert_true(s.open);
	assert_true(gate(&s, "routers")->open); /* the plan's routers are none */
	fc_step_clear(&s);
	free(c->sv.route);
	c->sv.route = fc_strdup("");
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_false(gate(&s, "route")->open);
	assert_contains(gate(&s, "route")->reason, "no route");
	fc_step_clear(&s);
}

static void test_fc_gate__dual_write_min_counts_time(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_DUAL_WRITE;
	unit_clock_at(UNIT_NOW + 13 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_contains(gate(&s, "dual_write_min")->reason, "13d of 14d, 1d left");
	assert_contains(gate(&s, "dual_write_min")->evidence, "closed");
	fc_step_clear(&s);
	unit_clock_at(UNIT_NOW + 14 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	assert_string_equal(gate(&s, "dual_write_min")->evidence, "open (14d >= 14d)");
	fc_step_clear(&s);
}

static void test_fc_gate__backfill_needs_three_fresh_passes(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_BACKFILL;
	add_result(&c->sv, "reconcile", 1, UNIT_NOW + 10);
	add_result(&c->sv, "reconcile", 1, UNIT_NOW + 20);
	unit_clock_at(UNIT_NOW + 30);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_contains(gate(&s, "reconcile")->reason, "2 passing results of the 3 needed");
	fc_step_clear(&s);
	/* a failure breaks the run: it must be three in a row */
	add_result(&c->sv, "reconcile", 0, UNIT_NOW + 30);
	add_result(&c->sv, "reconcile", 1, UNIT_NOW + 40);
	add_result(&c->sv, "reconcile", 1, UNIT_NOW + 50);
	add_result(&c->sv, "other", 1, UNIT_NOW + 55); /* another check does not count */
	unit_clock_at(UNIT_NOW + 60);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_contains(gate(&s, "reconcile")->evidence, "latest run failed");
	fc_step_clear(&s);
	add_result(&c->sv, "reconcile", 1, UNIT_NOW + 70);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	assert_int_equal(s.to_phase, FC_PHASE_READ_CUTOVER);
	assert_int_equal(s.to_bp, 100); /* the first ramp step */
	assert_true(s.rps_moved > 9.9 && s.rps_moved < 10.1);
	fc_step_clear(&s);
	/* the newest pass must be younger than reconcile_max_age (24h) */
	unit_clock_at(UNIT_NOW + 70 + DAY + 1);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_contains(gate(&s, "reconcile")->reason, "more than 1d");
	fc_step_clear(&s);
}

static void test_fc_gate__needs_wait_for_full_traffic(void **state)
{
	ctx *c = *state;
	fc_step s;

	assert_ok(fc_store_exec(c->st, "PRAGMA foreign_keys = OFF", NULL));
	assert_ok(fc_store_exec(c->st, "INSERT INTO service (name, flag, phase, bp, phase_since, step_since) "
				       "VALUES ('auth', 'auth', 'read-cutover', 5000, 0, 0)", NULL));
	c->sv.phase = FC_PHASE_BACKFILL;
	c->sv.needs = fc_calloc(1, sizeof(char *));
	c->sv.needs[0] = fc_strdup("auth");
	c->sv.nneeds = 1;
	for (int i = 0; i < 3; i++)
		add_result(&c->sv, "reconcile", 1, UNIT_NOW + i);
	unit_clock_at(UNIT_NOW + 10);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(gate(&s, "reconcile")->open);
	assert_false(gate(&s, "needs")->open);
	assert_contains(gate(&s, "needs")->reason, "'auth' is at read-cutover 50%");
	fc_step_clear(&s);
	assert_ok(fc_store_exec(c->st, "UPDATE service SET bp = 10000 WHERE name = 'auth'", NULL));
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	fc_step_clear(&s);
}

static void test_fc_gate__ramp_soaks_and_stays_clean(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 1000;
	unit_clock_at(UNIT_NOW + 6 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.kind, FC_STEP_RAMP);
	assert_int_equal(s.to_bp, 5000);
	assert_false(gate(&s, "step_soak")->open);
	assert_true(gate(&s, "reconcile")->open);
	fc_step_clear(&s);
	unit_clock_at(UNIT_NOW + 7 * DAY);
	add_result(&c->sv, "reconcile", 0, UNIT_NOW + 3 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(gate(&s, "step_soak")->open);
	assert_false(gate(&s, "reconcile")->open); /* failed since the step began */
	assert_false(s.open);
	fc_step_clear(&s);
	/* a custom target and a per-service override */
	cJSON_AddStringToObject(c->sv.gates, "step_soak", "1d");
	c->sv.fail_at[0] = 0; /* the failure is long gone */
	unit_clock_at(UNIT_NOW + DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "25%"));
	assert_int_equal(s.to_bp, 2500);
	assert_true(s.open);
	fc_step_clear(&s);
}

static void test_fc_gate__pause_resumes_at_first_step(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 0;
	c->sv.step_since = UNIT_NOW;
	add_result(&c->sv, "reconcile", 0, UNIT_NOW); /* the failure that caused the pause */
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_string_equal(s.action, "resume");
	assert_int_equal(s.to_bp, 100);
	assert_true(s.open);
	fc_step_clear(&s);
	add_result(&c->sv, "reconcile", 0, UNIT_NOW + 1); /* a failure during the pause */
	unit_clock_at(UNIT_NOW + 2);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	fc_step_clear(&s);
}

static void test_fc_gate__decommission_is_irreversible(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 10000;
	unit_clock_at(UNIT_NOW + 7 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.to_phase, FC_PHASE_DECOMMISSION);
	assert_true(s.irreversible);
	assert_true(gate(&s, "cutover_soak")->open);
	fc_step_clear(&s);
	c->sv.phase = FC_PHASE_DECOMMISSION;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.to_phase, FC_PHASE_DONE);
	assert_true(s.irreversible);
	assert_int_equal(s.ngates, 0);
	fc_step_clear(&s);
	c->sv.phase = FC_PHASE_DONE;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.kind, FC_STEP_NONE);
	assert_contains(s.why_none, "done");
	fc_step_clear(&s);
}

/* A target behind, or equal to, the current state is not a step forward. */
static void test_fc_gate__targets_must_go_forward(void **state)
{
	ctx *c = *state;
	fc_step s;

	assert_fc(fc_gate_step(&s, c->st, &c->sv, &c->g, "bogus"), FC_EINVAL);
	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 5000;
	assert_fc(fc_gate_step(&s, c->st, &c->sv, &c->g, "10%"), FC_EINVAL);
	assert_contains(fc_error_last(), "rollback");
	assert_fc(fc_gate_step(&s, c->st, &c->sv, &c->g, "dual-write"), FC_EINVAL);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "50%"));
	assert_int_equal(s.kind, FC_STEP_NONE);
	assert_contains(s.why_none, "already");
	fc_step_clear(&s);
}

/*
 * A target beyond the next step (a ramp step or a phase) is a step with a
 * closed "skip" gate that names what it jumps over; up to the next ramp
 * step (finer steps too) is an ordinary step.
 */
static void test_fc_gate__targets_never_skip_a_step(void **state)
{
	ctx *c = *state;
	fc_step s;

	/* a phase beyond the next one */
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "backfill"));
	assert_false(s.open);
	assert_false(gate(&s, "skip")->open);
	assert_contains(gate(&s, "skip")->reason, "dual-write");
	assert_int_equal(s.nskipped, 1);
	assert_contains(s.skipped[0], "dual_write_min closed");
	fc_step_clear(&s);

	/* from backfill: 100% skips 1%, 10%, 50%; 10% skips 1%; 1% and 0.5% do not */
	c->sv.phase = FC_PHASE_BACKFILL;
	c->g.reconcile_passes = 0;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "100%"));
	assert_false(s.open);
	assert_int_equal(s.to_bp, 10000);
	assert_int_equal(s.nskipped, 3);
	assert_contains(s.skipped[0], "read-cutover 1%: step_soak closed");
	assert_contains(gate(&s, "skip")->reason, "read-cutover 1%, read-cutover 10%, read-cutover 50%");
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "10"));
	assert_false(gate(&s, "skip")->open);
	assert_int_equal(s.nskipped, 1);
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "read-cutover"));
	assert_true(s.open);
	assert_int_equal(s.to_bp, 100);
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "0.5%"));
	assert_true(s.open);
	assert_int_equal(s.to_bp, 50);
	assert_int_equal(s.nskipped, 0);
	fc_step_clear(&s);

	/* paused at 0%: the resume goes to the first step, not beyond */
	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 0;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "100%"));
	assert_false(gate(&s, "skip")->open);
	fc_step_clear(&s);

	/* from 1%: 5% is a finer step, 10% the next, 50% a skip; decommission skips 100% */
	c->sv.bp = 100;
	unit_clock_at(UNIT_NOW + 7 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "5%"));
	assert_true(s.open);
	assert_int_equal(s.nskipped, 0);
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "10%"));
	assert_true(s.open);
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "50%"));
	assert_false(s.open);
	assert_true(gate(&s, "step_soak")->open);
	fc_step_clear(&s);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, "decommission"));
	assert_false(gate(&s, "skip")->open);
	assert_true(s.irreversible);
	assert_int_equal(s.nskipped, 3);
	fc_step_clear(&s);
}

/* When the gates open: the end of the soak, now, or -1 for evidence. */
static void test_fc_gate__opens_at_says_when(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 100;
	unit_clock_at(UNIT_NOW + DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.opens_at, UNIT_NOW + 7 * DAY);
	fc_step_clear(&s);
	add_result(&c->sv, "reconcile", 0, UNIT_NOW + 10);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_int_equal(s.opens_at, -1);
	fc_step_clear(&s);
	c->sv.phase = FC_PHASE_DUAL_WRITE;
	unit_clock_at(UNIT_NOW + 15 * DAY);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	assert_int_equal(s.opens_at, 0);
	fc_step_clear(&s);
}

/* A result dated after the clock (beyond the skew) is shown but opens nothing. */
static void test_fc_gate__future_evidence_opens_nothing(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_BACKFILL;
	for (int i = 0; i < 3; i++)
		add_result(&c->sv, "reconcile", 1, UNIT_NOW + 15 * DAY + i);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(gate(&s, "reconcile")->open);
	assert_contains(gate(&s, "reconcile")->reason, "from the future");
	fc_step_clear(&s);
	/* within the skew allowance it counts */
	unit_clock_at(UNIT_NOW + 15 * DAY - FC_GATE_SKEW + 10);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(gate(&s, "reconcile")->open);
	fc_step_clear(&s);
}

/* The routers gate reads the same routers from the caller's settings as from the store. */
static void test_fc_gate__routers_from_settings_or_store(void **state)
{
	ctx *c = *state;
	cJSON *doc = fc_settings_default(), *routers = cJSON_GetObjectItemCaseSensitive(doc, "routers");
	static const char *names[] = { "edge", "mesh" };
	fc_settings set;
	char *bound[] = { "edge", "gone" };

	for (size_t i = 0; i < 2; i++) {
		cJSON *r = fc_json_obj();
		fc_json_add_str(r, "name", names[i]);
		fc_json_add_str(r, "driver", "none");
		fc_json_push(routers, r);
	}
	assert_ok(fc_settings_put(c->st, doc));
	cJSON_Delete(doc);
	assert_ok(fc_settings_get(c->st, &set));
	assert_true(set.gates.routers_known);
	c->sv.phase = FC_PHASE_PLANNED;
	for (int k = 0; k < 3; k++) {
		fc_gate_settings from_store = set.gates;
		fc_step a, b;
		from_store.routers_known = 0;
		from_store.routers = NULL;
		c->sv.routers = k == 0 ? NULL : bound;
		c->sv.nrouters = (size_t)k; /* all; edge; edge and a router the plan does not have */
		assert_ok(fc_gate_step(&a, c->st, &c->sv, &set.gates, NULL));
		assert_ok(fc_gate_step(&b, c->st, &c->sv, &from_store, NULL));
		assert_string_equal(gate(&a, "routers")->reason, gate(&b, "routers")->reason);
		assert_int_equal(gate(&a, "routers")->open, k < 2);
		assert_int_equal(gate(&b, "routers")->open, k < 2);
		fc_step_clear(&a);
		fc_step_clear(&b);
	}
	c->sv.routers = NULL;
	c->sv.nrouters = 0;
	fc_settings_clear(&set);
}

/* An analysis result with its outcome and detail, as 'check run' records it. */
static void add_analysis(fc_service *sv, const char *name, int outcome, const char *detail, fc_time at)
{
	fc_check_result *r;
	add_result(sv, name, outcome == FC_CHECK_PASS, at);
	r = &sv->results[sv->nresults - 1];
	r->outcome = outcome;
	free(r->detail);
	r->detail = fc_strdup(detail);
}

static void analysis_check(fc_service *sv, int failure_limit)
{
	cJSON *c = fc_json_obj();
	fc_json_add_str(c, "prometheus", "http://127.0.0.1:9090");
	fc_json_add_str(c, "query", "up");
	fc_json_add_num(c, "max", 0.01);
	fc_json_add_num(c, "failure_limit", failure_limit);
	fc_json_add(sv->checks, "err", c);
}

static void test_fc_gate__ramp_needs_analysis_passes_since_the_step(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 1000;
	c->sv.step_since = UNIT_NOW;
	c->g.step_soak = 0;
	analysis_check(&c->sv, 2);
	/* passes before the step do not count, nor do no-data and error */
	add_analysis(&c->sv, "err", FC_CHECK_PASS, "err=0.001 <= 0.01; query: up", UNIT_NOW - 60);
	add_analysis(&c->sv, "err", FC_CHECK_PASS, "err=0.002 <= 0.01; query: up", UNIT_NOW + 10);
	add_analysis(&c->sv, "err", FC_CHECK_NO_DATA, "err: no data; query: up", UNIT_NOW + 20);
	add_analysis(&c->sv, "err", FC_CHECK_ERROR, "err: error; query: up", UNIT_NOW + 30);
	add_analysis(&c->sv, "err", FC_CHECK_PASS, "err=0.003 <= 0.01; query: up", UNIT_NOW + 40);
	unit_clock_at(UNIT_NOW + 50);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_string_equal(gate(&s, "analysis err")->evidence, "closed (2/3 pass since step)");
	assert_true(s.opens_at < 0); /* waits for evidence, not time */
	fc_step_clear(&s);
	add_analysis(&c->sv, "err", FC_CHECK_PASS, "err=0.004 <= 0.01; query: up", UNIT_NOW + 60);
	unit_clock_at(UNIT_NOW + 70);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	assert_string_equal(gate(&s, "analysis err")->evidence, "open (3 pass since step, newest 0.004 <= 0.01)");
	fc_step_clear(&s);
	/* failures since the step reach the limit: closed whatever the passes; the rollback rule says so too */
	add_analysis(&c->sv, "err", FC_CHECK_FAIL, "err=0.5 > 0.01; query: up", UNIT_NOW + 80);
	{
		char **failed;
		size_t n;
		assert_int_equal(fc_gate_analysis_failed(c->st, &c->sv, &failed, &n), 0);
		assert_int_equal(n, 0);
		free(failed);
		add_analysis(&c->sv, "err", FC_CHECK_FAIL, "err=0.7 > 0.01; query: up", UNIT_NOW + 90);
		assert_int_equal(fc_gate_analysis_failed(c->st, &c->sv, &failed, &n), 1);
		assert_int_equal(n, 2);
		assert_contains(failed[1], "err fail at ");
		assert_contains(failed[1], "err=0.7 > 0.01");
		for (size_t i = 0; i < n; i++)
			free(failed[i]);
		free(failed);
	}
	unit_clock_at(UNIT_NOW + 100);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_string_equal(gate(&s, "analysis err")->evidence, "closed (2 fail since step >= limit 2)");
	fc_step_clear(&s);
	/* a new step starts the count again */
	c->sv.bp = 5000;
	c->sv.step_since = UNIT_NOW + 100;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_string_equal(gate(&s, "analysis err")->evidence, "closed (0/3 pass since step)");
	fc_step_clear(&s);
	/* evidence from the future is not trusted */
	add_analysis(&c->sv, "err", FC_CHECK_PASS, "err=0 <= 0.01; query: up", UNIT_NOW + 100 + 3 * FC_GATE_SKEW);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_contains(gate(&s, "analysis err")->reason, "1 dated in the future, not trusted");
	fc_step_clear(&s);
}

/* After a rollback: the resume waits while the newest measurement since the pause is a failure. */
static void test_fc_gate__resume_waits_while_analysis_still_fails(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 0;
	c->sv.step_since = UNIT_NOW;
	analysis_check(&c->sv, 3);
	/* the failures that caused the rollback came before the pause: not this gate's */
	add_analysis(&c->sv, "err", FC_CHECK_FAIL, "err=0.4 > 0.01; query: up", UNIT_NOW - 10);
	unit_clock_at(UNIT_NOW + 5);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_string_equal(s.action, "resume");
	assert_true(s.open);
	assert_string_equal(gate(&s, "analysis err")->evidence, "open (newest since the pause: none)");
	fc_step_clear(&s);
	/* the rate window still holds the errors: measured failing after the pause */
	add_analysis(&c->sv, "err", FC_CHECK_FAIL, "err=1 > 0.01; query: up", UNIT_NOW + 10);
	unit_clock_at(UNIT_NOW + 15);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_false(s.open);
	assert_contains(gate(&s, "analysis err")->reason, "the new service still fails");
	fc_step_clear(&s);
	/* no traffic at 0%: no data, which is no failure */
	add_analysis(&c->sv, "err", FC_CHECK_NO_DATA, "err: no data; query: up", UNIT_NOW + 70);
	unit_clock_at(UNIT_NOW + 75);
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	assert_string_equal(gate(&s, "analysis err")->evidence, "open (newest since the pause: not a failure)");
	fc_step_clear(&s);
}

static void test_fc_gate__no_analysis_checks_no_analysis_gate(void **state)
{
	ctx *c = *state;
	fc_step s;

	c->sv.phase = FC_PHASE_READ_CUTOVER;
	c->sv.bp = 1000;
	c->g.step_soak = 0;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	for (size_t i = 0; i < s.ngates; i++)
		assert_true(strncmp(s.gates[i].name, "analysis", 8) != 0);
	fc_step_clear(&s);
	/* a paused service resumes without analysis: at 0% there is nothing to measure */
	analysis_check(&c->sv, 3);
	c->sv.bp = 0;
	assert_ok(fc_gate_step(&s, c->st, &c->sv, &c->g, NULL));
	assert_true(s.open);
	fc_step_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_gate__planned_needs_a_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__routers_from_settings_or_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__dual_write_min_counts_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__backfill_needs_three_fresh_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__needs_wait_for_full_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__ramp_soaks_and_stays_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__pause_resumes_at_first_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__decommission_is_irreversible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__targets_must_go_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__targets_never_skip_a_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__future_evidence_opens_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__opens_at_says_when, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__ramp_needs_analysis_passes_since_the_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__resume_waits_while_analysis_still_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gate__no_analysis_checks_no_analysis_gate, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
