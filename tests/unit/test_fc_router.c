/*
 * fc_router: settings, add/rm, and the engine with the http and nginx-lua
 * drivers (ficus router protocol v1) against loopback servers: the exact
 * requests, parallel replicas, and every fault of the issue.
 */
#include "fc_http.h"
#include "test_fc_router_common.h"

#define TOKEN "s3cr3t-token-0123456789"

static cJSON *parse(const char *text)
{
	cJSON *o = NULL;
	if (fc_json_parse(&o, "test", text, strlen(text), 1 << 20) < 0)
		fail_msg("bad test JSON: %s", fc_error_last());
	return o;
}

static int check_text(const char *text)
{
	cJSON *o = parse(text);
	int rc = fc_rconf_check(o, "ficus.json");
	cJSON_Delete(o);
	return rc;
}

/* ---- settings ---- */

static void test_fc_router__config_accepts_every_driver(void **state)
{
	(void)state;
	assert_ok(check_text("null"));
	assert_ok(check_text("[]"));
	assert_ok(check_text("[{\"name\":\"edge\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://127.0.0.1:9999\","
			     "\"unix:///run/haproxy/admin.sock\",\"tcp://[::1]:9999\",\"tcp://lb-1.internal:9999\"],"
			     "\"map\":\"/etc/haproxy/flags.map\",\"map_file\":\"/etc/haproxy/flags.map\","
			     "\"connect_timeout\":\"500ms\",\"timeout\":\"5s\",\"retries\":2},"
			     "{\"name\":\"web\",\"driver\":\"nginx-lua\",\"replicas\":[\"https://10.0.0.1:8081/ficus/\"],"
			     "\"token_env\":\"FICUS_TOKEN_WEB\",\"token_file\":\"/etc/ficus/web.token\",\"tls_verify\":true,"
			     "\"ca_file\":\"/etc/ficus/ca.pem\"},"
			     "{\"name\":\"flags\",\"driver\":\"http\",\"replicas\":[\"http://127.0.0.1:8080\"]},"
			     "{\"name\":\"mesh\",\"driver\":\"envoy\",\"replicas\":[\"http://127.0.0.1:9901\"],\"prefix\":\"ficus.\"},"
			     "{\"name\":\"nothing\",\"driver\":\"none\"}]"));
}

static void test_fc_router__config_refuses_bad_entries(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} bad[] = {
		{ "{}", "must be a list" },
		{ "[1]", "must be an object" },
		{ "[{\"driver\":\"http\"}]", "has no 'name'" },
		{ "[{\"name\":\"Edge\",\"driver\":\"http\",\"replicas\":[\"http://h\"]}]", "router name 'Edge' is invalid" },
		{ "[{\"name\":\"e\",\"driver\":\"squid\",\"replicas\":[\"http://h\"]}]", "unknown driver 'squid'" },
		{ "[{\"name\":\"e\",\"replicas\":[\"http://h\"]}]", "has no 'driver'" },
		{ "[{\"name\":\"e\",\"driver\":\"http\"}]", "at least one replica" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[]}]", "at least one replica" },
		{ "[{\"name\":\"e\",\"driver\":\"none\",\"replicas\":[\"http://h\"]}]", "takes no replicas" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"ftp://h\"]}]", "is not an http:// or https:// URL" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h/x?y=1\"]}]", "no query" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://u:pw@h\"]}]", "must not hold credentials" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h h\"]}]", "is not an http" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\",\"http://h\"]}]", "listed twice" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://h\"],\"map\":\"m\"}]", "tcp://HOST:PORT" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://h:99999\"],\"map\":\"m\"}]", "tcp://HOST:PORT" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"unix://rel\"],\"map\":\"m\"}]", "unix:///PATH" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://h:1\"]}]", "needs 'map'" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://h:1\"],\"map\":\"a b\"}]", "without spaces" },
		{ "[{\"name\":\"e\",\"driver\":\"haproxy\",\"replicas\":[\"tcp://h:1\"],\"map\":\"m\",\"token_env\":\"T\"}]",
		  "has no tokens" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"map\":\"m\"}]", "for the haproxy driver" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"prefix\":\"p\"}]", "for the envoy driver" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"timeout\":\"forever\"}]", "'timeout'" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"timeout\":\"5ms\"}]", "'timeout'" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"connect_timeout\":\"2h\"}]",
		  "'connect_timeout'" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"retries\":11}]", "'retries' must be 0..10" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"retries\":\"2\"}]", "must be a number" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"tls_verify\":\"no\"}]", "true or false" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"token_env\":\"1X\"}]",
		  "environment variable name" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"token_file\":\"rel/path\"}]",
		  "absolute path" },
		{ "[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],\"colour\":\"red\"}]",
		  "unknown setting 'colour'" },
		{ "[{\"name\":\"e\",\"driver\":\"none\"},{\"name\":\"e\",\"driver\":\"none\"}]", "defined twice" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = check_text(bad[i].json);
		if (rc != FC_EPARSE && !(rc == FC_EINVAL && strstr(bad[i].msg, "invalid")))
			fail_msg("%s: rc %d (%s)", bad[i].json, rc, fc_error_last());
		assert_contains(fc_error_last(), bad[i].msg);
		assert_contains(fc_error_last(), "ficus.json");
	}
}

