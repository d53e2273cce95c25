/* fc_render: the plan layout, deterministic rendering, loading files back. */
#include "unit.h"

#include "fc_name.h"
#include "fc_render.h"

static const char *map =
	"{\"domains\": ["
	"{\"name\": \"web\", \"rps\": 100.5, \"owner\": \"team|web\", \"depends_on\": [{\"domain\": \"api\"}]},"
	"{\"name\": \"api\", \"rps\": 50, \"tables\": [\"b\", \"a\"], \"signals\": {\"z\": \"1\", \"a\": \"2\"},"
	" \"depends_on\": [{\"domain\": \"db\", \"kind\": \"writes\", \"weight\": 2}, {\"domain\": \"db\"}]},"
	"{\"name\": \"db\", \"description\": \"line one\\nline two\"}]}";

static int setup(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_outcome o = { 0 };
	if (fc_map_import(u->p, map, strlen(map), 0, &u->w, &o) != 0)
		fail_msg("import: %s", fc_error_last());
	fc_outcome_clear(&o);
	*state = u;
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

static void test_fc_render__paths(void **state)
{
	unit_plan *u = *state;
	char *p = fc_path_for(fc_plan_store(u->p), "domains/", "tracking");
	assert_string_equal(p, "domains/tracking.json");
	free(p);
	assert_true(fc_path_known("ficus.json"));
	assert_true(fc_path_known("PLAN.md"));
	assert_true(fc_path_known("domains/a.json"));
	assert_true(fc_path_known("services/a.json"));
	assert_false(fc_path_known("domains/.json"));
	assert_false(fc_path_known("domains/a/b.json"));
	assert_false(fc_path_known("domains/a.txt"));
	assert_false(fc_path_known("domains/"));
	assert_false(fc_path_known("domainsx.json"));
	assert_false(fc_path_known("other/a.json"));
	assert_false(fc_path_known("README.md"));
	assert_false(fc_path_known("plan.md"));
	assert_false(fc_path_known(""));
	/* the fanned-out layout: two hex digits, then the file */
	assert_true(fc_path_known("domains/3f/tracking.json"));
	assert_true(fc_path_known("services/00/a.json"));
	assert_false(fc_path_known("domains/3f/x/y.json"));
	assert_false(fc_path_known("domains/zz/x.json"));
	assert_false(fc_path_known("domains/3f/.json"));
	assert_false(fc_path_known("domains/3/x.json"));
}

typedef struct {
	char *path[64];
	char *data[64];
	size_t len[64];
	int n;
} files;

static int collect(const char *path, const char *data, size_t len, void *ctx)
{
	files *f = ctx;
	if (f->n == 64)
		return FC_ELIMIT;
	f->path[f->n] = fc_strdup(path);
	f->data[f->n] = fc_strndup(data, len);
	f->len[f->n++] = len;
	return 0;
}

static void files_free(files *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->path[i]);
		free(f->data[i]);
	}
	f->n = 0;
}

static void test_fc_render__each_file_is_deterministic(void **state)
{
	unit_plan *u = *state;
	files a = { 0 }, b = { 0 };
	assert_ok(fc_render_each(fc_plan_store(u->p), collect, &a));
	assert_ok(fc_render_each(fc_plan_store(u->p), collect, &b));
	assert_int_equal(a.n, 5);
	assert_string_equal(a.path[0], "ficus.json");
	assert_string_equal(a.path[1], "domains/api.json");
	assert_string_equal(a.path[2], "domains/db.json");
	assert_string_equal(a.path[3], "domains/web.json");
	assert_string_equal(a.path[4], "PLAN.md");
	assert_int_equal(b.n, a.n);
	for (int i = 0; i < a.n; i++) {
		assert_string_equal(a.path[i], b.path[i]);
		assert_int_equal(a.len[i], b.len[i]);
		assert_memory_equal(a.data[i], b.data[i], a.len[i]);
		assert_true(a.len[i] > 0 && a.data[i][a.len[i] - 1] == '\n');
	}
	/* each rendering is what HEAD holds and what the work tree shows */
	for (int i = 0; i < a.n; i++) {
		char *disk = unit_plan_file(u, a.path[i]);
		fc_buf one = FC_BUF_INIT;
		int exists = 0;
		assert_non_null(disk);
		assert_string_equal(disk, a.data[i]);
		assert_ok(fc_render_path(fc_plan_store(u->p), a.path[i], &one, &exists));
		assert_int_equal(exists, 1);
		assert_string_equal(one.ptr, a.data[i]);
		fc_buf_free(&one);
		free(disk);
	}
	files_free(&a);
	files_free(&b);
}

