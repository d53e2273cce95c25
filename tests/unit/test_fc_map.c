/* fc_map: domains, dependencies, map import and export. */
#include "unit.h"

#include "fc_json.h"
#include "fc_order.h"

static int setup(void **state)
{
	unsetenv("FICUS_ACTOR");
	*state = unit_plan_new();
	return 0;
}

static int teardown(void **state)
{
	unit_plan_free(*state);
	return 0;
}

static int add(unit_plan *u, const char *name, const char *owner, const char *rps)
{
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	int rc;
	e.owner = owner;
	e.rps = rps;
	rc = fc_domain_add(u->p, name, &e, &u->w, &o);
	fc_outcome_clear(&o);
	return rc;
}

static int dep(unit_plan *u, const char *from, const char *to, const char *kind, int weight)
{
	fc_outcome o = { 0 };
	int rc = fc_dep_add(u->p, from, to, kind, weight, &u->w, &o);
	fc_outcome_clear(&o);
	return rc;
}

static int import(unit_plan *u, const char *doc, int replace)
{
	fc_outcome o = { 0 };
	int rc = fc_map_import(u->p, doc, strlen(doc), replace, &u->w, &o);
	fc_outcome_clear(&o);
	return rc;
}

static char *export(unit_plan *u)
{
	fc_buf b = FC_BUF_INIT;
	if (fc_map_export(u->p, &b) != 0)
		fail_msg("export: %s", fc_error_last());
	return fc_buf_detach(&b);
}

/* HEAD's subject (caller frees) */
static char *head_subject(unit_plan *u)
{
	fc_commit_info c;
	char *s;
	assert_ok(fc_repo_head_info(fc_plan_repo(u->p), &c));
	s = fc_strdup(c.subject);
	fc_commit_info_clear(&c);
	return s;
}