static void test_fc_router__config_refuses_secrets_without_echoing_them(void **state)
{
	static const char *keys[] = { "token", "bearer_token", "password", "secret" };
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		char *json = fc_asprintf("[{\"name\":\"e\",\"driver\":\"http\",\"replicas\":[\"http://h\"],"
					 "\"%s\":\"hunter2-very-secret\"}]", keys[i]);
		assert_fc(check_text(json), FC_EPARSE);
		assert_contains(fc_error_last(), "secrets never go into the plan");
		assert_not_contains(fc_error_last(), "hunter2");
		free(json);
	}
}

static void test_fc_router__add_commits_once_and_rm_removes(void **state)
{
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[] = { "tcp://127.0.0.1:9999", "unix:///run/haproxy/admin.sock" };
	fc_outcome o = { 0 };
	char *file;
	int commits = unit_commits(u->p);
	fc_router_info *rs = NULL;
	size_t n = 0;
	(void)state;

	sp.name = "edge";
	sp.driver = "haproxy";
	sp.replicas = reps;
	sp.nreplicas = 2;
	sp.map = "/etc/haproxy/flags.map";
	sp.map_file = "/etc/haproxy/flags.map";
	sp.timeout = "3s";
	sp.retries = "1";
	assert_ok(fc_router_add(u->p, &sp, &u->w, &o));
	assert_false(o.noop);
	assert_contains(o.message, "router: add edge (haproxy, 2 replicas)");
	assert_contains(o.message, "Ficus-Action: router-add\n");
	assert_contains(o.message, "Ficus-Router: edge\n");
	fc_outcome_clear(&o);
	assert_int_equal(unit_commits(u->p), commits + 1);
	file = unit_plan_file(u, "ficus.json");
	assert_contains(file, "\"routers\": [\n    {\n      \"driver\": \"haproxy\",\n");
	assert_contains(file, "\"retries\": 1,");
	free(file);

	/* the same again: nothing to do; other settings under the name: refused */
	assert_ok(fc_router_add(u->p, &sp, &u->w, &o));
	assert_true(o.noop);
	fc_outcome_clear(&o);
	sp.timeout = "4s";
	assert_fc(fc_router_add(u->p, &sp, &u->w, &o), FC_EEXISTS);
	fc_outcome_clear(&o);
	assert_int_equal(unit_commits(u->p), commits + 1);

	/* a bad router is a usage error and changes nothing */
	sp.name = "bad";
	sp.map = NULL;
	sp.map_file = NULL;
	assert_fc(fc_router_add(u->p, &sp, &u->w, &o), FC_EINVAL);
	assert_contains(fc_error_last(), "needs 'map'");
	fc_outcome_clear(&o);

	assert_ok(fc_rreport_list(u->p, &rs, &n));
	assert_int_equal(n, 1);
	assert_string_equal(rs[0].name, "edge");
	assert_int_equal(rs[0].nreplicas, 2);
	assert_int_equal(rs[0].caps.sticky, 1);
	assert_int_equal(rs[0].caps.survives_restart, 1); /* with map_file */
	assert_int_equal(rs[0].caps.revisions, 0);
	fc_rreport_infos_free(rs, n);

	/* a service naming it: rm refused unless forced */
	rt_service(u, "tracking", 0, 0, 0, "[\"edge\"]");
	assert_fc(fc_router_rm(u->p, "edge", &u->w, &o), FC_EINVAL);
	assert_contains(fc_error_last(), "'tracking'");
	fc_outcome_clear(&o);
	u->w.force = 1;
	u->w.reason = "the edge is going away";
	assert_ok(fc_router_rm(u->p, "edge", &u->w, &o));
	assert_contains(o.message, "Ficus-Action: router-rm\n");
	fc_outcome_clear(&o);
	assert_fc(fc_router_rm(u->p, "edge", &u->w, &o), FC_ENOTFOUND);
	fc_outcome_clear(&o);
	file = unit_plan_file(u, "ficus.json");
	assert_contains(file, "\"routers\": []");
	free(file);
	unit_plan_free(u);
}