static void test_fc_render__canonical_domain_file(void **state)
{
	unit_plan *u = *state;
	fc_buf b = FC_BUF_INIT;
	int exists = 0;
	assert_ok(fc_render_path(fc_plan_store(u->p), "domains/api.json", &b, &exists));
	/* keys, tables, signals and dependencies in a fixed order */
	assert_string_equal(b.ptr,
		"{\n"
		"  \"depends_on\": [\n"
		"    {\n"
		"      \"domain\": \"db\",\n"
		"      \"kind\": \"calls\",\n"
		"      \"weight\": 1\n"
		"    },\n"
		"    {\n"
		"      \"domain\": \"db\",\n"
		"      \"kind\": \"writes\",\n"
		"      \"weight\": 2\n"
		"    }\n"
		"  ],\n"
		"  \"description\": \"\",\n"
		"  \"name\": \"api\",\n"
		"  \"owner\": \"\",\n"
		"  \"rps\": 50,\n"
		"  \"signals\": {\n"
		"    \"a\": \"2\",\n"
		"    \"z\": \"1\"\n"
		"  },\n"
		"  \"tables\": [\n"
		"    \"a\",\n"
		"    \"b\"\n"
		"  ]\n"
		"}\n");
	fc_buf_free(&b);
}

static void test_fc_render__absent_and_unknown_paths(void **state)
{
	unit_plan *u = *state;
	fc_buf b = FC_BUF_INIT;
	int exists = 1;
	assert_ok(fc_render_path(fc_plan_store(u->p), "domains/nobody.json", &b, &exists));
	assert_int_equal(exists, 0);
	assert_int_equal(b.len, 0);
	exists = 1;
	assert_fc(fc_render_path(fc_plan_store(u->p), "README.md", &b, &exists), FC_ERROR);
	assert_contains(fc_error_last(), "'README.md'");
	assert_int_equal(exists, 0);
	fc_buf_free(&b);
}

typedef struct {
	char *dir;
	fc_store *s;
} fresh;

static void fresh_open(fresh *f)
{
	char *path;
	f->dir = unit_tmpdir();
	path = fc_asprintf("%s/fresh.db", f->dir);
	if (fc_store_open(&f->s, path, 1, 1000) != 0)
		fail_msg("store: %s", fc_error_last());
	free(path);
}

static void fresh_close(fresh *f)
{
	fc_store_free(f->s);
	unit_rmtree(f->dir);
}

static int load_one(const char *path, const char *data, size_t len, void *ctx)
{
	int known = -1;
	return fc_load_path(ctx, path, data, len, &known);
}

static void test_fc_render__load_renders_back_the_same_bytes(void **state)
{
	unit_plan *u = *state;
	files a = { 0 }, b = { 0 };
	fresh f;
	fresh_open(&f);
	assert_ok(fc_render_each(fc_plan_store(u->p), collect, &a));
	assert_ok(fc_store_begin(f.s, 1));
	assert_ok(fc_store_exec(f.s, "PRAGMA defer_foreign_keys = ON", NULL));
	for (int i = 0; i < a.n; i++)
		assert_ok(load_one(a.path[i], a.data[i], a.len[i], f.s));
	assert_ok(fc_store_commit(f.s));
	assert_ok(fc_render_each(f.s, collect, &b));
	assert_int_equal(b.n, a.n);
	for (int i = 0; i < a.n; i++) {
		assert_string_equal(a.path[i], b.path[i]);
		assert_string_equal(a.data[i], b.data[i]);
	}
	files_free(&a);
	files_free(&b);
	fresh_close(&f);
}

static void test_fc_render__load_path_checks(void **state)
{
	fresh f;
	int known = -1;
	const char *ok = "{\"name\": \"a\"}";
	const char *other = "{\"name\": \"b\"}";
	(void)state;
	fresh_open(&f);
	/* files outside the layout are ignored */
	assert_ok(fc_load_path(f.s, "README.md", "hi", 2, &known));
	assert_int_equal(known, 0);
	/* PLAN.md is generated: known, nothing to load */
	assert_ok(fc_load_path(f.s, "PLAN.md", "# x", 3, &known));
	assert_int_equal(known, 1);
	assert_ok(fc_load_path(f.s, "domains/a.json", ok, strlen(ok), &known));
	assert_int_equal(known, 1);
	assert_fc(fc_load_path(f.s, "domains/Bad.json", ok, strlen(ok), &known), FC_EPARSE);
	assert_contains(fc_error_last(), "domains/Bad.json");
	assert_fc(fc_load_path(f.s, "domains/c.json", other, strlen(other), &known), FC_EPARSE);
	assert_contains(fc_error_last(), "holds domain 'b'");
	assert_fc(fc_load_path(f.s, "domains/d.json", "{", 1, &known), FC_EPARSE);
	assert_contains(fc_error_last(), "domains/d.json");
	assert_fc(fc_load_path(f.s, "ficus.json", "{\"version\": 9}", 14, &known), FC_EPARSE);
	fresh_close(&f);
}

