/* fc_change: one change = rows + journal row + one commit, crash-safe. */
#include "unit.h"

#include "fc_change.h"
#include "fc_settings.h"

static int setup(void **state)
{
	unsetenv("FICUS_ACTOR");
	unsetenv("FICUS_TEST_KILL");
	*state = unit_plan_new();
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

static long long journal(unit_plan *u, const char *where)
{
	char *db = unit_db_path(u), *sql = fc_asprintf("SELECT count(*) FROM journal WHERE %s", where);
	long long n = unit_sql_int(db, sql);
	free(db);
	free(sql);
	return n;
}

static void head_info(unit_plan *u, fc_commit_info *c)
{
	if (fc_repo_head_info(fc_plan_repo(u->p), c) != 0)
		fail_msg("HEAD: %s", fc_error_last());
}

static void test_fc_change__domain_add_makes_exactly_one_commit(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_commit_info c;
	char *file;
	int before = unit_commits(u->p);
	e.owner = "team-t";
	unit_now_value = UNIT_NOW + 3600;
	assert_ok(fc_domain_add(u->p, "tracking", &e, &u->w, &o));
	assert_int_equal(unit_commits(u->p), before + 1);
	head_info(u, &c);
	/* the outcome describes the commit */
	assert_string_equal(o.commit, c.oid);
	assert_int_equal(o.noop, 0);
	assert_int_equal(o.dry_run, 0);
	assert_int_equal(strlen(o.change_id), 10);
	assert_string_equal(o.message, c.message);
	assert_int_equal(o.npaths, 2);
	assert_string_equal(o.paths[0], "domains/tracking.json");
	assert_string_equal(o.paths[1], "PLAN.md");
	/* the message: subject, trailers */
	assert_string_equal(c.subject, "map: add domain 'tracking'");
	assert_string_equal(c.body, "");
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Change"), o.change_id);
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Action"), "domain-add");
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Domain"), "tracking");
	assert_int_equal(c.when, UNIT_NOW + 3600); /* the injected clock */
	/* the journal row is applied with that commit */
	{
		char *where = fc_asprintf("change_id = '%s' AND state = 'applied' AND commit_oid = '%s' "
					  "AND created = %lld AND author_name = 'Unit Test'",
					  o.change_id, c.oid, (long long)(UNIT_NOW + 3600));
		assert_int_equal(journal(u, where), 1);
		free(where);
	}
	/* the work tree has the file */
	file = unit_plan_file(u, "domains/tracking.json");
	assert_non_null(file);
	assert_contains(file, "\"owner\": \"team-t\"");
	free(file);
	fc_commit_info_clear(&c);
	fc_outcome_clear(&o);
}

static void test_fc_change__reason_is_the_body_made_safe(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_commit_info c;
	u->w.reason = "\n\n  split from the monolith\x1b[2J\nsecond line\t(tab)\n\n";
	assert_ok(fc_domain_add(u->p, "a", &e, &u->w, &o));
	head_info(u, &c);
	assert_string_equal(c.body, "split from the monolith?[2J\nsecond line\t(tab)");
	assert_null(strchr(c.message, '\x1b'));
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Domain"), "a");
	fc_commit_info_clear(&c);
	fc_outcome_clear(&o);
}

static void test_fc_change__reason_limit(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	char *big = fc_malloc(8194);
	memset(big, 'r', 8193);
	big[8193] = '\0';
	u->w.reason = big;
	assert_fc(fc_domain_add(u->p, "a", &e, &u->w, &o), FC_ELIMIT);
	assert_int_equal(unit_commits(u->p), 1);
	big[8192] = '\0';
	assert_ok(fc_domain_add(u->p, "a", &e, &u->w, &o));
	fc_outcome_clear(&o);
	free(big);
	u->w.reason = NULL;
}

static void test_fc_change__dry_run_changes_nothing(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_domain d;
	char before[FC_OID_HEX], after[FC_OID_HEX], *file;
	long long rows = journal(u, "1");
	unit_head(u->p, before);
	u->w.dry_run = 1;
	assert_ok(fc_domain_add(u->p, "maybe", &e, &u->w, &o));
	u->w.dry_run = 0;
	assert_int_equal(o.dry_run, 1);
	assert_int_equal(o.noop, 0);
	assert_string_equal(o.commit, "");
	assert_contains(o.message, "map: add domain 'maybe'");
	assert_int_equal(o.npaths, 2);
	unit_head(u->p, after);
	assert_string_equal(after, before);
	assert_int_equal(journal(u, "1"), rows);
	assert_fc(fc_domain_get(u->p, "maybe", &d), FC_ENOTFOUND);
	fc_domain_clear(&d);
	file = unit_plan_file(u, "domains/maybe.json");
	assert_null(file);
	/* the lock and the transaction were released: a real run works */
	fc_outcome_clear(&o);
	assert_int_equal(fc_store_depth(fc_plan_store(u->p)), 0);
	assert_ok(fc_domain_add(u->p, "maybe", &e, &u->w, &o));
	assert_int_equal(unit_commits(u->p), 2);
	fc_outcome_clear(&o);
}

static void test_fc_change__noop_makes_no_commit(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	char head[FC_OID_HEX], now[FC_OID_HEX];
	long long rows;
	assert_ok(fc_domain_add(u->p, "a", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_domain_add(u->p, "b", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_dep_add(u->p, "a", "b", "calls", 3, &u->w, &o));
	fc_outcome_clear(&o);
	unit_head(u->p, head);
	rows = journal(u, "1");
	/* the same dependency again: nothing to do */
	assert_ok(fc_dep_add(u->p, "a", "b", "calls", 3, &u->w, &o));
	assert_int_equal(o.noop, 1);
	assert_string_equal(o.commit, "");
	assert_contains(o.note, "already depends");
	fc_outcome_clear(&o);
	/* an edit that changes no file: the unchanged tree is a no-op too */
	e.owner = "";
	assert_ok(fc_domain_set(u->p, "a", &e, &u->w, &o));
	assert_int_equal(o.noop, 1);
	assert_contains(o.note, "nothing to change");
	fc_outcome_clear(&o);
	unit_head(u->p, now);
	assert_string_equal(now, head);
	assert_int_equal(journal(u, "1"), rows);
	assert_int_equal(fc_store_depth(fc_plan_store(u->p)), 0);
}

static void test_fc_change__direct_api_sanitizes_subject_and_trailers(void **state)
{
	unit_plan *u = *state;
	fc_change *c = NULL;
	fc_outcome o = { 0 };
	fc_commit_info h;
	cJSON *doc = fc_settings_default();
	cJSON_ReplaceItemInObject(doc, "ramp", cJSON_CreateStringArray((const char *[]){ "5%", "100%" }, 2));
	assert_ok(fc_change_begin(&c, u->p, &u->w));
	assert_ptr_equal(fc_change_plan(c), u->p);
	assert_int_equal(fc_change_store(c) == fc_plan_store(u->p), 1);
	assert_null(fc_change_opts(c)->reason);
	assert_int_equal(fc_store_depth(fc_change_store(c)), 1);
	assert_ok(fc_settings_put(fc_change_store(c), doc));
	fc_change_touch(c, "ficus.json");
	fc_change_touch(c, "ficus.json"); /* once is enough */
	fc_change_subject(c, "settings: ramp\nwith a newline");
	fc_change_trailer(c, "Ficus-Action", "settings");
	fc_change_trailer(c, "Ficus-Note", "two\nlines\x1b[0m");
	assert_ok(fc_change_finish(c, &o));
	assert_int_equal(o.npaths, 1);
	head_info(u, &h);
	assert_string_equal(h.subject, "settings: ramp?with a newline");
	assert_string_equal(fc_commit_trailer(&h, "Ficus-Note"), "two?lines?[0m");
	assert_string_equal(fc_commit_trailer(&h, "Ficus-Action"), "settings");
	fc_commit_info_clear(&h);
	fc_outcome_clear(&o);
	cJSON_Delete(doc);
}

static void test_fc_change__abort_rolls_back_and_unlocks(void **state)
{
	unit_plan *u = *state;
	fc_plan *other = unit_plan_open(u, 0);
	fc_change *c = NULL;
	fc_domain d;
	assert_ok(fc_change_begin(&c, u->p, &u->w));
	assert_ok(fc_store_exec(fc_change_store(c), "INSERT INTO domain (name) VALUES ('half')", NULL));
	/* a second writer cannot begin meanwhile */
	{
		fc_change *c2 = NULL;
		assert_fc(fc_change_begin(&c2, other, &u->w), FC_ECONFLICT);
		assert_null(c2);
	}
	fc_change_abort(c);
	fc_change_abort(NULL);
	assert_int_equal(fc_store_depth(fc_plan_store(u->p)), 0);
	assert_fc(fc_domain_get(u->p, "half", &d), FC_ENOTFOUND);
	fc_domain_clear(&d);
	assert_ok(fc_plan_lock(other));
	fc_plan_unlock(other);
	assert_int_equal(unit_commits(u->p), 1);
	fc_plan_free(other);
}

static void test_fc_change__explicit_noop(void **state)
{
	unit_plan *u = *state;
	fc_change *c = NULL;
	fc_outcome o = { 0 };
	long long rows = journal(u, "1");
	assert_ok(fc_change_begin(&c, u->p, &u->w));
	assert_ok(fc_store_exec(fc_change_store(c), "INSERT INTO domain (name) VALUES ('undone')", NULL));
	fc_change_touch(c, "domains/undone.json");
	fc_change_noop(c, "already %s", "so");
	assert_ok(fc_change_finish(c, &o));
	assert_int_equal(o.noop, 1);
	assert_string_equal(o.note, "already so");
	assert_int_equal(unit_commits(u->p), 1);
	assert_int_equal(journal(u, "1"), rows);
	/* the rows were rolled back */
	{
		fc_domain d;
		assert_fc(fc_domain_get(u->p, "undone", &d), FC_ENOTFOUND);
		fc_domain_clear(&d);
	}
	assert_int_equal(fc_store_depth(fc_plan_store(u->p)), 0);
	fc_outcome_clear(&o);
}

/* Run "add domain NAME" in a child killed by FICUS_TEST_KILL=point. */
static void crash(unit_plan *u, const char *point, const char *name)
{
	const char *args[] = { "crash", point, u->dir, name, NULL };
	int st = unit_wait(unit_spawn(args, NULL, NULL));
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("the child was not killed at '%s' (status 0x%x)", point, st);
}

static void test_fc_change__killed_after_db_commit_is_committed_once(void **state)
{
	unit_plan *u = *state;
	fc_commit_info c;
	fc_plan *p;
	char *id, *db = unit_db_path(u), *report = NULL, *file;
	int repaired = -1;
	fc_plan_free(u->p);
	u->p = NULL;
	crash(u, "db", "killed");
	/* the change exists in the database, not yet in git */
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM journal WHERE state = 'db'"), 1);
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM domain WHERE name = 'killed'"), 1);
	id = unit_sql_text(db, "SELECT change_id FROM journal WHERE state = 'db'");
	/* opening the plan finishes it */
	p = unit_plan_open(u, 1000);
	assert_int_equal(unit_commits(p), 2);
	assert_ok(fc_repo_head_info(fc_plan_repo(p), &c));
	assert_string_equal(c.subject, "map: add domain 'killed'");
	assert_string_equal(c.body, "crash test");
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Change"), id);
	assert_string_equal(c.author_name, "Unit Test");
	assert_int_equal(c.when, UNIT_NOW + 3600); /* the time of the change, not of the repair */
	{
		char *sql = fc_asprintf("SELECT count(*) FROM journal WHERE change_id = '%s' AND state = 'applied' "
					"AND commit_oid = '%s'", id, c.oid);
		assert_int_equal(unit_sql_int(db, sql), 1);
		free(sql);
	}
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM journal WHERE state <> 'applied'"), 0);
	file = unit_plan_file(u, "domains/killed.json");
	assert_non_null(file);
	assert_contains(file, "crash-team");
	free(file);
	assert_ok(fc_change_verify(p, &report));
	free(report);
	/* nothing more to repair, and never a second commit */
	assert_ok(fc_session_repair(p, &repaired));
	assert_int_equal(repaired, 0);
	fc_plan_free(p);
	p = unit_plan_open(u, 1000);
	assert_int_equal(unit_commits(p), 2);
	u->p = p;
	fc_commit_info_clear(&c);
	free(id);
	free(db);
}

static void test_fc_change__killed_after_git_commit_is_not_committed_twice(void **state)
{
	unit_plan *u = *state;
	fc_commit_info c;
	char *id, *db = unit_db_path(u), *report = NULL, *sql;
	fc_plan_free(u->p);
	u->p = NULL;
	crash(u, "commit", "late");
	assert_int_equal(unit_sql_int(db, "SELECT count(*) FROM journal WHERE state = 'db'"), 1);
	id = unit_sql_text(db, "SELECT change_id FROM journal WHERE state = 'db'");
	u->p = unit_plan_open(u, 1000);
	/* the commit the child made is the one: init + 1 */
	assert_int_equal(unit_commits(u->p), 2);
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &c));
	assert_string_equal(fc_commit_trailer(&c, "Ficus-Change"), id);
	sql = fc_asprintf("SELECT count(*) FROM journal WHERE change_id = '%s' AND state = 'applied' "
			  "AND commit_oid = '%s'", id, c.oid);
	assert_int_equal(unit_sql_int(db, sql), 1);
	assert_ok(fc_change_verify(u->p, &report));
	free(report);
	free(sql);
	fc_commit_info_clear(&c);
	free(id);
	free(db);
}

static void test_fc_change__repair_by_an_open_handle(void **state)
{
	unit_plan *u = *state;
	int repaired = -1;
	/* this process keeps its plan open while another one dies mid-change */
	crash(u, "db", "first");
	assert_int_equal(unit_commits(u->p), 1);
	assert_ok(fc_session_repair(u->p, &repaired));
	assert_int_equal(repaired, 1);
	assert_int_equal(unit_commits(u->p), 2);
	crash(u, "commit", "second");
	assert_int_equal(unit_commits(u->p), 3);
	assert_ok(fc_session_repair(u->p, &repaired));
	assert_int_equal(repaired, 1);
	assert_int_equal(unit_commits(u->p), 3);
	assert_ok(fc_session_repair(u->p, &repaired));
	assert_int_equal(repaired, 0);
	assert_int_equal(journal(u, "state <> 'applied'"), 0);
}

static void test_fc_change__next_change_repairs_first(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_commit_info c;
	crash(u, "db", "interrupted");
	/* a change begun by a process that opened the plan before the crash */
	assert_ok(fc_domain_add(u->p, "after", &e, &u->w, &o));
	assert_int_equal(unit_commits(u->p), 3);
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &c));
	assert_string_equal(c.subject, "map: add domain 'after'");
	fc_commit_info_clear(&c);
	assert_int_equal(journal(u, "state = 'applied'"), 3);
	fc_outcome_clear(&o);
}

/*
 * Killed after the git commit: repair finds the change in HEAD and must
 * also check its paths out (the work tree lacked domains/late.json before
 * 604591c fixed fc_change_repair).
 */
static void test_fc_change__repair_after_git_commit_refreshes_work_tree(void **state)
{
	unit_plan *u = *state;
	char *file;
	fc_plan_free(u->p);
	u->p = NULL;
	crash(u, "commit", "late");
	u->p = unit_plan_open(u, 1000);
	file = unit_plan_file(u, "domains/late.json");
	assert_non_null(file);
	assert_contains(file, "crash-team");
	free(file);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_change__domain_add_makes_exactly_one_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__reason_is_the_body_made_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__reason_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__dry_run_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__noop_makes_no_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__direct_api_sanitizes_subject_and_trailers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__abort_rolls_back_and_unlocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__explicit_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__killed_after_db_commit_is_committed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__killed_after_git_commit_is_not_committed_twice,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__repair_by_an_open_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__next_change_repairs_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_change__repair_after_git_commit_refreshes_work_tree,
						setup, teardown),
	};
	unit_child_dispatch(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
