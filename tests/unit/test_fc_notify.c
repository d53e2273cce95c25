/*
 * fc_notify and the webhook settings: parsing and refusals, the URL as it
 * may be shown, and the outbox trigger (a change's journal row makes one
 * event, deliverable once its commit is known).
 */
#include <stdlib.h>
#include <unistd.h>

#include "fc_json.h"
#include "fc_notify.h"
#include "fc_settings.h"
#include "fc_store.h"
#include "unit.h"

static int parse(const char *text, fc_webhook **out, size_t *n)
{
	cJSON *o = cJSON_Parse(text);
	int rc;
	if (!o)
		fail_msg("bad test document: %s", text);
	rc = fc_webhooks_parse(out, n, o, "settings");
	cJSON_Delete(o);
	return rc;
}

static void test_fc_notify__webhooks_parse_defaults(void **state)
{
	fc_webhook *w = NULL;
	size_t n = 0;
	(void)state;
	assert_ok(parse("[{\"name\":\"ops\",\"url\":\"https://h.example.com/x\"},"
			"{\"name\":\"chat\",\"url_file\":\"/etc/u\",\"format\":\"slack\",\"events\":[\"drift\",\"test\"],"
			"\"token_env\":\"T\"}]", &w, &n));
	assert_int_equal(n, 2);
	assert_int_equal(w[0].events, FC_EVENT_DEFAULT);
	assert_false(w[0].events & FC_EVENT_TEST);
	assert_int_equal(w[0].slack, 0);
	assert_int_equal(w[1].events, FC_EVENT_DRIFT | FC_EVENT_TEST);
	assert_int_equal(w[1].slack, 1);
	assert_string_equal(w[1].url_file, "/etc/u");
	assert_string_equal(w[1].token_env, "T");
	fc_webhooks_free(w, n);
	assert_ok(parse("null", &w, &n));
	assert_int_equal(n, 0);
}

