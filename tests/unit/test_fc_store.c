/* fc_store: migrations, schema refusal, nested transactions, locking, binding. */
#include "unit.h"

typedef struct {
	char *dir;
	char *path;
	fc_store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = fc_calloc(1, sizeof(*f));
	f->dir = unit_tmpdir();
	f->path = fc_asprintf("%s/plan.db", f->dir);
	if (fc_store_open(&f->s, f->path, 1, 1000) != 0)
		fail_msg("fc_store_open: %s", fc_error_last());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fc_store_free(f->s);
	free(f->path);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static long long count(fc_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	assert_ok(fc_store_prepare(s, &st, sql));
	if (fc_store_step(s, st) == 1)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_fc_store__migrations_applied_in_order(void **state)
{
	fixture *f = *state;
	assert_true(fc_migrations_count >= 1);
	assert_int_equal(fc_store_schema_version(), (int)fc_migrations_count);
	for (size_t i = 0; i < fc_migrations_count; i++) {
		assert_int_equal(fc_migrations[i].version, (int)i + 1);
		assert_non_null(fc_migrations[i].name);
		assert_true(strlen(fc_migrations[i].sql) > 0);
	}
	assert_int_equal(count(f->s, "PRAGMA user_version"), fc_store_schema_version());
	assert_int_equal(unit_sql_int(f->path, "PRAGMA user_version"), fc_store_schema_version());
	/* the tables of the first migration exist */
	assert_int_equal(count(f->s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
				     "name IN ('setting', 'domain', 'dep', 'journal')"), 4);
}

static void test_fc_store__connection_invariants(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	assert_ok(fc_store_prepare(f->s, &st, "PRAGMA journal_mode"));
	assert_int_equal(fc_store_step(f->s, st), 1);
	assert_string_equal(fc_col_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(count(f->s, "PRAGMA foreign_keys"), 1);
	/* foreign keys are enforced: a dependency on unknown domains fails */
	assert_fc(fc_store_exec(f->s, "INSERT INTO dep (src, dst, kind) VALUES ('a', 'b', 'calls')", NULL),
		  FC_EEXISTS);
	assert_contains(fc_error_last(), "FOREIGN KEY");
}

/* Scanning reads through a small cache instead of the map, and back; the data reads the same. */
static void test_fc_store__scan_and_back(void **state)
{
	fixture *f = *state;
	assert_int_equal(count(f->s, "PRAGMA mmap_size"), 268435456);
	assert_ok(fc_store_set_setting(f->s, "k", "v"));
	assert_ok(fc_store_scan(f->s, 1));
	assert_ok(fc_store_scan(f->s, 1));
	assert_int_equal(count(f->s, "PRAGMA mmap_size"), 0);
	assert_int_equal(count(f->s, "PRAGMA cache_size"), 32);
	assert_int_equal(count(f->s, "SELECT count(*) FROM setting WHERE key = 'k' AND value = 'v'"), 1);
	assert_ok(fc_store_scan(f->s, 0));
	assert_int_equal(count(f->s, "PRAGMA mmap_size"), 268435456);
	assert_int_equal(count(f->s, "PRAGMA cache_size"), -2000);
	assert_int_equal(count(f->s, "SELECT count(*) FROM setting WHERE key = 'k' AND value = 'v'"), 1);
}

static void test_fc_store__reopen_keeps_data_and_version(void **state)
{
	fixture *f = *state;
	assert_ok(fc_store_set_setting(f->s, "k", "v"));
	fc_store_free(f->s);
	f->s = NULL;
	assert_ok(fc_store_open(&f->s, f->path, 0, 1000));
	{
		char *v = fc_store_setting(f->s, "k");
		assert_string_equal(v, "v");
		free(v);
	}
	assert_int_equal(count(f->s, "PRAGMA user_version"), fc_store_schema_version());
}

static void test_fc_store__readonly_reads_and_never_writes(void **state)
{
	fixture *f = *state;
	fc_store *ro = NULL;
	char *shm = fc_asprintf("%s-shm", f->path), *other = fc_asprintf("%s/none.db", f->dir);
	assert_ok(fc_store_set_setting(f->s, "k", "v"));
	fc_store_free(f->s); /* the last close checkpoints and removes -wal and -shm */
	f->s = NULL;
	assert_int_not_equal(access(shm, F_OK), 0);
	assert_ok(fc_store_open_readonly(&ro, f->path, 1000));
	{
		char *v = fc_store_setting(ro, "k");
		assert_string_equal(v, "v");
		free(v);
	}
	assert_true(fc_store_set_setting(ro, "k", "w") < 0);
	fc_store_free(ro);
	assert_fc(fc_store_open_readonly(&ro, other, 1000), FC_ENOTFOUND);
	assert_null(ro);
	/* an older schema cannot be migrated here: said, not half done */
	unit_sql_exec(f->path, "PRAGMA user_version = 1");
	assert_fc(fc_store_open_readonly(&ro, f->path, 1000), FC_ERROR);
	assert_contains(fc_error_last(), "read-only");
	free(shm);
	free(other);
}

static void test_fc_store__missing_database_without_create(void **state)
{
	fixture *f = *state;
	fc_store *s = (fc_store *)1;
	char *other = fc_asprintf("%s/none.db", f->dir);
	assert_fc(fc_store_open(&s, other, 0, 100), FC_ENOTFOUND);
	assert_null(s);
	assert_contains(fc_error_last(), "none.db");
	assert_int_equal(access(other, F_OK), -1); /* not created */
	free(other);
}

static void test_fc_store__newer_schema_is_refused_with_advice(void **state)
{
	fixture *f = *state;
	fc_store *s = (fc_store *)1;
	char sql[64];
	fc_store_free(f->s);
	f->s = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", fc_store_schema_version() + 1);
	unit_sql_exec(f->path, sql);
	assert_fc(fc_store_open(&s, f->path, 0, 100), FC_ESCHEMA);
	assert_null(s);
	assert_contains(fc_error_last(), f->path);
	assert_contains(fc_error_last(), "newer ficus");
	assert_contains(fc_error_last(), "ficus rebuild");
	/* the database was left alone */
	assert_int_equal(unit_sql_int(f->path, "PRAGMA user_version"), fc_store_schema_version() + 1);
}

static void test_fc_store__older_schema_is_migrated(void **state)
{
	fixture *f = *state;
	char *path = fc_asprintf("%s/old.db", f->dir);
	fc_store *s = NULL;
	if (fc_migrations_count < 2) {
		free(path);
		skip();
	}
	/* a database at version 1: the first migration only */
	{
		char *sql = fc_asprintf("%s; PRAGMA user_version = 1;", fc_migrations[0].sql);
		unit_sql_exec(path, sql);
		free(sql);
	}
	unit_sql_exec(path, "INSERT INTO domain (name) VALUES ('kept')");
	assert_ok(fc_store_open(&s, path, 0, 1000));
	assert_int_equal(count(s, "PRAGMA user_version"), fc_store_schema_version());
	assert_int_equal(count(s, "SELECT count(*) FROM domain WHERE name = 'kept'"), 1);
	fc_store_free(s);
	free(path);
}

static void test_fc_store__nested_commit(void **state)
{
	fixture *f = *state;
	assert_int_equal(fc_store_depth(f->s), 0);
	assert_ok(fc_store_begin(f->s, 1));
	assert_ok(fc_store_begin(f->s, 1));
	assert_int_equal(fc_store_depth(f->s), 2);
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES (?)", "s", "inner"));
	assert_ok(fc_store_commit(f->s));
	assert_int_equal(fc_store_depth(f->s), 1);
	/* not visible to another connection until the outermost commit */
	assert_int_equal(unit_sql_int(f->path, "SELECT count(*) FROM domain"), 0);
	assert_ok(fc_store_commit(f->s));
	assert_int_equal(fc_store_depth(f->s), 0);
	assert_int_equal(unit_sql_int(f->path, "SELECT count(*) FROM domain"), 1);
}

static void test_fc_store__inner_rollback_dooms_outer(void **state)
{
	fixture *f = *state;
	assert_ok(fc_store_begin(f->s, 1));
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('outer')", NULL));
	assert_ok(fc_store_begin(f->s, 1));
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('inner')", NULL));
	fc_store_rollback(f->s);
	assert_int_equal(fc_store_depth(f->s), 1);
	assert_fc(fc_store_commit(f->s), FC_ERROR);
	assert_contains(fc_error_last(), "rolled back");
	assert_int_equal(fc_store_depth(f->s), 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM domain"), 0);
	/* the next transaction is not doomed */
	assert_ok(fc_store_begin(f->s, 1));
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('later')", NULL));
	assert_ok(fc_store_commit(f->s));
	assert_int_equal(count(f->s, "SELECT count(*) FROM domain"), 1);
}

static void test_fc_store__outer_rollback(void **state)
{
	fixture *f = *state;
	assert_ok(fc_store_begin(f->s, 1));
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('gone')", NULL));
	fc_store_rollback(f->s);
	assert_int_equal(fc_store_depth(f->s), 0);
	assert_int_equal(count(f->s, "SELECT count(*) FROM domain"), 0);
	fc_store_rollback(f->s); /* outside a transaction: nothing happens */
	assert_int_equal(fc_store_depth(f->s), 0);
	assert_fc(fc_store_commit(f->s), FC_ERROR);
	assert_int_equal(fc_store_depth(f->s), 0);
}

static void test_fc_store__write_lock_contention_is_a_conflict(void **state)
{
	fixture *f = *state;
	fc_store *other = NULL;
	assert_ok(fc_store_open(&other, f->path, 0, 50));
	assert_ok(fc_store_begin(f->s, 1));
	fc_error_clear();
	assert_fc(fc_store_begin(other, 1), FC_ECONFLICT);
	assert_contains(fc_error_last(), "locked");
	assert_int_equal(fc_store_depth(other), 0);
	/* readers are not blocked by a writer (WAL) */
	assert_ok(fc_store_begin(other, 0));
	assert_int_equal(count(other, "SELECT count(*) FROM domain"), 0);
	assert_ok(fc_store_commit(other));
	/* once the writer is done, the other gets the lock */
	assert_ok(fc_store_commit(f->s));
	assert_ok(fc_store_begin(other, 1));
	assert_ok(fc_store_exec(other, "INSERT INTO domain (name) VALUES ('second')", NULL));
	assert_ok(fc_store_commit(other));
	assert_int_equal(count(f->s, "SELECT count(*) FROM domain"), 1);
	fc_store_free(other);
}

static void test_fc_store__exec_binds_values_verbatim(void **state)
{
	fixture *f = *state;
	const char *evil = "x'); DROP TABLE domain; --";
	const char *quotes = "it's \"quoted\" ? ?1 :name %s";
	sqlite3_stmt *st = NULL;
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name, owner, description) VALUES (?, ?, ?)", "sss",
				"d", evil, quotes));
	assert_ok(fc_store_preparef(f->s, &st, "SELECT owner, description FROM domain WHERE name = ?", "s", "d"));
	assert_int_equal(fc_store_step(f->s, st), 1);
	assert_string_equal(fc_col_text(st, 0), evil);
	assert_string_equal(fc_col_text(st, 1), quotes);
	assert_int_equal(fc_store_step(f->s, st), 0);
	sqlite3_finalize(st);
	assert_int_equal(count(f->s, "SELECT count(*) FROM sqlite_master WHERE name = 'domain'"), 1);
}

static void test_fc_store__bind_types(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = NULL;
	assert_ok(fc_store_exec(f->s, "CREATE TEMP TABLE t (a, b, c, d, e)", NULL));
	assert_ok(fc_store_exec(f->s, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", "siIds", "text", -7,
				(long long)1 << 40, 2.5, (const char *)NULL));
	assert_ok(fc_store_prepare(f->s, &st, "SELECT typeof(a), b, c, d, typeof(e), e FROM t"));
	assert_int_equal(fc_store_step(f->s, st), 1);
	assert_string_equal(fc_col_text(st, 0), "text");
	assert_int_equal(sqlite3_column_int(st, 1), -7);
	assert_int_equal(sqlite3_column_int64(st, 2), (long long)1 << 40);
	assert_true(sqlite3_column_double(st, 3) == 2.5);
	assert_string_equal(fc_col_text(st, 4), "null");
	assert_string_equal(fc_col_text(st, 5), ""); /* never NULL */
	sqlite3_finalize(st);
}

static void test_fc_store__errors_carry_sqlite_text(void **state)
{
	fixture *f = *state;
	sqlite3_stmt *st = (sqlite3_stmt *)1;
	assert_fc(fc_store_prepare(f->s, &st, "SELECT * FROM no_such_table"), FC_ERROR);
	assert_null(st);
	assert_contains(fc_error_last(), "no such table");
	assert_fc(fc_store_exec(f->s, "SELECT ?", "x", 1), FC_ERROR);
	assert_contains(fc_error_last(), "bad bind type");
	assert_ok(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('dup')", NULL));
	assert_fc(fc_store_exec(f->s, "INSERT INTO domain (name) VALUES ('dup')", NULL), FC_EEXISTS);
	assert_contains(fc_error_last(), "UNIQUE");
	assert_fc(fc_store_exec(f->s, "INSERT INTO domain (name, rps) VALUES ('neg', -1)", NULL), FC_EEXISTS);
	assert_contains(fc_error_last(), "CHECK");
}

static void test_fc_store__settings(void **state)
{
	fixture *f = *state;
	char *v;
	assert_null(fc_store_setting(f->s, "absent"));
	assert_ok(fc_store_set_setting(f->s, "plan", "one"));
	assert_ok(fc_store_set_setting(f->s, "plan", "two"));
	v = fc_store_setting(f->s, "plan");
	assert_string_equal(v, "two");
	free(v);
	assert_int_equal(count(f->s, "SELECT count(*) FROM setting"), 1);
	assert_ok(fc_store_set_setting(f->s, "plan", NULL));
	assert_null(fc_store_setting(f->s, "plan"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_store__migrations_applied_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__connection_invariants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__scan_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__readonly_reads_and_never_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__reopen_keeps_data_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__missing_database_without_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__newer_schema_is_refused_with_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__older_schema_is_migrated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__nested_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__inner_rollback_dooms_outer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__outer_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__write_lock_contention_is_a_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__exec_binds_values_verbatim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__bind_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__errors_carry_sqlite_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_store__settings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
