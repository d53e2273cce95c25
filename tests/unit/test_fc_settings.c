/* fc_settings: the plan settings document, its validation and storage. */
#include "fc_json.h"
#include "fc_render.h"
#include "fc_settings.h"
#include "unit.h"

static cJSON *doc(const char *text)
{
	cJSON *o = NULL;
	if (fc_json_parse(&o, "test", text, strlen(text), 1 << 20) != 0)
		fail_msg("bad test document: %s", fc_error_last());
	return o;
}

static int parse_text(fc_gate_settings *g, const char *text)
{
	cJSON *o = doc(text);
	int rc = fc_settings_parse(g, o, "ficus.json");
	cJSON_Delete(o);
	return rc;
}

static void test_fc_settings__default_document_is_valid(void **state)
{
	cJSON *d = fc_settings_default();
	fc_gate_settings g;
	(void)state;
	assert_ok(fc_settings_parse(&g, d, "default"));
	assert_int_equal(g.nramp, 4);
	assert_int_equal(g.ramp[0], 100);
	assert_int_equal(g.ramp[1], 1000);
	assert_int_equal(g.ramp[2], 5000);
	assert_int_equal(g.ramp[3], 10000);
	assert_int_equal(g.dual_write_min, 14 * 86400);
	assert_int_equal(g.reconcile_passes, 3);
	assert_int_equal(g.reconcile_max_age, 24 * 3600);
	assert_int_equal(g.step_soak, 7 * 86400);
	assert_int_equal(g.cutover_soak, 7 * 86400);
	assert_string_equal(g.reconcile_check, "reconcile");
	cJSON_Delete(d);
}

static void test_fc_settings__minimal_document_takes_defaults(void **state)
{
	fc_gate_settings g;
	(void)state;
	assert_ok(parse_text(&g, "{\"version\": 1}"));
	assert_int_equal(g.nramp, 4);
	assert_int_equal(g.ramp[3], 10000);
	assert_int_equal(g.step_soak, 7 * 86400);
}

static void test_fc_settings__overrides(void **state)
{
	fc_gate_settings g;
	(void)state;
	assert_ok(parse_text(&g, "{\"version\": 1, \"ramp\": [\"0.5%\", \"5\", \"100%\"], "
				 "\"gates\": {\"dual_write_min\": \"2d\", \"reconcile_passes\": 0, "
				 "\"reconcile_max_age\": \"90m\", \"reconcile_check\": \"recon-v2\", "
				 "\"step_soak\": \"1h\", \"cutover_soak\": \"2w\"}, \"routers\": [], \"checks\": {}}"));
	assert_int_equal(g.nramp, 3);
	assert_int_equal(g.ramp[0], 50);
	assert_int_equal(g.ramp[1], 500);
	assert_int_equal(g.ramp[2], 10000);
	assert_int_equal(g.dual_write_min, 2 * 86400);
	assert_int_equal(g.reconcile_passes, 0);
	assert_int_equal(g.reconcile_max_age, 90 * 60);
	assert_string_equal(g.reconcile_check, "recon-v2");
	assert_int_equal(g.step_soak, 3600);
	assert_int_equal(g.cutover_soak, 14 * 86400);
}

static void refused(const char *text, const char *want)
{
	fc_gate_settings g;
	int rc = parse_text(&g, text);
	if (rc != FC_EPARSE)
		fail_msg("settings %s gave %d, expected FC_EPARSE", text, rc);
	assert_contains(fc_error_last(), "ficus.json");
	assert_contains(fc_error_last(), want);
}

static void test_fc_settings__refuses_bad_documents(void **state)
{
	(void)state;
	refused("[]", "must be a JSON object");
	refused("{}", "version 0");
	refused("{\"version\": 2}", "version 2");
	refused("{\"version\": 1, \"colour\": \"red\"}", "unknown setting 'colour'");
	refused("{\"version\": 1, \"ramp\": []}", "'ramp'");
	refused("{\"version\": 1, \"ramp\": \"10%\"}", "'ramp'");
	refused("{\"version\": 1, \"ramp\": [\"50%\", \"10%\", \"100%\"]}", "increasing");
	refused("{\"version\": 1, \"ramp\": [\"10%\", \"10%\", \"100%\"]}", "increasing");
	refused("{\"version\": 1, \"ramp\": [\"0%\", \"100%\"]}", "above 0");
	refused("{\"version\": 1, \"ramp\": [\"10%\", \"50%\"]}", "last ramp step");
	refused("{\"version\": 1, \"ramp\": [10, \"100%\"]}", "'ramp'");
	refused("{\"version\": 1, \"ramp\": [\"1.234%\", \"100%\"]}", "'ramp'");
	refused("{\"version\": 1, \"gates\": []}", "'gates' must be an object");
	refused("{\"version\": 1, \"gates\": {\"soak\": \"1d\"}}", "unknown gate setting 'soak'");
	refused("{\"version\": 1, \"gates\": {\"step_soak\": \"soon\"}}", "'step_soak'");
	refused("{\"version\": 1, \"gates\": {\"step_soak\": 3600}}", "'step_soak'");
	refused("{\"version\": 1, \"gates\": {\"reconcile_passes\": 21}}", "0..20");
	refused("{\"version\": 1, \"gates\": {\"reconcile_passes\": -1}}", "0..20");
	refused("{\"version\": 1, \"gates\": {\"reconcile_passes\": 1.5}}", "integer");
	refused("{\"version\": 1, \"gates\": {\"reconcile_check\": \"../x\"}}", "reconcile_check");
	refused("{\"version\": 1, \"routers\": {}}", "'routers' must be a list");
	refused("{\"version\": 1, \"checks\": []}", "'checks' must be an object");
	refused("{\"version\": 1, \"layout\": \"deep\"}", "'layout'");
	refused("{\"version\": 1, \"layout\": 1}", "'layout'");
}

