/* fc_checkdef: command and analysis check definitions, validated strictly. */
#include <string.h>

#include "fc_checkdef.h"
#include "fc_error.h"
#include "unit.h"

/* Parse `json` as a "checks" object's entry named "err". */
static int parse(fc_checkdef *d, cJSON **doc, const char *json)
{
	cJSON *o = cJSON_Parse(json);
	cJSON *wrap = cJSON_CreateObject();

	assert_non_null(o);
	cJSON_AddItemToObject(wrap, "err", o);
	*doc = wrap;
	fc_error_clear();
	return fc_checkdef_parse(d, o, "service 'tracking'");
}

static void bad(const char *json, const char *why)
{
	fc_checkdef d;
	cJSON *doc;
	int rc = parse(&d, &doc, json);

	if (rc >= 0)
		fail_msg("accepted: %s", json);
	assert_contains(fc_error_last(), why);
	cJSON_Delete(doc);
}

static void test_fc_checkdef__command(void **state)
{
	fc_checkdef d;
	cJSON *doc;

	(void)state;
	assert_ok(parse(&d, &doc, "{\"command\":\"./reconcile.sh\",\"timeout\":\"2m\"}"));
	assert_int_equal(d.kind, FC_CHECKDEF_COMMAND);
	assert_string_equal(d.command, "./reconcile.sh");
	assert_int_equal(d.timeout_s, 120);
	cJSON_Delete(doc);
	assert_ok(parse(&d, &doc, "{\"command\":\"true\"}"));
	assert_int_equal(d.timeout_s, 300);
	cJSON_Delete(doc);
}

static void test_fc_checkdef__analysis_defaults(void **state)
{
	fc_checkdef d;
	cJSON *doc;

	(void)state;
	assert_ok(parse(&d, &doc,
			"{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":"
			"\"ficus:error_rate:ratio_rate1m{flag=\\\"{{flag}}\\\",side=\\\"new\\\"}\",\"max\":0.01}"));
	assert_int_equal(d.kind, FC_CHECKDEF_ANALYSIS);
	assert_false(d.has_min);
	assert_true(d.has_max);
	assert_true(d.max == 0.01);
	assert_int_equal(d.interval_s, FC_CHECK_INTERVAL_DEFAULT);
	assert_int_equal(d.failure_limit, FC_CHECK_FAILURE_LIMIT_DEFAULT);
	assert_false(d.no_data_fail);
	cJSON_Delete(doc);
	assert_ok(parse(&d, &doc,
			"{\"prometheus\":\"https://prom.example:9090/\",\"query\":\"up\",\"min\":1,\"max\":2,"
			"\"interval\":\"15s\",\"failure_limit\":5,\"no_data\":\"fail\",\"token_env\":\"PROM_TOKEN\"}"));
	assert_int_equal(d.interval_s, 15);
	assert_int_equal(d.failure_limit, 5);
	assert_true(d.no_data_fail);
	assert_string_equal(d.token_env, "PROM_TOKEN");
	cJSON_Delete(doc);
}

static void test_fc_checkdef__refused(void **state)
{
	char big[FC_CHECK_QUERY_MAX + 64];

	(void)state;
	bad("{\"prometheus\":\"ftp://x\",\"query\":\"up\"}", "prometheus");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\"}", "query");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"\"}", "query");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up{x=\\\"{{nope}}\\\"}\"}", "nope");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"min\":2,\"max\":1}", "min");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"interval\":\"0s\"}", "interval");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"failure_limit\":0}", "failure_limit");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"no_data\":\"maybe\"}", "no_data");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"token\":\"s3cret\"}", "token");
	bad("{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\",\"token_env\":\"A\",\"token_file\":\"/x\"}",
	    "token");
	bad("{\"command\":\"true\",\"query\":\"up\"}", "unknown key");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char json[sizeof(big) + 128];
		snprintf(json, sizeof(json), "{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"%s\"}", big);
		bad(json, "query");
	}
}

static void test_fc_checkdefs__valid_and_have_analysis(void **state)
{
	cJSON *checks = cJSON_Parse("{\"reconcile\":{\"command\":\"true\"},"
				    "\"err\":{\"prometheus\":\"http://127.0.0.1:9090\",\"query\":\"up\"}}");

	(void)state;
	assert_ok(fc_checkdefs_valid(NULL, "settings"));
	assert_ok(fc_checkdefs_valid(checks, "settings"));
	assert_true(fc_checkdefs_have_analysis(checks));
	cJSON_DeleteItemFromObjectCaseSensitive(checks, "err");
	assert_false(fc_checkdefs_have_analysis(checks));
	cJSON_Delete(checks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_checkdef__command),
		cmocka_unit_test(test_fc_checkdef__analysis_defaults),
		cmocka_unit_test(test_fc_checkdef__refused),
		cmocka_unit_test(test_fc_checkdefs__valid_and_have_analysis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