static void test_fc_map__domain_file_layout(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	const char *signals[] = { "shared-table=orders is written by both", "hot-path=p99 regressions" };
	fc_outcome o = { 0 };
	char *file;
	assert_ok(add(u, "plain", NULL, NULL));
	file = unit_plan_file(u, "domains/plain.json");
	assert_string_equal(file,
		"{\n"
		"  \"depends_on\": [],\n"
		"  \"description\": \"\",\n"
		"  \"name\": \"plain\",\n"
		"  \"owner\": \"\",\n"
		"  \"rps\": 0,\n"
		"  \"signals\": {},\n"
		"  \"tables\": []\n"
		"}\n");
	free(file);
	e.owner = "team-orders";
	e.description = "orders and \"carts\"";
	e.rps = "120.5";
	e.tables = " orders, carts ,, order_items";
	e.signals = signals;
	e.nsignals = 2;
	assert_ok(fc_domain_add(u->p, "orders", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(dep(u, "orders", "plain", "reads", 4));
	file = unit_plan_file(u, "domains/orders.json");
	assert_string_equal(file,
		"{\n"
		"  \"depends_on\": [\n"
		"    {\n"
		"      \"domain\": \"plain\",\n"
		"      \"kind\": \"reads\",\n"
		"      \"weight\": 4\n"
		"    }\n"
		"  ],\n"
		"  \"description\": \"orders and \\\"carts\\\"\",\n"
		"  \"name\": \"orders\",\n"
		"  \"owner\": \"team-orders\",\n"
		"  \"rps\": 120.5,\n"
		"  \"signals\": {\n"
		"    \"hot-path\": \"p99 regressions\",\n"
		"    \"shared-table\": \"orders is written by both\"\n"
		"  },\n"
		"  \"tables\": [\n"
		"    \"carts\",\n"
		"    \"order_items\",\n"
		"    \"orders\"\n"
		"  ]\n"
		"}\n");
	free(file);
}

static void test_fc_map__domain_get_list_and_set(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	const char *sig_add[] = { "b=two", "a=one" }, *sig_rm[] = { "a=", "zz=" };
	fc_outcome o = { 0 };
	fc_domain d, *list = NULL;
	size_t n = 0;
	assert_ok(add(u, "zeta", "z-team", "1"));
	assert_ok(add(u, "alpha", "a-team", "2"));
	assert_ok(fc_domain_list(u->p, &list, &n));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alpha");
	assert_string_equal(list[1].name, "zeta");
	assert_true(list[0].rps == 2);
	fc_domains_free(list, n);
	e.signals = sig_add;
	e.nsignals = 2;
	e.tables = "t1";
	assert_ok(fc_domain_set(u->p, "alpha", &e, &u->w, &o));
	fc_outcome_clear(&o);
	{
		char *s = head_subject(u);
		assert_string_equal(s, "map: edit domain 'alpha'");
		free(s);
	}
	assert_ok(fc_domain_get(u->p, "alpha", &d));
	assert_string_equal(d.owner, "a-team"); /* untouched fields stay */
	assert_int_equal(d.nsignals, 2);
	assert_string_equal(d.signal_keys[0], "a");
	assert_string_equal(d.signal_values[0], "one");
	assert_int_equal(d.ntables, 1);
	fc_domain_clear(&d);
	/* "name=" removes a signal; "" clears the tables */
	e.signals = sig_rm;
	e.tables = "";
	assert_ok(fc_domain_set(u->p, "alpha", &e, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_domain_get(u->p, "alpha", &d));
	assert_int_equal(d.nsignals, 1);
	assert_string_equal(d.signal_keys[0], "b");
	assert_int_equal(d.ntables, 0);
	fc_domain_clear(&d);
	assert_fc(fc_domain_set(u->p, "nobody", &e, &u->w, &o), FC_ENOTFOUND);
	assert_fc(fc_domain_get(u->p, "nobody", &d), FC_ENOTFOUND);
	fc_domain_clear(&d);
	assert_fc(fc_domain_get(u->p, "../etc", &d), FC_EINVAL);
	fc_domain_clear(&d);
}

static void test_fc_map__domain_add_refuses(void **state)
{
	unit_plan *u = *state;
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	const char *nosig[] = { "evidence-without-name" }, *badsig[] = { "Bad=x" };
	char *big = fc_malloc(FC_TEXT_MAX + 2);
	assert_ok(add(u, "dup", NULL, NULL));
	/* the same domain again is nothing to do; another one an error naming the difference */
	assert_ok(add(u, "dup", NULL, NULL));
	assert_fc(add(u, "dup", NULL, "12"), FC_EEXISTS);
	assert_contains(fc_error_last(), "domain set");
	assert_contains(fc_error_last(), "rps is 0, not 12");
	assert_fc(add(u, "../x", NULL, NULL), FC_EINVAL);
	assert_fc(add(u, "Upper", NULL, NULL), FC_EINVAL);
	assert_fc(add(u, "r1", NULL, "-1"), FC_EINVAL);
	assert_fc(add(u, "r2", NULL, "abc"), FC_EINVAL);
	assert_fc(add(u, "r3", NULL, "nan"), FC_EINVAL);
	assert_fc(add(u, "r4", NULL, "1e13"), FC_EINVAL);
	assert_fc(add(u, "r5", NULL, ""), FC_EINVAL);
	e.tables = "ok, bad table";
	assert_fc(fc_domain_add(u->p, "t", &e, &u->w, &o), FC_EINVAL);
	e.tables = NULL;
	e.signals = nosig;
	e.nsignals = 1;
	assert_fc(fc_domain_add(u->p, "s1", &e, &u->w, &o), FC_EINVAL);
	e.signals = badsig;
	assert_fc(fc_domain_add(u->p, "s2", &e, &u->w, &o), FC_EINVAL);
	e.signals = NULL;
	e.nsignals = 0;
	memset(big, 'o', FC_TEXT_MAX + 1);
	big[FC_TEXT_MAX + 1] = '\0';
	e.owner = big;
	assert_fc(fc_domain_add(u->p, "big", &e, &u->w, &o), FC_ELIMIT);
	big[FC_TEXT_MAX] = '\0';
	assert_ok(fc_domain_add(u->p, "big", &e, &u->w, &o));
	fc_outcome_clear(&o);
	/* only "dup" and "big" made commits */
	assert_int_equal(unit_commits(u->p), 3);
	free(big);
}

static void test_fc_map__dep_add_and_rm(void **state)
{
	unit_plan *u = *state;
	fc_dep *deps = NULL;
	size_t n = 0;
	fc_outcome o = { 0 };
	char *file;
	assert_ok(add(u, "a", NULL, NULL));
	assert_ok(add(u, "b", NULL, NULL));
	assert_ok(dep(u, "a", "b", NULL, 0));
	assert_ok(dep(u, "a", "b", "writes", 2));
	assert_ok(fc_dep_list(u->p, &deps, &n));
	assert_int_equal(n, 2);
	assert_string_equal(deps[0].kind, "calls");
	assert_int_equal(deps[0].weight, 1);
	assert_string_equal(deps[1].kind, "writes");
	assert_int_equal(deps[1].weight, 2);
	fc_deps_free(deps, n);
	/* a new weight is a change */
	assert_ok(dep(u, "a", "b", "writes", 5));
	file = unit_plan_file(u, "domains/a.json");
	assert_contains(file, "\"weight\": 5");
	free(file);
	assert_int_equal(unit_commits(u->p), 6);
	/* refusals */
	assert_fc(dep(u, "a", "a", NULL, 0), FC_EINVAL);
	assert_contains(fc_error_last(), "itself");
	assert_fc(dep(u, "a", "nope", NULL, 0), FC_ENOTFOUND);
	assert_contains(fc_error_last(), "'nope'");
	assert_fc(dep(u, "nope", "a", NULL, 0), FC_ENOTFOUND);
	assert_fc(dep(u, "a", "b", "pokes", 0), FC_EINVAL);
	assert_fc(dep(u, "a", "b", NULL, 1000001), FC_EINVAL);
	assert_fc(dep(u, "a", "b", NULL, -3), FC_EINVAL);
	assert_int_equal(unit_commits(u->p), 6);
	/* removing one kind, then all */
	assert_ok(fc_dep_rm(u->p, "a", "b", "writes", &u->w, &o));
	fc_outcome_clear(&o);
	assert_fc(fc_dep_rm(u->p, "a", "b", "writes", &u->w, &o), FC_ENOTFOUND);
	assert_ok(dep(u, "a", "b", "reads", 0));
	assert_ok(fc_dep_rm(u->p, "a", "b", NULL, &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_dep_list(u->p, &deps, &n));
	assert_int_equal(n, 0);
	fc_deps_free(deps, n);
	assert_fc(fc_dep_rm(u->p, "a", "b", NULL, &u->w, &o), FC_ENOTFOUND);
	assert_fc(fc_dep_rm(u->p, "a", "b", "pokes", &u->w, &o), FC_EINVAL);
}

static void test_fc_map__dep_kinds(void **state)
{
	(void)state;
	assert_true(fc_dep_kind_valid("calls"));
	assert_true(fc_dep_kind_valid("reads"));
	assert_true(fc_dep_kind_valid("writes"));
	assert_true(fc_dep_kind_valid("shares-table"));
	assert_false(fc_dep_kind_valid("Calls"));
	assert_false(fc_dep_kind_valid(""));
	assert_false(fc_dep_kind_valid(NULL));
}

static void test_fc_map__domain_rm_refuses_with_dependents_unless_forced(void **state)
{
	unit_plan *u = *state;
	fc_write_opts w = u->w;
	fc_outcome o = { 0 };
	fc_domain d;
	char *file;
	int commits;
	assert_ok(add(u, "core", NULL, NULL));
	assert_ok(add(u, "web", NULL, NULL));
	assert_ok(add(u, "lone", NULL, NULL));
	assert_ok(dep(u, "web", "core", NULL, 0));
	commits = unit_commits(u->p);
	/* refused (the code is FC_EINVAL or FC_ERROR: it has moved between them) */
	assert_true(fc_domain_rm(u->p, "core", &w, &o) < 0);
	assert_contains(fc_error_last(), "'web'");
	assert_contains(fc_error_last(), "--force");
	assert_int_equal(unit_commits(u->p), commits);
	assert_ok(fc_domain_get(u->p, "core", &d));
	fc_domain_clear(&d);
	/* forced: the domain and the dependencies on it go, in one commit */
	w.force = 1;
	assert_ok(fc_domain_rm(u->p, "core", &w, &o));
	assert_int_equal(unit_commits(u->p), commits + 1);
	assert_int_equal(o.npaths, 3);
	fc_outcome_clear(&o);
	assert_fc(fc_domain_get(u->p, "core", &d), FC_ENOTFOUND);
	fc_domain_clear(&d);
	file = unit_plan_file(u, "domains/web.json");
	assert_not_contains(file, "core");
	free(file);
	assert_null(unit_plan_file(u, "domains/core.json"));
	{
		char *report = NULL;
		assert_ok(fc_change_verify(u->p, &report));
		free(report);
	}
	/* a domain nobody refers to goes without force */
	assert_ok(fc_domain_rm(u->p, "lone", &u->w, &o));
	fc_outcome_clear(&o);
	assert_fc(fc_domain_rm(u->p, "lone", &u->w, &o), FC_ENOTFOUND);
}

/*
 * BUG (core/fc_map.c, fc_domain_rm): it reads w->force directly instead of
 * fc_change_opts(c)->force, so a NULL write-options pointer (accepted by
 * fc_change_begin() and by every other writer) crashes with a NULL
 * dereference when the domain has dependencies.
 */
static void test_fc_map__domain_rm_with_null_options(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	setenv("FICUS_ACTOR", UNIT_ACTOR, 1);
	assert_ok(add(u, "core", NULL, NULL));
	assert_ok(add(u, "web", NULL, NULL));
	assert_ok(dep(u, "web", "core", NULL, 0));
	assert_true(fc_domain_rm(u->p, "core", NULL, &o) < 0);
	unsetenv("FICUS_ACTOR");
}

static const char *map1 =
	"{\"version\": 1, \"domains\": [\n"
	"  {\"name\": \"web\", \"rps\": 100, \"depends_on\": [{\"domain\": \"api\"}]},\n"
	"  {\"name\": \"api\", \"owner\": \"team-api\", \"rps\": 50,\n"
	"   \"depends_on\": [{\"domain\": \"db\", \"kind\": \"reads\", \"weight\": 3}]},\n"
	"  {\"name\": \"db\", \"rps\": 5, \"tables\": [\"users\", \"orders\"],\n"
	"   \"signals\": {\"shared-table\": \"orders\"}}\n"
	"]}\n";

static void test_fc_map__import_merge(void **state)
{
	unit_plan *u = *state;
	fc_domain d;
	fc_dep *deps = NULL;
	size_t n = 0;
	char *s;
	assert_ok(add(u, "legacy", "old-team", NULL));
	assert_ok(import(u, map1, 0));
	assert_int_equal(unit_commits(u->p), 3);
	s = head_subject(u);
	assert_string_equal(s, "map: import 3 domains (3 new)");
	free(s);
	assert_ok(fc_domain_get(u->p, "legacy", &d)); /* merge keeps the rest */
	fc_domain_clear(&d);
	assert_ok(fc_domain_get(u->p, "db", &d));
	assert_int_equal(d.ntables, 2);
	assert_string_equal(d.tables[0], "orders");
	fc_domain_clear(&d);
	/* merge again: one replaced (its deps too), one new depending on a plan domain */
	assert_ok(import(u, "{\"version\": 1, \"domains\": [{\"name\": \"api\", \"rps\": 60},"
			    "{\"name\": \"jobs\", \"depends_on\": [{\"domain\": \"legacy\"}]}]}", 0));
	s = head_subject(u);
	assert_string_equal(s, "map: import 2 domains (1 new)");
	free(s);
	assert_ok(fc_domain_get(u->p, "api", &d));
	assert_true(d.rps == 60);
	assert_string_equal(d.owner, ""); /* replaced, not patched */
	fc_domain_clear(&d);
	assert_ok(fc_dep_list(u->p, &deps, &n));
	assert_int_equal(n, 2);
	assert_string_equal(deps[0].from, "jobs");
	assert_string_equal(deps[0].to, "legacy");
	assert_string_equal(deps[1].from, "web");
	assert_string_equal(deps[1].to, "api");
	fc_deps_free(deps, n);
}

static void test_fc_map__import_replace(void **state)
{
	unit_plan *u = *state;
	fc_domain *list = NULL;
	size_t n = 0;
	char *s;
	assert_ok(add(u, "legacy", NULL, NULL));
	assert_ok(import(u, map1, 0));
	/* replace refuses a dependency on a domain the document drops */
	assert_fc(import(u, "{\"version\": 1, \"domains\": [{\"name\": \"x\", \"depends_on\": "
			    "[{\"domain\": \"legacy\"}]}]}", 1), FC_EPARSE);
	assert_contains(fc_error_last(), "unknown domain 'legacy'");
	assert_ok(import(u, "{\"version\": 1, \"domains\": [{\"name\": \"api\"}, {\"name\": \"new\"}]}", 1));
	s = head_subject(u);
	assert_string_equal(s, "map: import 2 domains (1 new), replacing the map");
	free(s);
	assert_ok(fc_domain_list(u->p, &list, &n));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "api");
	assert_string_equal(list[1].name, "new");
	fc_domains_free(list, n);
	assert_null(unit_plan_file(u, "domains/web.json"));
	assert_null(unit_plan_file(u, "domains/legacy.json"));
	{
		char *report = NULL;
		assert_ok(fc_change_verify(u->p, &report));
		free(report);
	}
}

static void test_fc_map__import_is_one_commit_and_dry_run_is_none(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	char head[FC_OID_HEX], now[FC_OID_HEX];
	unit_head(u->p, head);
	u->w.dry_run = 1;
	assert_ok(fc_map_import(u->p, map1, strlen(map1), 0, &u->w, &o));
	u->w.dry_run = 0;
	assert_int_equal(o.dry_run, 1);
	assert_int_equal(o.npaths, 4); /* three domain files and PLAN.md */
	fc_outcome_clear(&o);
	unit_head(u->p, now);
	assert_string_equal(now, head);
	assert_ok(fc_map_import(u->p, map1, strlen(map1), 0, &u->w, &o));
	assert_int_equal(unit_commits(u->p), 2);
	fc_outcome_clear(&o);
	/* importing the same map again changes nothing */
	assert_ok(fc_map_import(u->p, map1, strlen(map1), 0, &u->w, &o));
	assert_int_equal(o.noop, 1);
	assert_int_equal(unit_commits(u->p), 2);
	fc_outcome_clear(&o);
}

static void import_refused(unit_plan *u, const char *doc, int code, const char *want)
{
	int commits = unit_commits(u->p);
	int rc = import(u, doc, 0);
	if (rc != code)
		fail_msg("import of %s gave %d, expected %d (%s)", doc, rc, code, fc_error_last());
	assert_contains(fc_error_last(), want);
	assert_int_equal(unit_commits(u->p), commits);
}

static void test_fc_map__import_malformed_json_has_position(void **state)
{
	unit_plan *u = *state;
	/* at the stray '}' where a key belongs */
	import_refused(u, "{\"version\": 1,\n \"domains\": [\n  {\"name\": \"a\",}\n]}", FC_EPARSE,
		       "map: line 3, column 16");
	import_refused(u, "{\"version\": 1, \"domains\": [{\"name\": \"a\"}, {\"name\" \"b\"}]}", FC_EPARSE,
		       "map: line 1, column 51"); /* the '"' where ':' belongs */
	import_refused(u, "", FC_EPARSE, "empty document");
	import_refused(u, "{\"version\": 1, \"domains\": []} {}", FC_EPARSE, "unexpected text");
}

static void test_fc_map__import_refuses_bad_documents(void **state)
{
	unit_plan *u = *state;
	import_refused(u, "[]", FC_EPARSE, "must be an object");
	import_refused(u, "{\"version\": 2, \"domains\": []}", FC_EPARSE, "version 2");
	import_refused(u, "{\"version\": 1, \"domains\": {}}", FC_EPARSE, "'domains' must be a list");
	import_refused(u, "{\"version\": 1}", FC_EPARSE, "'domains' must be a list");
	import_refused(u, "{\"version\": 1, \"domains\": [], \"extra\": 1}", FC_EPARSE, "unknown key 'extra'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\"}, {\"name\": \"b\", \"colour\": \"red\"}]}", FC_EPARSE,
		       "map, domain 2: unknown key 'colour'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"a2\", \"via\": 1}]}]}",
		       FC_EPARSE, "unknown dependency key 'via'");
	import_refused(u, "{\"domains\": [3]}", FC_EPARSE, "must be a JSON object");
	import_refused(u, "{\"domains\": [{\"owner\": \"x\"}]}", FC_EPARSE, "'name' is missing");
	import_refused(u, "{\"domains\": [{\"name\": \"../etc\"}]}", FC_EPARSE, "map, domain 1");
	import_refused(u, "{\"domains\": [{\"name\": 7}]}", FC_EPARSE, "'name' must be a string");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"rps\": -1}]}", FC_EPARSE, "'rps'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"rps\": \"10\"}]}", FC_EPARSE, "'rps'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"tables\": \"t\"}]}", FC_EPARSE, "'tables'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"tables\": [\"drop table\"]}]}", FC_EPARSE, "table name");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"signals\": []}]}", FC_EPARSE, "'signals'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"signals\": {\"s\": 1}}]}", FC_EPARSE, "signal 's'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": {}}]}", FC_EPARSE, "'depends_on'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [\"b\"]}]}", FC_EPARSE, "must be an object");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{}]}]}", FC_EPARSE, "lacks 'domain'");
}