static void test_fc_router__drivers_and_capabilities(void **state)
{
	const char *const *d = fc_rconf_drivers();
	fc_router_caps caps;
	const char *summary;
	(void)state;

	assert_string_equal(d[0], "haproxy");
	assert_string_equal(d[1], "nginx-lua");
	assert_string_equal(d[2], "http");
	assert_string_equal(d[3], "envoy");
	assert_string_equal(d[4], "none");
	assert_null(d[5]);
	assert_ok(fc_rconf_driver_info("envoy", &caps, &summary));
	assert_int_equal(caps.sticky, 0);
	assert_int_equal(caps.revisions, 0);
	assert_contains(summary, "per request");
	assert_ok(fc_rconf_driver_info("nginx-lua", &caps, NULL));
	assert_int_equal(caps.sticky, 1);
	assert_int_equal(caps.revisions, 1);
	assert_int_equal(caps.shadow, 1);
	assert_int_equal(caps.survives_restart, 0);
	assert_ok(fc_rconf_driver_info("none", &caps, NULL));
	assert_int_equal(caps.pushes, 0);
	assert_fc(fc_rconf_driver_info("squid", &caps, NULL), FC_ENOTFOUND);
}

/* ---- pushing ---- */

static void test_fc_router__no_routers_is_the_none_driver(void **state)
{
	unit_plan *u = unit_plan_new();
	char *report = NULL;
	fc_router_result r;
	(void)state;

	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, &report));
	assert_contains(report, "no routers configured (driver 'none')");
	free(report);
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	assert_true(r.none);
	fc_rstate_result_clear(&r);
	assert_ok(fc_rreport_status(u->p, NULL, &r));
	assert_true(r.none);
	assert_int_equal(r.nflags, 0);
	fc_rstate_result_clear(&r);
	unit_plan_free(u);
}