static void test_fc_settings__ramp_limit(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_gate_settings g;
	(void)state;
	fc_buf_puts(&b, "{\"version\": 1, \"ramp\": [");
	for (int i = 1; i <= FC_RAMP_MAX; i++)
		fc_buf_printf(&b, "%s\"%d%%\"", i > 1 ? ", " : "", i == FC_RAMP_MAX ? 100 : i);
	fc_buf_puts(&b, "]}");
	assert_ok(parse_text(&g, b.ptr));
	assert_int_equal(g.nramp, FC_RAMP_MAX);
	fc_buf_clear(&b);
	fc_buf_puts(&b, "{\"version\": 1, \"ramp\": [");
	for (int i = 1; i <= FC_RAMP_MAX + 1; i++)
		fc_buf_printf(&b, "%s\"%d%%\"", i > 1 ? ", " : "", i == FC_RAMP_MAX + 1 ? 100 : i);
	fc_buf_puts(&b, "]}");
	refused(b.ptr, "1 to 16");
	fc_buf_free(&b);
}

static void test_fc_settings__gate_overrides_on_a_base(void **state)
{
	fc_gate_settings g;
	cJSON *o;
	(void)state;
	assert_ok(parse_text(&g, "{\"version\": 1}"));
	o = doc("{\"step_soak\": \"3d\"}");
	assert_ok(fc_gate_settings_apply(&g, o, "service 'x'"));
	assert_int_equal(g.step_soak, 3 * 86400);
	assert_int_equal(g.cutover_soak, 7 * 86400); /* the rest stays */
	assert_int_equal(g.reconcile_passes, 3);
	cJSON_Delete(o);
	assert_ok(fc_gate_settings_apply(&g, NULL, "service 'x'"));
	o = doc("{\"bogus\": 1}");
	assert_fc(fc_gate_settings_apply(&g, o, "service 'x'"), FC_EPARSE);
	assert_contains(fc_error_last(), "service 'x': unknown gate setting 'bogus'");
	cJSON_Delete(o);
}