static void test_fc_map__import_refuses_bad_graphs(void **state)
{
	unit_plan *u = *state;
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"zzz\"}]}]}", FC_EPARSE,
		       "domain 'a' depends on unknown domain 'zzz'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"a\"}]}", FC_EPARSE,
		       "domain 'a' appears twice");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"a\"}]}]}", FC_EPARSE,
		       "depends on itself");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\"}, "
			  "{\"domain\": \"b\", \"kind\": \"calls\"}]}, {\"name\": \"b\"}]}", FC_EPARSE, "appears twice");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\", \"kind\": \"pokes\"}]},"
			  " {\"name\": \"b\"}]}", FC_EPARSE, "kind 'pokes'");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\", \"weight\": 0}]},"
			  " {\"name\": \"b\"}]}", FC_EPARSE, "weight");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\", \"weight\": 1000001}]},"
			  " {\"name\": \"b\"}]}", FC_EPARSE, "weight");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\", \"weight\": 1.5}]},"
			  " {\"name\": \"b\"}]}", FC_EPARSE, "integer");
	import_refused(u, "{\"domains\": [{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\", \"weight\": \"2\"}]},"
			  " {\"name\": \"b\"}]}", FC_EPARSE, "'weight'");
}

/* A list `[0,0,...]` of n zeros under `key` of a domain, or of the map. */
static char *zeros(size_t n)
{
	fc_buf b = FC_BUF_INIT;
	fc_buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		fc_buf_puts(&b, i ? ",0" : "0");
	fc_buf_putc(&b, ']');
	return fc_buf_detach(&b);
}