static void test_fc_render__fan_out_is_due_above_the_threshold(void **state)
{
	fresh f;
	(void)state;
	fresh_open(&f);
	assert_ok(fc_store_begin(f.s, 1));
	for (int i = 0; i < FC_FANOUT_AT; i++) {
		char name[16];
		snprintf(name, sizeof(name), "d%04d", i);
		assert_ok(fc_store_exec(f.s, "INSERT INTO domain (name) VALUES (?)", "s", name));
	}
	assert_ok(fc_store_commit(f.s));
	assert_int_equal(fc_render_layout_due(f.s), 0);
	assert_ok(fc_store_exec(f.s, "INSERT INTO domain (name) VALUES ('one-more')", NULL));
	assert_int_equal(fc_render_layout_due(f.s), 1);
	fresh_close(&f);
}

/* A map of n domains d0000.. where each depends on the previous one. */
static char *chain_map(int n)
{
	fc_buf b = FC_BUF_INIT;
	fc_buf_puts(&b, "{\"domains\": [");
	for (int i = 0; i < n; i++) {
		fc_buf_printf(&b, "%s{\"name\": \"d%04d\"", i ? ", " : "", i);
		if (i)
			fc_buf_printf(&b, ", \"depends_on\": [{\"domain\": \"d%04d\"}]", i - 1);
		fc_buf_putc(&b, '}');
	}
	fc_buf_puts(&b, "]}");
	return fc_buf_detach(&b);
}

static int count_prefix(const char *path, const char *oid, void *ctx)
{
	(void)oid;
	if (strncmp(path, "domains/", 8) == 0) {
		const char *rest = path + 8;
		int *n = ctx;
		if (strchr(rest, '/'))
			n[1]++;
		else
			n[0]++;
	}
	return 0;
}

static void test_fc_render__fan_out_above_the_threshold(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	fc_commit_info c;
	char *doc, *p, *want, *file, *report = NULL;
	int n[2] = { 0, 0 };
	/* the change that crosses the threshold moves every file */
	doc = chain_map(FC_FANOUT_AT + 1);
	assert_ok(fc_map_import(u->p, doc, strlen(doc), 1, &u->w, &o));
	fc_outcome_clear(&o);
	free(doc);
	assert_ok(fc_repo_each_oid(fc_plan_repo(u->p), count_prefix, n));
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], FC_FANOUT_AT + 1);
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &c));
	assert_non_null(fc_commit_trailer(&c, "Ficus-Layout"));
	fc_commit_info_clear(&c);
	/* the subdirectory is the low byte of crc32(name), in hex (python: zlib.crc32(b"d0042") & 0xff) */
	p = fc_path_for(fc_plan_store(u->p), "domains/", "d0042");
	want = fc_strdup("domains/d6/d0042.json");
	assert_string_equal(p, want);
	file = unit_plan_file(u, want);
	assert_non_null(file);
	assert_contains(file, "\"domain\": \"d0041\"");
	free(file);
	assert_null(unit_plan_file(u, "domains/d0042.json"));
	file = unit_plan_file(u, "ficus.json");
	assert_contains(file, "\"layout\": \"fanout\"");
	free(file);
	/* deterministic, consistent with HEAD, and rebuilt the same way */
	assert_ok(fc_change_verify(u->p, &report));
	free(report);
	assert_ok(fc_change_rebuild(u->p));
	assert_ok(fc_change_verify(u->p, &report));
	free(report);
	free(p);
	p = fc_path_for(fc_plan_store(u->p), "domains/", "d0042");
	assert_string_equal(p, want);
	free(p);
	free(want);
}

static void test_fc_render__other_layout_path_does_not_exist(void **state)
{
	unit_plan *u = *state;
	fc_buf b = FC_BUF_INIT;
	char *fan = fc_strdup("domains/0f/api.json"); /* zlib.crc32(b"api") & 0xff */
	int exists = 1;
	/* in a flat plan, the fanned-out path of a domain renders as absent */
	assert_ok(fc_render_path(fc_plan_store(u->p), fan, &b, &exists));
	assert_int_equal(exists, 0);
	assert_ok(fc_render_path(fc_plan_store(u->p), "domains/api.json", &b, &exists));
	assert_int_equal(exists, 1);
	fc_buf_free(&b);
	free(fan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_render__paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_render__each_file_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_render__canonical_domain_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_render__absent_and_unknown_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_render__load_renders_back_the_same_bytes, setup, teardown),
		cmocka_unit_test(test_fc_render__load_path_checks),
		cmocka_unit_test(test_fc_render__fan_out_is_due_above_the_threshold),
		cmocka_unit_test_setup_teardown(test_fc_render__fan_out_above_the_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_render__other_layout_path_does_not_exist, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
