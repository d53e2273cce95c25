/* fc_svcdoc: the service document, written as fc_json_render would. */
#include "unit.h"

#include "fc_gate.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_pin_edit.h"
#include "fc_svcdoc.h"

static int setup(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_domain_edit d = FC_DOMAIN_EDIT_INIT;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	const char *checks[] = { "reconcile=./reconcile.sh --strict" };
	const char *gates[] = { "step_soak=2d" };
	fc_outcome o = { 0 };

	d.rps = "3200.25";
	assert_ok(fc_domain_add(u->p, "tracking", &d, &u->w, &o));
	fc_outcome_clear(&o);
	/* a plain service, and one with every list, overrides and odd text */
	e.domains = "tracking";
	assert_ok(fc_service_add(u->p, "plain", &e, &u->w, &o));
	fc_outcome_clear(&o);
	e.description = "quotes \" back\\slash \t tab, caf\xc3\xa9 and \x7f";
	e.route = "/api/tracking";
	e.needs = "plain";
	e.checks = checks;
	e.nchecks = 1;
	e.gates = gates;
	e.ngates = 1;
	assert_ok(fc_service_add(u->p, "tracking", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_check_record(u->p, "tracking", "reconcile", 0, "3 rows \"differ\"", &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_check_record(u->p, "tracking", "reconcile", 1, "ok", &u->w, &o));
	fc_outcome_clear(&o);
	/* tenant pins: counted in the document */
	{
		fc_tenants t = { NULL, 0 };
		assert_ok(fc_tenants_parse(&t, "acme,dogfood", 0));
		assert_ok(fc_service_pin(u->p, "tracking", FC_PIN_IN, &t, &u->w, &o));
		fc_outcome_clear(&o);
		fc_tenants_clear(&t);
	}
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

/* The document of one service, by the writer. */
static char *written(unit_plan *u, const char *name, int brief)
{
	fc_buf b = FC_BUF_INIT;
	fc_service s;
	fc_step st;

	assert_ok(fc_service_get(u->p, name, &s));
	assert_ok(fc_next_step_of(u->p, &s, NULL, &st));
	fc_buf_puts(&b, "{\n  \"services\": [\n    ");
	fc_svcdoc_service(&b, &s, &st, 2, brief);
	fc_buf_puts(&b, "\n  ]\n}\n");
	fc_step_clear(&st);
	fc_service_clear(&s);
	return fc_buf_detach(&b);
}

/* The same bytes fc_json_render gives for the parsed document: canonical. */
static void assert_canonical(const char *doc)
{
	cJSON *tree = NULL;
	fc_buf b = FC_BUF_INIT;

	assert_ok(fc_json_parse(&tree, "document", doc, strlen(doc), FC_FILE_MAX));
	fc_json_render(&b, tree);
	assert_string_equal(fc_buf_cstr(&b), doc);
	fc_buf_free(&b);
	cJSON_Delete(tree);
}

static void test_fc_svcdoc__renders_as_fc_json(void **state)
{
	unit_plan *u = *state;
	const char *names[] = { "plain", "tracking" };

	for (size_t i = 0; i < 2; i++)
		for (int brief = 0; brief < 2; brief++) {
			char *doc = written(u, names[i], brief);
			assert_canonical(doc);
			free(doc);
		}
}

/* Traffic that takes decimals, an exponent, or more digits than 15 hold. */
static void test_fc_svcdoc__numbers_as_fc_json(void **state)
{
	unit_plan *u = *state;
	const char *rps[] = { "0.5", "0.0001", "0.00005", "123456.123456", "99999999999.5", "0.1" };

	for (size_t i = 0; i < sizeof(rps) / sizeof(rps[0]); i++) {
		fc_domain_edit d = FC_DOMAIN_EDIT_INIT;
		fc_service_edit e = FC_SERVICE_EDIT_INIT;
		fc_outcome o = { 0 };
		char name[16], *doc;

		snprintf(name, sizeof(name), "n%zu", i);
		d.rps = rps[i];
		assert_ok(fc_domain_add(u->p, name, &d, &u->w, &o));
		fc_outcome_clear(&o);
		e.domains = i + 1 < sizeof(rps) / sizeof(rps[0]) ? name : "n5, n0";
		assert_ok(fc_service_add(u->p, name, &e, &u->w, &o));
		fc_outcome_clear(&o);
		doc = written(u, name, 1);
		assert_canonical(doc);
		free(doc);
	}
}

static void test_fc_svcdoc__holds_the_service_and_its_step(void **state)
{
	unit_plan *u = *state;
	char *full = written(u, "tracking", 0), *brief = written(u, "tracking", 1);
	cJSON *doc = NULL, *sv, *want;
	fc_service s;

	assert_ok(fc_json_parse(&doc, "document", full, strlen(full), FC_FILE_MAX));
	sv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "services"), 0);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(sv, "next"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sv, "next"), "gates"));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sv, "bp")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sv, "rps")));
	/* everything the plan file says of the service, unchanged */
	assert_ok(fc_service_get(u->p, "tracking", &s));
	want = fc_service_to_json(&s);
	for (cJSON *m = want->child; m; m = m->next) {
		const cJSON *got = cJSON_GetObjectItemCaseSensitive(sv, m->string);
		if (strcmp(m->string, "recent_checks")) {
			assert_true(cJSON_Compare(m, got, 1));
			continue;
		}
		/* each result as the file has it, and its outcome always (the file names only no-data and error) */
		assert_int_equal(cJSON_GetArraySize(m), cJSON_GetArraySize(got));
		for (int i = 0; i < cJSON_GetArraySize(m); i++) {
			const cJSON *fr = cJSON_GetArrayItem(m, i), *gr = cJSON_GetArrayItem(got, i);
			assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(gr, "outcome")));
			for (const cJSON *k = fr->child; k; k = k->next)
				assert_true(cJSON_Compare(k, cJSON_GetObjectItemCaseSensitive(gr, k->string), 1));
		}
	}
	cJSON_Delete(want);
	fc_service_clear(&s);
	assert_contains(full, "\"recent_checks\"");
	assert_contains(full, "\"checks\"");
	assert_not_contains(brief, "\"recent_checks\"");
	assert_not_contains(brief, "\"checks\"");
	assert_contains(brief, "\"next\"");
	cJSON_Delete(doc);
	free(full);
	free(brief);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_svcdoc__renders_as_fc_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_svcdoc__numbers_as_fc_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_svcdoc__holds_the_service_and_its_step, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