static void test_fc_map__import_limits(void **state)
{
	unit_plan *u = *state;
	fc_outcome o = { 0 };
	char *z, *doc, *big;
	/* the byte limit is checked before anything is read */
	big = fc_malloc((size_t)FC_MAP_MAX_BYTES + 1);
	memcpy(big, "{}", 2);
	assert_fc(fc_map_import(u->p, big, (size_t)FC_MAP_MAX_BYTES + 1, 0, &u->w, &o), FC_ELIMIT);
	assert_contains(fc_error_last(), "limit");
	free(big);
	z = zeros(FC_MAP_MAX_DOMAINS + 1);
	doc = fc_asprintf("{\"version\": 1, \"domains\": %s}", z);
	import_refused(u, doc, FC_ELIMIT, "100001 domains");
	free(doc);
	doc = fc_asprintf("{\"domains\": [{\"name\": \"a\", \"depends_on\": %s}]}", z);
	import_refused(u, doc, FC_ELIMIT, "more than 100000 dependencies");
	free(doc);
	free(z);
	{
		fc_buf b = FC_BUF_INIT;
		fc_buf_puts(&b, "{\"domains\": [{\"name\": \"a\", \"tables\": [");
		for (int i = 0; i <= 1000; i++)
			fc_buf_printf(&b, "%s\"t%d\"", i ? "," : "", i);
		fc_buf_puts(&b, "]}]}");
		import_refused(u, b.ptr, FC_ELIMIT, "more than 1000 tables");
		fc_buf_clear(&b);
		fc_buf_puts(&b, "{\"domains\": [{\"name\": \"a\", \"signals\": {");
		for (int i = 0; i <= 100; i++)
			fc_buf_printf(&b, "%s\"s%d\": \"x\"", i ? "," : "", i);
		fc_buf_puts(&b, "}}]}");
		import_refused(u, b.ptr, FC_ELIMIT, "more than 100 signals");
		fc_buf_clear(&b);
		fc_buf_puts(&b, "{\"domains\": [{\"name\": \"a\", \"description\": \"");
		for (int i = 0; i <= FC_TEXT_MAX; i++)
			fc_buf_putc(&b, 'd');
		fc_buf_puts(&b, "\"}]}");
		import_refused(u, b.ptr, FC_ELIMIT, "'description'");
		fc_buf_free(&b);
	}
}

