/*
 * The haproxy driver against a scripted runtime API on loopback: the exact
 * command lines, add versus set, HAProxy's refusals, the map file, unix
 * sockets and the faults.
 */
#include "fc_http.h"
#include "test_fc_router_common.h"

#define MAP "/etc/haproxy/flags.map"

static void add_haproxy(unit_plan *u, const char *replica, const char *map_file, const char *timeout)
{
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[] = { replica };
	sp.name = "edge";
	sp.driver = "haproxy";
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.map = MAP;
	sp.map_file = map_file;
	sp.timeout = timeout;
	rt_router(u, &sp);
}

static void test_fc_router_haproxy__add_then_set_with_exact_commands(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY, .haproxy_map = MAP, .seed = "notifications=0" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	char *log;
	(void)state;

	lb_start(&s, &cfg);
	add_haproxy(u, s.tcp, NULL, NULL);
	rt_service(u, "tracking", 100, 1, 1, NULL);
	rt_service(u, "notifications", 0, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	log = lb_log(&s);
	/* notifications already has 0: only tracking is written, with add (it is new) */
	assert_string_equal(log, "LINE show map " MAP "\n"
				 "LINE add map " MAP " tracking 100\n"
				 "LINE show map " MAP "\n");
	free(log);
	assert_state(u, "edge", s.tcp, "tracking", "synced");
	assert_state(u, "edge", s.tcp, "notifications", "synced");

	rt_service(u, "tracking", 1000, 1, 2, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	log = lb_log(&s);
	assert_contains(log, "LINE set map " MAP " tracking 1000\n");
	assert_int_equal(lb_count(&s, "LINE add map"), 1); /* never a duplicate entry */
	free(log);
	assert_state(u, "edge", s.tcp, "tracking", "synced");
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__entry_not_found_falls_back_to_add(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY, .seed = "tracking=5", .haproxy_forget = 1 };
	lb_server s;
	unit_plan *u = unit_plan_new();
	char *log;
	(void)state;

	lb_start(&s, &cfg);
	add_haproxy(u, s.tcp, NULL, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	log = lb_log(&s);
	assert_contains(log, "LINE set map " MAP " tracking 1000\nLINE add map " MAP " tracking 1000\n");
	free(log);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__refusals_are_reported_with_a_hint(void **state)
{
	static const struct {
		lb_config cfg;
		const char *msg;
	} cases[] = {
		{ { .mode = LB_HAPROXY, .haproxy_reply = "Unknown command, but maybe one of the following ones is "
							 "a better match:\n  help : this message\n\n" },
		  "haproxy refused 'show map " MAP "': Unknown command, but maybe one of the following ones is a "
		  "better match: (is this HAProxy's runtime API" },
		{ { .mode = LB_HAPROXY, .haproxy_reply = "Permission denied\n\n" },
		  "Permission denied (the stats socket needs 'level admin')" },
		{ { .mode = LB_HAPROXY, .haproxy_map = "/other.map" },
		  "Unknown map identifier. Please use #<id> or <file> (the map is named" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lb_server s;
		unit_plan *u = unit_plan_new();
		lb_start(&s, &cases[i].cfg);
		add_haproxy(u, s.tcp, NULL, NULL);
		rt_service(u, "tracking", 1000, 0, 1, NULL);
		assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
		assert_contains(fc_error_last(), cases[i].msg);
		assert_state(u, "edge", s.tcp, "tracking", "pending");
		lb_stop(&s);
		unit_plan_free(u);
	}
}

static void test_fc_router_haproxy__an_empty_answer_is_no_answer(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY, .haproxy_reply = "" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	(void)state;

	/* HAProxy ends every answer with an empty line: nothing at all is not an empty map */
	lb_start(&s, &cfg);
	add_haproxy(u, s.tcp, NULL, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "haproxy gave no answer to 'show map " MAP "'");
	assert_state(u, "edge", s.tcp, "tracking", "pending");
	assert_true(fc_rreport_verify(u->p, NULL, &r) < 0);
	assert_string_equal(rt_find(&r, "edge", s.tcp, "tracking")->error,
			    "haproxy gave no answer to 'show map " MAP "'");
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__unprintable_keys_are_not_flags(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY, .seed = "tracking=5;\033]0;owned\007=7;caf\351=9;lower=3" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	(void)state;

	/* keys the plan does not know are shown to the user: never terminal escapes */
	lb_start(&s, &cfg);
	add_haproxy(u, s.tcp, NULL, NULL);
	rt_service(u, "tracking", 5, 0, 1, NULL);
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	assert_int_equal(r.replicas[0].nextra, 1);
	assert_string_equal(r.replicas[0].extra[0], "lower");
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__map_file_is_rewritten_for_reloads(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY };
	lb_server s;
	unit_plan *u = unit_plan_new();
	char *dir = unit_tmpdir(), *mf = fc_asprintf("%s/flags.map", dir), *text;
	struct stat st;
	(void)state;

	lb_start(&s, &cfg);
	unit_write_file(mf, "# ficus flags\ntracking 0\n  legacy 10000\ntracking 7\n\nauth 300 # note\n");
	chmod(mf, 0640);
	add_haproxy(u, s.tcp, mf, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	rt_service(u, "documents", 50, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	text = unit_read_file(mf, NULL);
	/* the first line of a key takes the value, a later duplicate goes, the rest stays */
	assert_string_equal(text, "# ficus flags\ntracking 1000\n  legacy 10000\n\nauth 300 # note\ndocuments 50\n");
	free(text);
	assert_int_equal(stat(mf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* a map file ficus cannot write: the push is not complete */
	chmod(dir, 0500);
	if (access(dir, W_OK) != 0) { /* root can write anyway */
		rt_service(u, "tracking", 5000, 0, 2, NULL);
		assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
		assert_contains(fc_error_last(), "map file");
		assert_state(u, "edge", s.tcp, "tracking", "pending");
	}
	chmod(dir, 0700);
	free(mf);
	unit_rmtree(dir);
	lb_stop(&s);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__unix_socket(void **state)
{
	char *dir = unit_tmpdir(), *sock = fc_asprintf("%s/admin.sock", dir), *url = fc_asprintf("unix://%s", sock);
	lb_config cfg = { .mode = LB_HAPROXY, .unix_path = sock };
	lb_server s;
	unit_plan *u = unit_plan_new();
	(void)state;

	lb_start(&s, &cfg);
	add_haproxy(u, url, NULL, NULL);
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_state(u, "edge", url, "tracking", "synced");
	lb_stop(&s);
	unlink(sock);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "no socket at '");
	free(url);
	free(sock);
	unit_rmtree(dir);
	unit_plan_free(u);
}

static void test_fc_router_haproxy__down_hung_and_stopped(void **state)
{
	unit_plan *u = unit_plan_new();
	char url[64];
	int64_t t0;
	(void)state;

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", lb_dead_port());
	add_haproxy(u, url, NULL, "2s");
	rt_service(u, "tracking", 1000, 0, 1, NULL);
	assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
	assert_contains(fc_error_last(), "connection refused");
	assert_state(u, "edge", url, "tracking", "unreachable");
	unit_plan_free(u);

	for (int stop = 0; stop < 2; stop++) {
		lb_config hang = { .mode = LB_HANG }, ok = { .mode = LB_HAPROXY };
		lb_server s;
		u = unit_plan_new();
		lb_start(&s, stop ? &ok : &hang);
		if (stop)
			kill(s.pid, SIGSTOP);
		add_haproxy(u, s.tcp, NULL, "400ms");
		rt_service(u, "tracking", 1000, 0, 1, NULL);
		t0 = fc_http_now_ms();
		assert_fc(fc_reconcile_push(u->p, NULL, 0, NULL), FC_ESYNC);
		assert_true(fc_http_now_ms() - t0 < 1500);
		assert_contains(fc_error_last(), "timed out");
		assert_state(u, "edge", s.tcp, "tracking", "unreachable");
		lb_stop(&s);
		unit_plan_free(u);
	}
}

static void test_fc_router_haproxy__verify_and_describe(void **state)
{
	lb_config cfg = { .mode = LB_HAPROXY, .seed = "tracking=5;auth=bogus" };
	lb_server s;
	unit_plan *u = unit_plan_new();
	fc_router_result r;
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	(void)state;

	lb_start(&s, &cfg);
	add_haproxy(u, s.tcp, NULL, NULL);
	rt_service(u, "tracking", 1000, 1, 1, NULL);
	rt_service(u, "auth", 2000, 0, 1, NULL);
	rt_service(u, "idle", 0, 0, 1, NULL);
	assert_fc(fc_rreport_verify(u->p, NULL, &r), FC_EDRIFT);
	assert_string_equal(rt_find(&r, "edge", s.tcp, "tracking")->error, "the router has 0.05%, the plan 10%");
	assert_string_equal(rt_find(&r, "edge", s.tcp, "auth")->error, "missing on the router");
	/* a flag the map does not hold routes as 0%: not drift while the plan says 0% */
	assert_string_equal(rt_find(&r, "edge", s.tcp, "idle")->state, "synced");
	fc_rstate_result_clear(&r);
	assert_int_equal(lb_count(&s, "LINE set"), 0);
	o.dry_run = 1;
	assert_ok(fc_reconcile_sync(u->p, &o, &r));
	assert_contains(r.calls, "router 'edge' (haproxy) tcp://127.0.0.1:");
	assert_contains(r.calls, ": set map " MAP " tracking 1000 (add map when new)\n");
	fc_rstate_result_clear(&r);
	/* shadow is not applied by HAProxy: a synced flag ignores it */
	assert_ok(fc_reconcile_push(u->p, NULL, 0, NULL));
	assert_ok(fc_rreport_verify(u->p, NULL, &r));
	fc_rstate_result_clear(&r);
	lb_stop(&s);
	unit_plan_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router_haproxy__add_then_set_with_exact_commands),
		cmocka_unit_test(test_fc_router_haproxy__entry_not_found_falls_back_to_add),
		cmocka_unit_test(test_fc_router_haproxy__refusals_are_reported_with_a_hint),
		cmocka_unit_test(test_fc_router_haproxy__an_empty_answer_is_no_answer),
		cmocka_unit_test(test_fc_router_haproxy__unprintable_keys_are_not_flags),
		cmocka_unit_test(test_fc_router_haproxy__map_file_is_rewritten_for_reloads),
		cmocka_unit_test(test_fc_router_haproxy__unix_socket),
		cmocka_unit_test(test_fc_router_haproxy__down_hung_and_stopped),
		cmocka_unit_test(test_fc_router_haproxy__verify_and_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