typedef struct {
	char *dir;
	fc_store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = fc_calloc(1, sizeof(*f));
	char *path;
	f->dir = unit_tmpdir();
	path = fc_asprintf("%s/plan.db", f->dir);
	if (fc_store_open(&f->s, path, 1, 1000) != 0)
		fail_msg("fc_store_open: %s", fc_error_last());
	free(path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fc_store_free(f->s);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static void test_fc_settings__empty_store_gives_defaults(void **state)
{
	fixture *f = *state;
	fc_settings st;
	assert_ok(fc_settings_get(f->s, &st));
	assert_int_equal(st.gates.nramp, 4);
	assert_non_null(st.doc);
	fc_settings_clear(&st);
	assert_null(st.doc);
	fc_settings_clear(NULL);
}

static void test_fc_settings__put_stores_canonical_compact_json(void **state)
{
	fixture *f = *state;
	cJSON *d = doc("{\"ramp\": [\"5%\", \"100%\"],   \"version\": 1}");
	fc_settings st;
	char *raw;
	assert_ok(fc_settings_put(f->s, d));
	raw = fc_store_setting(f->s, "plan");
	assert_string_equal(raw, "{\"ramp\":[\"5%\",\"100%\"],\"version\":1}");
	free(raw);
	assert_ok(fc_settings_get(f->s, &st));
	assert_int_equal(st.gates.nramp, 2);
	assert_int_equal(st.gates.ramp[0], 500);
	fc_settings_clear(&st);
	cJSON_Delete(d);
}

static void test_fc_settings__put_refuses_invalid_and_keeps_old(void **state)
{
	fixture *f = *state;
	cJSON *good = doc("{\"version\": 1, \"ramp\": [\"20%\", \"100%\"]}");
	cJSON *bad = doc("{\"version\": 1, \"ramp\": [\"20%\"]}");
	fc_settings st;
	assert_ok(fc_settings_put(f->s, good));
	assert_fc(fc_settings_put(f->s, bad), FC_EPARSE);
	assert_ok(fc_settings_get(f->s, &st));
	assert_int_equal(st.gates.ramp[0], 2000);
	fc_settings_clear(&st);
	cJSON_Delete(good);
	cJSON_Delete(bad);
}

static void test_fc_settings__render_file_is_pretty_and_stable(void **state)
{
	fixture *f = *state;
	fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
	int exists = 0;
	cJSON *d = fc_settings_default();
	assert_ok(fc_settings_put(f->s, d));
	assert_ok(fc_settings_render_file(f->s, NULL, &a, &exists));
	assert_int_equal(exists, 1);
	assert_ok(fc_settings_render_file(f->s, NULL, &b, &exists));
	assert_string_equal(a.ptr, b.ptr);
	assert_true(a.len > 0 && a.ptr[a.len - 1] == '\n');
	assert_contains(a.ptr, "{\n  \"checks\": {},\n  \"gates\": {\n    \"cutover_soak\": \"7d\",");
	assert_contains(a.ptr, "\"ramp\": [\n    \"1%\",\n    \"10%\",\n    \"50%\",\n    \"100%\"\n  ],");
	assert_contains(a.ptr, "\"version\": 1\n}\n");
	fc_buf_free(&a);
	fc_buf_free(&b);
	cJSON_Delete(d);
}

static void test_fc_settings__load_file_round_trip(void **state)
{
	fixture *f = *state;
	fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
	const char *text = "{\"version\": 1, \"ramp\": [\"2%\", \"100%\"], \"gates\": {\"step_soak\": \"1d\"}}";
	int exists;
	assert_ok(fc_settings_load_file(f->s, NULL, text, strlen(text)));
	assert_ok(fc_settings_render_file(f->s, NULL, &a, &exists));
	/* loading the rendering gives the same rendering */
	assert_ok(fc_settings_load_file(f->s, NULL, a.ptr, a.len));
	assert_ok(fc_settings_render_file(f->s, NULL, &b, &exists));
	assert_string_equal(a.ptr, b.ptr);
	assert_fc(fc_settings_load_file(f->s, NULL, "{\"version\": 1,", 14), FC_EPARSE);
	assert_contains(fc_error_last(), "ficus.json");
	assert_fc(fc_settings_load_file(f->s, NULL, "{\"version\": 3}", 14), FC_EPARSE);
	assert_contains(fc_error_last(), "ficus.json");
	fc_buf_free(&a);
	fc_buf_free(&b);
}

static void test_fc_settings__corrupt_stored_document_is_an_error(void **state)
{
	fixture *f = *state;
	fc_settings st;
	assert_ok(fc_store_set_setting(f->s, "plan", "{\"version\": 1, \"ramp\": [\"50%\"]}"));
	assert_fc(fc_settings_get(f->s, &st), FC_EPARSE);
	assert_null(st.doc);
	assert_ok(fc_store_set_setting(f->s, "plan", "{not json"));
	assert_fc(fc_settings_get(f->s, &st), FC_EPARSE);
}

static void test_fc_settings__layout_lives_beside_the_document(void **state)
{
	fixture *f = *state;
	const char *fan = "{\"version\": 1, \"layout\": \"fanout\"}";
	cJSON *flat = doc("{\"version\": 1, \"layout\": \"flat\"}");
	fc_buf b = FC_BUF_INIT;
	char *raw;
	int exists;
	/* the stored document never holds the layout */
	assert_ok(fc_settings_put(f->s, flat));
	raw = fc_store_setting(f->s, "plan");
	assert_string_equal(raw, "{\"version\":1}");
	free(raw);
	assert_null(fc_store_setting(f->s, "layout"));
	assert_ok(fc_settings_render_file(f->s, NULL, &b, &exists));
	assert_not_contains(b.ptr, "layout");
	/* a fanned-out plan file sets the layout, and renders it back */
	assert_ok(fc_settings_load_file(f->s, NULL, fan, strlen(fan)));
	raw = fc_store_setting(f->s, "layout");
	assert_string_equal(raw, "fanout");
	free(raw);
	fc_buf_clear(&b);
	assert_ok(fc_settings_render_file(f->s, NULL, &b, &exists));
	assert_string_equal(b.ptr, "{\n  \"layout\": \"fanout\",\n  \"version\": 1\n}\n");
	fc_buf_free(&b);
	cJSON_Delete(flat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_settings__default_document_is_valid),
		cmocka_unit_test(test_fc_settings__minimal_document_takes_defaults),
		cmocka_unit_test(test_fc_settings__overrides),
		cmocka_unit_test(test_fc_settings__refuses_bad_documents),
		cmocka_unit_test(test_fc_settings__ramp_limit),
		cmocka_unit_test(test_fc_settings__gate_overrides_on_a_base),
		cmocka_unit_test_setup_teardown(test_fc_settings__empty_store_gives_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__put_stores_canonical_compact_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__put_refuses_invalid_and_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__render_file_is_pretty_and_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__load_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__corrupt_stored_document_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_settings__layout_lives_beside_the_document, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