static void test_fc_map__export_format(void **state)
{
	unit_plan *u = *state;
	char *e = export(u);
	assert_string_equal(e, "{\n  \"domains\": [],\n  \"version\": 1\n}\n");
	free(e);
	assert_ok(import(u, map1, 0));
	e = export(u);
	assert_true(strncmp(e, "{\n  \"domains\": [\n    {\n      \"depends_on\": [\n", 44) == 0);
	/* domains by name: api, db, web */
	assert_true(strstr(e, "\"name\": \"api\"") < strstr(e, "\"name\": \"db\""));
	assert_true(strstr(e, "\"name\": \"db\"") < strstr(e, "\"name\": \"web\""));
	assert_contains(e, "\"version\": 1\n}\n");
	free(e);
}

static void test_fc_map__export_import_round_trip(void **state)
{
	unit_plan *u = *state, *v;
	fc_outcome o = { 0 };
	char *e1, *e2;
	assert_ok(import(u, map1, 0));
	assert_ok(add(u, "odd", "owner | with \"quotes\" and caf\xc3\xa9", "0.1"));
	assert_ok(dep(u, "odd", "db", "shares-table", 7));
	assert_ok(dep(u, "odd", "db", "writes", 1));
	e1 = export(u);
	v = unit_plan_new();
	assert_ok(fc_map_import(v->p, e1, strlen(e1), 1, &v->w, &o));
	fc_outcome_clear(&o);
	e2 = export(v);
	assert_string_equal(e2, e1);
	/* and the same plan files, byte for byte */
	{
		const char *files[] = { "domains/odd.json", "domains/api.json", "PLAN.md" };
		for (size_t i = 0; i < 3; i++) {
			char *a = unit_plan_file(u, files[i]), *b = unit_plan_file(v, files[i]);
			assert_non_null(a);
			assert_string_equal(a, b);
			free(a);
			free(b);
		}
	}
	/* re-importing the export into its own plan is a no-op */
	assert_ok(fc_map_import(u->p, e1, strlen(e1), 1, &u->w, &o));
	assert_int_equal(o.noop, 1);
	fc_outcome_clear(&o);
	unit_plan_free(v);
	free(e1);
	free(e2);
}

