/* fc_log: the history of decisions, filtered by name, limited. */
#include "unit.h"

#include "fc_change.h"
#include "fc_json.h"
#include "fc_log.h"
#include "fc_settings.h"

static void build(unit_plan *u)
{
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	unit_now_value = UNIT_NOW + 60;
	assert_ok(fc_domain_add(u->p, "alpha", &e, &u->w, &o));
	fc_outcome_clear(&o);
	unit_now_value = UNIT_NOW + 120;
	assert_ok(fc_domain_add(u->p, "beta", &e, &u->w, &o));
	fc_outcome_clear(&o);
	unit_now_value = UNIT_NOW + 180;
	assert_ok(fc_dep_add(u->p, "alpha", "beta", NULL, 0, &u->w, &o));
	fc_outcome_clear(&o);
	unit_now_value = UNIT_NOW + 240;
	e.owner = "team-b";
	assert_ok(fc_domain_set(u->p, "beta", &e, &u->w, &o));
	fc_outcome_clear(&o);
}

static int setup(void **state)
{
	unit_plan *u = unit_plan_new();
	build(u);
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

typedef struct {
	fc_buf subjects;
	fc_time when[16];
	int n;
	int stop_after;
} seen;

static int collect(const fc_log_entry *e, void *ctx)
{
	seen *s = ctx;
	fc_buf_printf(&s->subjects, "%s\n", e->subject);
	if (s->n < 16)
		s->when[s->n] = e->when;
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 1 : 0;
}

static char *walk(unit_plan *u, const char *name, long limit, int *count)
{
	seen s = { FC_BUF_INIT, { 0 }, 0, 0 };
	if (fc_log_walk(u->p, name, limit, collect, &s) != 0)
		fail_msg("fc_log_walk: %s", fc_error_last());
	if (count)
		*count = s.n;
	return fc_buf_detach(&s.subjects);
}

static void test_fc_log__all_newest_first(void **state)
{
	unit_plan *u = *state;
	seen s = { FC_BUF_INIT, { 0 }, 0, 0 };
	assert_ok(fc_log_walk(u->p, NULL, -1, collect, &s));
	assert_string_equal(fc_buf_cstr(&s.subjects),
		"map: edit domain 'beta'\n"
		"map: 'alpha' calls 'beta'\n"
		"map: add domain 'beta'\n"
		"map: add domain 'alpha'\n"
		"plan: init\n");
	assert_int_equal(s.n, 5);
	assert_int_equal(s.when[0], UNIT_NOW + 240);
	assert_int_equal(s.when[3], UNIT_NOW + 60);
	assert_int_equal(s.when[4], UNIT_NOW);
	fc_buf_free(&s.subjects);
}

static void test_fc_log__filter_by_domain(void **state)
{
	unit_plan *u = *state;
	int n;
	char *t = walk(u, "alpha", -1, &n);
	assert_string_equal(t, "map: 'alpha' calls 'beta'\nmap: add domain 'alpha'\n");
	assert_int_equal(n, 2);
	free(t);
	/* the dependency commit names alpha as its domain, not beta */
	t = walk(u, "beta", -1, &n);
	assert_string_equal(t, "map: edit domain 'beta'\nmap: add domain 'beta'\n");
	free(t);
	t = walk(u, "gamma", -1, &n);
	assert_int_equal(n, 0);
	assert_string_equal(t, "");
	free(t);
}

static void test_fc_log__limit(void **state)
{
	unit_plan *u = *state;
	int n;
	char *t = walk(u, "alpha", 1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(t, "map: 'alpha' calls 'beta'\n");
	free(t);
	t = walk(u, NULL, 3, &n);
	assert_int_equal(n, 3);
	free(t);
	t = walk(u, NULL, 0, &n);
	assert_int_equal(n, 0);
	free(t);
	t = walk(u, NULL, 100, &n);
	assert_int_equal(n, 5);
	free(t);
}

static void test_fc_log__callback_stops_the_walk(void **state)
{
	unit_plan *u = *state;
	seen s = { FC_BUF_INIT, { 0 }, 0, 2 };
	assert_ok(fc_log_walk(u->p, NULL, -1, collect, &s));
	assert_int_equal(s.n, 2);
	fc_buf_free(&s.subjects);
}

static int refuse(const fc_log_entry *e, void *ctx)
{
	(void)e;
	(void)ctx;
	return FC_EDRIFT;
}

static void test_fc_log__callback_error_is_returned(void **state)
{
	unit_plan *u = *state;
	assert_int_equal(fc_log_walk(u->p, NULL, -1, refuse, NULL), FC_EDRIFT);
}

static void test_fc_log__invalid_name_is_refused(void **state)
{
	unit_plan *u = *state;
	seen s = { FC_BUF_INIT, { 0 }, 0, 0 };
	assert_fc(fc_log_walk(u->p, "../x", -1, collect, &s), FC_EINVAL);
	assert_int_equal(s.n, 0);
	fc_buf_free(&s.subjects);
}

static void test_fc_log__filter_by_service_trailer(void **state)
{
	unit_plan *u = *state;
	fc_change *c = NULL;
	fc_outcome o = { 0 };
	cJSON *doc = fc_settings_default();
	char *t;
	int n;
	cJSON_ReplaceItemInObject(doc, "ramp", cJSON_CreateStringArray((const char *[]){ "25%", "100%" }, 2));
	assert_ok(fc_change_begin(&c, u->p, &u->w));
	assert_ok(fc_settings_put(fc_change_store(c), doc));
	fc_change_touch(c, "ficus.json");
	fc_change_subject(c, "service: ramp tracking");
	fc_change_trailer(c, "Ficus-Service", "tracking");
	assert_ok(fc_change_finish(c, &o));
	fc_outcome_clear(&o);
	cJSON_Delete(doc);
	t = walk(u, "tracking", -1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(t, "service: ramp tracking\n");
	free(t);
	/* a name is matched exactly, not as a prefix */
	t = walk(u, "track", -1, &n);
	assert_int_equal(n, 0);
	free(t);
}

static int first_json(const fc_log_entry *e, void *ctx)
{
	*(cJSON **)ctx = fc_log_entry_json(e);
	return 1;
}

static void test_fc_log__entry_as_json(void **state)
{
	unit_plan *u = *state;
	cJSON *j = NULL;
	const cJSON *t;
	const char *s = NULL;
	fc_commit_info head;
	assert_ok(fc_log_walk(u->p, "alpha", 1, first_json, &j));
	assert_non_null(j);
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &head));
	assert_ok(fc_json_get_str(&s, j, "subject", "entry"));
	assert_string_equal(s, "map: 'alpha' calls 'beta'");
	assert_ok(fc_json_get_str(&s, j, "time", "entry"));
	assert_string_equal(s, "2026-11-22T10:03:00Z");
	assert_ok(fc_json_get_str(&s, j, "author", "entry"));
	assert_string_equal(s, "Unit Test");
	assert_ok(fc_json_get_str(&s, j, "email", "entry"));
	assert_string_equal(s, "unit@ficus.invalid");
	assert_ok(fc_json_get_str(&s, j, "commit", "entry"));
	assert_int_equal(strlen(s), 40);
	assert_string_not_equal(s, head.oid); /* HEAD is the later edit of beta */
	assert_ok(fc_json_get_str(&s, j, "body", "entry"));
	assert_string_equal(s, "");
	t = cJSON_GetObjectItemCaseSensitive(j, "trailers");
	assert_true(cJSON_IsObject(t));
	assert_ok(fc_json_get_str(&s, t, "Ficus-Domain", "trailers"));
	assert_string_equal(s, "alpha");
	assert_ok(fc_json_get_str(&s, t, "Ficus-Action", "trailers"));
	assert_string_equal(s, "dep-add");
	assert_ok(fc_json_get_str(&s, t, "Ficus-To", "trailers"));
	assert_string_equal(s, "beta calls weight 1");
	fc_commit_info_clear(&head);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_log__all_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__filter_by_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__callback_stops_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__callback_error_is_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__invalid_name_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__filter_by_service_trailer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_log__entry_as_json, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