static void test_fc_notify__webhooks_parse_refusals(void **state)
{
	static const struct { const char *doc, *msg; } bad[] = {
		{ "[{\"url\":\"https://h/x\"}]", "has no 'name'" },
		{ "[{\"name\":\"A b\",\"url\":\"https://h/x\"}]", "webhook name" },
		{ "[{\"name\":\"a\"}]", "exactly one of 'url' and 'url_file'" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"url_file\":\"/f\"}]", "exactly one" },
		{ "[{\"name\":\"a\",\"url\":\"ftp://h/x\"}]", "not an http:// or https:// URL" },
		{ "[{\"name\":\"a\",\"url\":\"https://u:pw@h/x\"}]", "https://***@h/..." },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x#frag\"}]", "no fragment" },
		{ "[{\"name\":\"a\",\"url_file\":\"rel/path\"}]", "absolute path" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"token\":\"s3cr3t\"}]", "secrets never go into the plan" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"colour\":1}]", "unknown setting 'colour'" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"events\":[\"chnage\"]}]", "did you mean 'change'" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"events\":[]}]", "list of event names" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"format\":\"xml\"}]", "\"json\" or \"slack\"" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\",\"token_env\":\"1x\"}]", "environment variable name" },
		{ "[{\"name\":\"a\",\"url\":\"https://h/x\"},{\"name\":\"a\",\"url\":\"https://h/y\"}]", "defined twice" },
		{ "{}", "must be a list" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fc_webhook *w = NULL;
		size_t n = 0;
		assert_fc(parse(bad[i].doc, &w, &n), FC_EPARSE);
		assert_contains(fc_error_last(), bad[i].msg);
		assert_not_contains(fc_error_last(), "s3cr3t");
		assert_not_contains(fc_error_last(), ":pw@");
		assert_null(w);
	}
}

static void test_fc_notify__url_shown_keeps_scheme_and_host(void **state)
{
	char b[256];
	(void)state;
	fc_webhook_url_shown(b, sizeof(b), "https://hooks.slack.com/services/T0/B0/secret");
	assert_string_equal(b, "https://hooks.slack.com/...");
	fc_webhook_url_shown(b, sizeof(b), "http://127.0.0.1:8080");
	assert_string_equal(b, "http://127.0.0.1:8080");
	fc_webhook_url_shown(b, sizeof(b), "http://[::1]:9/x?token=abc");
	assert_string_equal(b, "http://[::1]:9/...");
	fc_webhook_url_shown(b, sizeof(b), "https://user:pass@h.example.com/p");
	assert_string_equal(b, "https://***@h.example.com/...");
	fc_webhook_url_shown(b, sizeof(b), "not a url");
	assert_string_equal(b, "(not a URL)");
}

static void test_fc_notify__event_names_round_trip(void **state)
{
	(void)state;
	for (const char *const *e = fc_webhook_event_names(); *e; e++)
		assert_string_equal(fc_webhook_event_name(fc_webhook_event_bit(*e)), *e);
	assert_int_equal(fc_webhook_event_bit("nope"), 0);
	assert_int_equal(fc_webhook_event_bit("gate-open"), FC_EVENT_GATE_OPEN);
}

static void test_fc_notify__journal_row_makes_one_event(void **state)
{
	char path[] = "/tmp/fc-notify-unit-XXXXXX", db[64];
	fc_store *s = NULL;
	sqlite3_stmt *q = NULL;
	int fd = mkstemp(path);
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	assert_ok(fc_store_open(&s, db, 1, 1000));
	/* a change's journal row ('db'): one event, not yet deliverable */
	assert_ok(fc_store_exec(s, "INSERT INTO journal (change_id, created, state, message, author_name, author_email, "
			        "paths) VALUES ('c1', 5, 'db', 'x: y\n\nwhy\n\nFicus-Change: c1\n', 'A', 'a@b', 'p')", NULL));
	assert_ok(fc_store_preparef(s, &q, "SELECT count(*), max(commit_oid IS NULL), max(actor) FROM notify_event "
				    "WHERE kind = 'change' AND change_id = 'c1'", NULL));
	assert_int_equal(fc_store_step(s, q), 1);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	assert_int_equal(sqlite3_column_int(q, 1), 1);
	assert_string_equal(fc_col_text(q, 2), "A <a@b>");
	sqlite3_finalize(q);
	/* its commit: deliverable, with the commit id */
	assert_ok(fc_store_exec(s, "UPDATE journal SET state = 'committed', commit_oid = 'abc' WHERE change_id = 'c1'", NULL));
	assert_ok(fc_store_preparef(s, &q, "SELECT commit_oid FROM notify_event WHERE change_id = 'c1'", NULL));
	assert_int_equal(fc_store_step(s, q), 1);
	assert_string_equal(fc_col_text(q, 0), "abc");
	sqlite3_finalize(q);
	/* a row copied in 'committed' (a rebuild's copy) makes none; a rolled back one none */
	assert_ok(fc_store_exec(s, "INSERT INTO journal (change_id, created, state, message, author_name, author_email, "
			        "paths) VALUES ('c2', 5, 'applied', 'm', 'A', '', 'p')", NULL));
	assert_ok(fc_store_begin(s, 1));
	assert_ok(fc_store_exec(s, "INSERT INTO journal (change_id, created, state, message, author_name, author_email, "
			        "paths) VALUES ('c3', 5, 'db', 'm', 'A', '', 'p')", NULL));
	fc_store_rollback(s);
	assert_ok(fc_store_preparef(s, &q, "SELECT count(*) FROM notify_event", NULL));
	assert_int_equal(fc_store_step(s, q), 1);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	/* an emitted event carries its text */
	assert_ok(fc_notify_emit(s, "drift", NULL, NULL, "drift on 1 flag", NULL));
	assert_ok(fc_store_preparef(s, &q, "SELECT detail FROM notify_event WHERE kind = 'drift'", NULL));
	assert_int_equal(fc_store_step(s, q), 1);
	assert_string_equal(fc_col_text(q, 0), "{\"text\":\"drift on 1 flag\"}");
	sqlite3_finalize(q);
	fc_store_free(s);
	unlink(db);
	{
		char side[80];
		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_notify__webhooks_parse_defaults),
		cmocka_unit_test(test_fc_notify__webhooks_parse_refusals),
		cmocka_unit_test(test_fc_notify__url_shown_keeps_scheme_and_host),
		cmocka_unit_test(test_fc_notify__event_names_round_trip),
		cmocka_unit_test(test_fc_notify__journal_row_makes_one_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