static void test_fc_map__domain_to_json(void **state)
{
	char *tables[] = { "t" }, *keys[] = { "k" }, *vals[] = { "v" };
	fc_domain d = { "n", "o", "desc", 2.5, tables, 1, keys, vals, 1 };
	fc_dep deps[] = { { "n", "m", "reads", 3 } };
	cJSON *j = fc_domain_to_json(&d, deps, 1);
	fc_buf b = FC_BUF_INIT;
	(void)state;
	fc_json_render_compact(&b, j);
	assert_string_equal(b.ptr, "{\"depends_on\":[{\"domain\":\"m\",\"kind\":\"reads\",\"weight\":3}],"
				   "\"description\":\"desc\",\"name\":\"n\",\"owner\":\"o\",\"rps\":2.5,"
				   "\"signals\":{\"k\":\"v\"},\"tables\":[\"t\"]}");
	fc_buf_free(&b);
	cJSON_Delete(j);
}

static void test_fc_map__cycles(void **state)
{
	unit_plan *u = *state;
	fc_rank *r = NULL;
	size_t n = 0;
	assert_ok(import(u, "{\"domains\": ["
			    "{\"name\": \"c\", \"depends_on\": [{\"domain\": \"d\"}]},"
			    "{\"name\": \"d\", \"depends_on\": [{\"domain\": \"c\"}, {\"domain\": \"e\"}]},"
			    "{\"name\": \"e\"},"
			    "{\"name\": \"a\", \"depends_on\": [{\"domain\": \"b\"}]},"
			    "{\"name\": \"b\", \"depends_on\": [{\"domain\": \"a\"}]},"
			    "{\"name\": \"x\", \"depends_on\": [{\"domain\": \"y\"}]},"
			    "{\"name\": \"y\", \"depends_on\": [{\"domain\": \"z\"}]},"
			    "{\"name\": \"z\", \"depends_on\": [{\"domain\": \"x\"}]}]}", 0));
	assert_ok(fc_map_cycles(u->p, &r, &n));
	assert_int_equal(n, 3);
	assert_int_equal(r[0].ndomains, 2);
	assert_string_equal(r[0].domains[0], "a");
	assert_string_equal(r[0].domains[1], "b");
	assert_string_equal(r[1].domains[0], "c");
	assert_string_equal(r[1].domains[1], "d");
	assert_int_equal(r[2].ndomains, 3);
	assert_string_equal(r[2].domains[2], "z");
	assert_true(r[0].cycle && r[1].cycle && r[2].cycle);
	fc_ranks_free(r, n);
	/* no cycles: an empty list */
	assert_ok(import(u, "{\"domains\": [{\"name\": \"e\"}]}", 1));
	assert_ok(fc_map_cycles(u->p, &r, &n));
	assert_int_equal(n, 0);
	fc_ranks_free(r, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_map__domain_file_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__domain_get_list_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__domain_add_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__dep_add_and_rm, setup, teardown),
		cmocka_unit_test(test_fc_map__dep_kinds),
		cmocka_unit_test_setup_teardown(test_fc_map__domain_rm_refuses_with_dependents_unless_forced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__domain_rm_with_null_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_is_one_commit_and_dry_run_is_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_malformed_json_has_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_refuses_bad_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_refuses_bad_graphs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__import_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__export_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_map__export_import_round_trip, setup, teardown),
		cmocka_unit_test(test_fc_map__domain_to_json),
		cmocka_unit_test_setup_teardown(test_fc_map__cycles, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