static void test_fc_router__push_sends_the_exact_protocol(void **state)
{
	lb_config cfg = { .mode = LB_V1, .token = TOKEN };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[1];
	const char *flags[] = { "tracking" };
	char *report = NULL, *log, *put;
	(void)state;

	lb_start(&s, &cfg);
	setenv("FC_TEST_TOKEN", TOKEN, 1);
	reps[0] = s.url;
	sp.name = "web";
	sp.driver = "nginx-lua";
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.token_env = "FC_TEST_TOKEN";
	rt_router(u, &sp);
	rt_service(u, "tracking", 1000, 1, 3, NULL);
	rt_service(u, "auth", 0, 0, 0, NULL);

	assert_ok(fc_reconcile_push(u->p, flags, 1, &report));
	assert_contains(report, "router 'web' replica http://127.0.0.1:");
	assert_contains(report, ": synced 1 flag");
	free(report);
	log = lb_log(&s);
	put = fc_asprintf("PUT /v1/flags/tracking HTTP/1.1\nHost: 127.0.0.1:%d\n", s.port);
	assert_contains(log, put);
	free(put);
	assert_contains(log, "Authorization: Bearer " TOKEN "\n");
	assert_contains(log, "Content-Type: application/json\n");
	assert_contains(log, "\n\n{\"bp\":1000,\"shadow\":true,\"rev\":3}\n----\n");
	assert_contains(log, "GET /v1/flags/tracking HTTP/1.1\n"); /* the read-back */
	assert_not_contains(log, "/v1/flags/auth");              /* only the flag asked for */
	free(log);
	assert_int_equal(lb_count(&s, "PUT "), 1);
	assert_int_equal(lb_count(&s, "GET "), 1);
	assert_state(u, "web", s.url, "tracking", "synced");
	assert_state(u, "web", s.url, "auth", "pending");

	/* a push of everything brings auth too */
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_state(u, "web", s.url, "auth", "synced");
	unsetenv("FC_TEST_TOKEN");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__read_back_catches_a_router_that_did_not_store(void **state)
{
	lb_config forget = { .mode = LB_V1, .v1_forget = 1 }, minimal = { .mode = LB_V1, .v1_list_only = 1 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	(void)state;

	/* 200 to the PUT, but the read-back finds nothing: not synced */
	lb_start(&s, &forget);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "missing on the router after the push");
	assert_int_equal(lb_count(&s, "GET /v1/flags/tracking"), 1);
	assert_state(u, "web", s.url, "tracking", "pending");
	lb_stop(&s);
	unit_plan_free(u);

	/* a server with only the list: read back through it */
	u = unit_plan_new();
	lb_start(&s, &minimal);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_int_equal(lb_count(&s, "GET /v1/flags/tracking"), 1);
	assert_int_equal(lb_count(&s, "GET /v1/flags HTTP"), 1);
	assert_state(u, "web", s.url, "tracking", "synced");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__wrong_token_is_401_and_never_printed(void **state)
{
	lb_config cfg = { .mode = LB_V1, .token = TOKEN };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[1];
	fc_router_result r;
	char *report = NULL, *db, *dump;
	(void)state;

	lb_start(&s, &cfg);
	setenv("FC_TEST_TOKEN", "wrong-token-9876543210", 1);
	reps[0] = s.url;
	sp.name = "web";
	sp.driver = "http";
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.token_env = "FC_TEST_TOKEN";
	rt_router(u, &sp);
	rt_service(u, "tracking", 1000, 0, 1, NULL);

	assert_fc(fc_reconcile_push(u->p, NULL, 0, &report), FC_ESYNC);
	assert_contains(fc_error_last(), "401 Unauthorized");
	assert_contains(fc_error_last(), "token_env 'FC_TEST_TOKEN'");
	assert_not_contains(fc_error_last(), "wrong-token");
	assert_not_contains(report, "wrong-token");
	free(report);
	assert_ok(fc_rreport_status(u->p, NULL, &r));
	assert_string_equal(r.flags[0].state, "pending");
	assert_contains(r.flags[0].error, "401");
	fc_rstate_result_clear(&r);
	/* nothing of the token in the database either */
	db = unit_db_path(u);
	report = fc_asprintf("sqlite3 '%s' .dump", db);
	dump = unit_run(report);
	assert_not_contains(dump, "wrong-token");
	assert_not_contains(dump, TOKEN);
	free(dump);
	free(report);
	free(db);

	/* no token at all: the router asks for one */
	unsetenv("FC_TEST_TOKEN");
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "environment variable 'FC_TEST_TOKEN' (token_env) is not set");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__token_file_must_be_private(void **state)
{
	lb_config cfg = { .mode = LB_V1, .token = TOKEN };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[1];
	char *dir = unit_tmpdir(), *tf = fc_asprintf("%s/web.token", dir), *notes = NULL;
	int problems = 0;
	(void)state;

	lb_start(&s, &cfg);
	unit_write_file(tf, TOKEN "\n");
	chmod(tf, 0644);
	reps[0] = s.url;
	sp.name = "web";
	sp.driver = "http";
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.token_file = tf;
	rt_router(u, &sp);
	rt_service(u, "tracking", 1000, 0, 1, NULL);

	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "readable or writable by group or others (mode 0644)");
	assert_not_contains(fc_error_last(), TOKEN);
	assert_int_equal(lb_count(&s, "PUT "), 0); /* refused before any request */
	assert_ok(fc_rreport_check_config(u->p, &notes, &problems));
	assert_int_equal(problems, 1);
	assert_contains(notes, "mode 0644");
	assert_not_contains(notes, "plain http"); /* the refusal comes first */
	free(notes);

	chmod(tf, 0600);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_state(u, "web", s.url, "tracking", "synced");
	assert_ok(fc_rreport_check_config(u->p, &notes, &problems));
	assert_int_equal(problems, 0);
	assert_contains(notes, "the token travels over plain http");
	free(notes);

	unit_write_file(tf, "");
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "is empty");
	free(tf);
	unit_rmtree(dir);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__409_with_a_newer_revision_is_not_in_sync(void **state)
{
	lb_config cfg = { .mode = LB_V1, .seed = "tracking=5000,0,9" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 4, NULL);
	/* not a success: another plan or a hand change drives the flag */
	assert_fc(fc_reconcile_sync(u->p, &o, &r), FC_ESYNC);
	assert_contains(fc_error_last(), "--take-over tracking");
	assert_string_equal(r.flags[0].state, "newer");
	assert_contains(r.flags[0].error, "revision 9, newer than the plan's 4");
	assert_string_equal(r.replicas[0].state, "newer");
	assert_contains(r.report, "(1 newer on the router)");
	fc_rstate_result_clear(&r);
	/* the value there is not the plan's: verify calls it drift */
	assert_fc(fc_rreport_verify(u->p, NULL, &r), FC_EDRIFT);
	assert_contains(fc_error_last(), "revision 9, newer than the plan's 10% at 4");
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__http_faults(void **state)
{
	static const struct {
		lb_config cfg;
		const char *msg;
		const char *state;
		int puts;
	} cases[] = {
		{ { .mode = LB_STATUS, .status = 500, .body = "{\"error\":\"disk full\"}" },
		  "HTTP 500 Internal Server Error for PUT /v1/flags/tracking", "pending", 3 },
		{ { .mode = LB_STATUS, .status = 404, .body = "<html>nope</html>" },
		  "404 Not Found for PUT /v1/flags/tracking: is 'http://127.0.0.1:", "pending", 1 },
		{ { .mode = LB_STATUS, .status = 200, .body = "<html>hello</html>" },
		  "answered 200 to PUT /v1/flags/tracking with a body that is not JSON", "pending", 1 },
		{ { .mode = LB_STATUS, .status = 200, .body = "{\"bp\":\"lots\"}" },
		  "with a body that is not a flag object", "pending", 1 },
		{ { .mode = LB_HUGE }, "cut off", "pending", 1 },
		{ { .mode = LB_HUGE_NOLEN }, "cut off", "pending", 1 },
		{ { .mode = LB_CLOSE }, ": connection ", "unreachable", 0 }, /* closed or reset: a race */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lb_server s;
		unit_plan *u = unit_plan_new();
		int64_t t0;

		lb_start(&s, &cases[i].cfg);
		rt_simple(u, "web", "http", s.url, "3s");
		rt_service(u, "tracking", 1000, 0, 1, NULL);
		t0 = fc_http_now_ms();
		assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
		assert_true(fc_http_now_ms() - t0 < 3500);
		assert_contains(fc_error_last(), cases[i].msg);
		assert_contains(fc_error_last(), "router 'web' replica http://127.0.0.1:");
		assert_state(u, "web", s.url, "tracking", cases[i].state);
		if (cases[i].puts)
			assert_int_equal(lb_count(&s, "PUT "), cases[i].puts);
		lb_stop(&s);
		unit_plan_free(u);
	}
}

static void test_fc_router__router_down_then_back_converges(void **state)
{
	unit_plan *u = unit_plan_new();
	int port = lb_dead_port();
	lb_config cfg = { .mode = LB_V1, .port = port };
	lb_server s;
	char url[64];
	char **pending = NULL;
	size_t npending = 0;
	fc_router_result r;
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rt_simple(u, "web", "nginx-lua", url, "2s");
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "connection refused");
	assert_state(u, "web", url, "tracking", "unreachable");
	assert_ok(fc_rreport_pending(u->p, &pending, &npending));
	assert_int_equal(npending, 1);
	assert_string_equal(pending[0], "tracking");
	fc_rstate_names_free(pending, npending);
	assert_fc(fc_rreport_verify(u->p, NULL, &r), FC_ESYNC);
	fc_rstate_result_clear(&r);

	lb_start(&s, &cfg);
	assert_ok(fc_reconcile_repair(u->p, &r));
	assert_string_equal(r.flags[0].state, "synced");
	fc_rstate_result_clear(&r);
	assert_ok(fc_rreport_pending(u->p, &pending, &npending));
	assert_int_equal(npending, 0);
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__the_next_push_retries_what_an_earlier_one_left(void **state)
{
	unit_plan *u = unit_plan_new();
	int port = lb_dead_port();
	lb_config cfg = { .mode = LB_V1, .port = port };
	lb_server s;
	char url[64];
	const char *tracking[] = { "tracking" }, *auth[] = { "auth" };
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	rt_simple(u, "web", "http", url, "1s");
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	rt_service(u, "auth", 0, 0, 1, NULL);
	assert_fc(fc_reconcile_push(u->p, tracking, 1, NULL), FC_ESYNC);
	lb_start(&s, &cfg);
	rt_service(u, "auth", 100, 0, 2, NULL);
	/* the pipeline pushes the changed flag; the failed one goes along */
	assert_ok(fc_reconcile_push(u->p, auth, 1, NULL));
	assert_int_equal(lb_count(&s, "PUT /v1/flags/auth"), 1);
	assert_int_equal(lb_count(&s, "PUT /v1/flags/tracking"), 1);
	assert_state(u, "web", url, "tracking", "synced");
	assert_state(u, "web", url, "auth", "synced");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__hung_or_stopped_router_is_bounded_by_its_timeout(void **state)
{
	lb_config hang = { .mode = LB_HANG }, v1 = { .mode = LB_V1 };
	(void)state;

	for (int stop = 0; stop < 2; stop++) {
		lb_server s;
		unit_plan *u = unit_plan_new();
		int64_t t0, took;

		lb_start(&s, stop ? &v1 : &hang);
		if (stop)
			kill(s.pid, SIGSTOP);
		rt_simple(u, "web", "http", s.url, "400ms");
		rt_service(u, "tracking", 1000, 0, 1, NULL);
		t0 = fc_http_now_ms();
		assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
		took = fc_http_now_ms() - t0;
		assert_true(took < 1500);
		assert_contains(fc_error_last(), "timed out");
		assert_state(u, "web", s.url, "tracking", "unreachable");
		lb_stop(&s);
		unit_plan_free(u);
	}
}

static void test_fc_router__three_replicas_in_parallel(void **state)
{
	lb_config cfg = { .mode = LB_V1, .delay_ms = 500 };
	lb_server s[3];
	unit_plan *u = unit_plan_new();
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[3];
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	int64_t t0, took;
	(void)state;

	for (int i = 0; i < 3; i++) {
		lb_start(&s[i], &cfg);
		reps[i] = s[i].url;
	}
	sp.name = "web";
	sp.driver = "nginx-lua";
	sp.replicas = reps;
	sp.nreplicas = 3;
	rt_router(u, &sp);
	rt_service(u, "tracking", 5000, 0, 2, NULL);
	t0 = fc_http_now_ms();
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	took = fc_http_now_ms() - t0;
	assert_int_equal(r.nreplicas, 3);
	for (int i = 0; i < 3; i++) {
		const fc_router_flag_state *f = rt_find(&r, "web", s[i].url, "tracking");
		assert_non_null(f);
		assert_string_equal(f->state, "synced");
		assert_int_equal(f->seen_bp, 5000);
		assert_int_equal(f->seen_rev, 2);
		assert_int_equal(lb_count(&s[i], "PUT /v1/flags/tracking"), 1);
	}
	/* PUT + read-back is 1 s per replica; three in a row would be 3 s */
	assert_true(took < 2500);
	fc_rstate_result_clear(&r);
	for (int i = 0; i < 3; i++)
		lb_stop(&s[i]);
	unit_plan_free(u);
}

static void test_fc_router__verify_reports_drift_missing_and_extra(void **state)
{
	lb_config cfg = { .mode = LB_V1, .seed = "tracking=1000,0,3;auth=0,0,1;legacy=10000,0,1" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	const fc_router_flag_state *f;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 3, NULL);   /* same */
	rt_service(u, "auth", 5000, 0, 2, NULL);       /* differs */
	rt_service(u, "documents", 2500, 0, 1, NULL);  /* missing */
	rt_service(u, "idle", 0, 0, 0, NULL);          /* missing at 0%: reads as 0%, no drift */
	assert_fc(fc_rreport_verify(u->p, NULL, &r), FC_EDRIFT);
	assert_contains(fc_error_last(), "drift on 2 flags");
	f = rt_find(&r, "web", s.url, "idle");
	assert_string_equal(f->state, "synced");
	assert_string_equal(f->error, "");
	f = rt_find(&r, "web", s.url, "tracking");
	assert_string_equal(f->state, "synced");
	f = rt_find(&r, "web", s.url, "auth");
	assert_string_equal(f->state, "drift");
	assert_string_equal(f->error, "the router has 0%, the plan 50%");
	f = rt_find(&r, "web", s.url, "documents");
	assert_string_equal(f->state, "drift");
	assert_string_equal(f->error, "missing on the router");
	assert_int_equal(r.replicas[0].nextra, 1);
	assert_string_equal(r.replicas[0].extra[0], "legacy");
	assert_int_equal(lb_count(&s, "PUT "), 0); /* verify only reads */
	fc_rstate_result_clear(&r);
	assert_state(u, "web", s.url, "auth", "drift");

	/* sync restores, verify agrees */
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	fc_rstate_result_clear(&r);
	assert_state(u, "web", s.url, "auth", "synced");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__router_text_is_printable(void **state)
{
	lb_config names = { .mode = LB_STATUS, .status = 200,
			    .body = "{\"flags\":{\"tracking\":{\"bp\":1000,\"shadow\":false,\"rev\":3},"
				    "\"\\u001b]0;owned\\u0007\":{\"bp\":1,\"shadow\":false,\"rev\":1},"
				    "\"\":{\"bp\":1,\"shadow\":false,\"rev\":1},"
				    "\"legacy\":{\"bp\":1,\"shadow\":false,\"rev\":1}}}" };
	lb_config error = { .mode = LB_STATUS, .status = 500 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_buf body = FC_BUF_INIT;
	(void)state;

	/* names the plan does not know are shown: empty or escape-laden ones are no flags */
	lb_start(&s, &names);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 3, NULL);
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	assert_int_equal(r.replicas[0].nextra, 1);
	assert_string_equal(r.replicas[0].extra[0], "legacy");
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);

	/* an error body is never kept or shown (it may echo the token): only the status */
	fc_buf_puts(&body, "{\"error\":\"");
	for (int i = 0; i < 130; i++)
		fc_buf_puts(&body, "\xc3\xa9");
	fc_buf_puts(&body, "\"}");
	error.body = fc_buf_cstr(&body);
	u = unit_plan_new();
	lb_start(&s, &error);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 3, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "HTTP 500 Internal Server Error for PUT /v1/flags/tracking");
	assert_not_contains(fc_error_last(), "\xc3\xa9");
	assert_not_contains(fc_error_last(), "?");
	lb_stop(&s);
	unit_plan_free(u);
	fc_buf_free(&body);
}

static void test_fc_router__status_follows_the_plan(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 100, 0, 1, NULL);
	assert_state(u, "web", s.url, "tracking", "pending"); /* never pushed */
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_state(u, "web", s.url, "tracking", "synced");
	rt_service(u, "tracking", 1000, 0, 2, NULL);          /* the plan moves on */
	assert_ok(fc_rreport_status(u->p, NULL, &r));
	assert_string_equal(r.flags[0].state, "pending");
	assert_contains(r.flags[0].error, "the plan changed since the last push (revision 2, last pushed 1)");
	assert_int_equal(r.flags[0].seen_bp, 100);
	fc_rstate_result_clear(&r);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_state(u, "web", s.url, "tracking", "synced");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__bindings_and_selection(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server a, b;
	unit_plan *u = unit_plan_new();
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_router_result r;
	const char *unknown[] = { "nosuch" };
	(void)state;

	lb_start(&a, &cfg);
	lb_start(&b, &cfg);
	rt_simple(u, "alpha", "http", a.url, NULL);
	rt_simple(u, "beta", "http", b.url, NULL);
	rt_service(u, "tracking", 1000, 0, 1, "[\"alpha\"]");
	rt_service(u, "auth", 2000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_int_equal(lb_count(&a, "PUT /v1/flags/tracking"), 1);
	assert_int_equal(lb_count(&b, "PUT /v1/flags/tracking"), 0);
	assert_int_equal(lb_count(&a, "PUT /v1/flags/auth"), 1);
	assert_int_equal(lb_count(&b, "PUT /v1/flags/auth"), 1);

	/* one router only */
	o.router = "beta";
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	assert_int_equal(r.nreplicas, 1);
	assert_string_equal(r.replicas[0].router, "beta");
	fc_rstate_result_clear(&r);
	o.router = "gamma";
	assert_fc(fc_reconcile_sync(u->p, &o, &r), FC_ENOTFOUND);
	fc_rstate_result_clear(&r);

	/* a name the plan does not know: sync refuses, the pipeline's push skips */
	o.router = NULL;
	o.flags = unknown;
	o.nflags = 1;
	assert_fc(fc_reconcile_sync(u->p, &o, &r), FC_ENOTFOUND);
	assert_contains(fc_error_last(), "'nosuch'");
	fc_rstate_result_clear(&r);
	assert_ok(fc_reconcile_push(u->p, unknown, 1, NULL));

	/* a service name selects its flag */
	{
		const char *svc[] = { "auth" };
		o.flags = svc;
		assert_ok(fc_reconcile_sync(u->p, &o, &r));
		assert_int_equal(r.nflags, 2);
		fc_rstate_result_clear(&r);
	}
	lb_stop(&a);
	lb_stop(&b);
	unit_plan_free(u);
}

static void test_fc_router__many_flags_read_first_and_put_only_what_differs(void **state)
{
	fc_buf seed = FC_BUF_INIT;
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	(void)state;

	for (int i = 0; i < 20; i++)
		fc_buf_printf(&seed, "%sf%02d=%d,0,1", i ? ";" : "", i, i < 17 ? i * 10 : 0);
	lb_config cfg = { .mode = LB_V1, .seed = fc_buf_cstr(&seed) };
	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	for (int i = 0; i < 20; i++) {
		char name[8];
		snprintf(name, sizeof(name), "f%02d", i);
		rt_service(u, name, i * 10, 0, 1, NULL);
	}
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	assert_int_equal(r.replicas[0].nsynced, 20);
	fc_rstate_result_clear(&r);
	assert_int_equal(lb_count(&s, "PUT "), 3);
	assert_int_equal(lb_count(&s, "GET /v1/flags"), 2);
	fc_buf_free(&seed);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__dry_run_and_describe_contact_nothing(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_router_result r;
	fc_router_value v = { "tracking", 5000, 0, 8 };
	char *calls = NULL;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "nginx-lua", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 7, NULL);
	o.dry_run = 1;
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	assert_contains(r.calls, "router 'web' (nginx-lua): PUT http://127.0.0.1:");
	assert_contains(r.calls, "/v1/flags/tracking {\"bp\":1000,\"shadow\":false,\"rev\":7}");
	assert_contains(r.calls, "/v1/flags/tracking (read back)");
	fc_rstate_result_clear(&r);
	assert_ok(fc_reconcile_describe(u->p, &v, 1, &calls));
	assert_contains(calls, "{\"bp\":5000,\"shadow\":false,\"rev\":8}");
	free(calls);
	assert_int_equal(lb_count(&s, ""), 0);
	assert_state(u, "web", s.url, "tracking", "pending");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router__state_is_pruned_with_the_settings(void **state)
{
	lb_config cfg = { .mode = LB_V1 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_outcome o = { 0 };
	sqlite3_stmt *st = NULL;
	int rows = -1;
	(void)state;

	lb_start(&s, &cfg);
	rt_simple(u, "web", "http", s.url, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	rt_service(u, "auth", 1000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_ok(fc_store_exec(fc_plan_store(u->p), "DELETE FROM service WHERE name = 'auth'", NULL));
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_ok(fc_store_preparef(fc_plan_store(u->p), &st, "SELECT count(*) FROM router_state", NULL));
	assert_int_equal(fc_store_step(fc_plan_store(u->p), st), 1);
	rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(rows, 1);
	assert_ok(fc_router_rm(u->p, "web", &u->w, &o));
	fc_outcome_clear(&o);
	assert_ok(fc_store_preparef(fc_plan_store(u->p), &st, "SELECT count(*) FROM router_state", NULL));
	assert_int_equal(fc_store_step(fc_plan_store(u->p), st), 1);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	lb_stop(&s);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router__config_accepts_every_driver),
		cmocka_unit_test(test_fc_router__config_refuses_bad_entries),
		cmocka_unit_test(test_fc_router__config_refuses_secrets_without_echoing_them),
		cmocka_unit_test(test_fc_router__add_commits_once_and_rm_removes),
		cmocka_unit_test(test_fc_router__drivers_and_capabilities),
		cmocka_unit_test(test_fc_router__no_routers_is_the_none_driver),
		cmocka_unit_test(test_fc_router__push_sends_the_exact_protocol),
		cmocka_unit_test(test_fc_router__read_back_catches_a_router_that_did_not_store),
		cmocka_unit_test(test_fc_router__wrong_token_is_401_and_never_printed),
		cmocka_unit_test(test_fc_router__token_file_must_be_private),
		cmocka_unit_test(test_fc_router__409_with_a_newer_revision_is_not_in_sync),
		cmocka_unit_test(test_fc_router__http_faults),
		cmocka_unit_test(test_fc_router__router_down_then_back_converges),
		cmocka_unit_test(test_fc_router__the_next_push_retries_what_an_earlier_one_left),
		cmocka_unit_test(test_fc_router__hung_or_stopped_router_is_bounded_by_its_timeout),
		cmocka_unit_test(test_fc_router__three_replicas_in_parallel),
		cmocka_unit_test(test_fc_router__verify_reports_drift_missing_and_extra),
		cmocka_unit_test(test_fc_router__router_text_is_printable),
		cmocka_unit_test(test_fc_router__status_follows_the_plan),
		cmocka_unit_test(test_fc_router__bindings_and_selection),
		cmocka_unit_test(test_fc_router__many_flags_read_first_and_put_only_what_differs),
		cmocka_unit_test(test_fc_router__dry_run_and_describe_contact_nothing),
		cmocka_unit_test(test_fc_router__state_is_pruned_with_the_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
