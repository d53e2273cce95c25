/* fc_router_http: the http and nginx-lua drivers (protocol v1) share one
 * implementation; their capabilities are what ficus-routers(7) says.
 * (Requests on the wire are checked in test_fc_router.c against a
 * loopback server.) */
#include "unit.h"

#include "fc_router.h"

static void test_fc_router_http__caps(void **state)
{
	fc_router_caps caps;
	const char *summary = NULL;
	const char *const *names = fc_rconf_drivers();
	int seen_http = 0, seen_nginx = 0;
	(void)state;

	for (size_t i = 0; names[i]; i++) {
		seen_http |= !strcmp(names[i], "http");
		seen_nginx |= !strcmp(names[i], "nginx-lua");
	}
	assert_true(seen_http && seen_nginx);
	for (int k = 0; k < 2; k++) {
		assert_ok(fc_rconf_driver_info(k ? "nginx-lua" : "http", &caps, &summary));
		assert_int_equal(caps.pushes, 1);
		assert_int_equal(caps.sticky, 1);      /* per tenant: the crc32 rule */
		assert_int_equal(caps.granularity_bp, 1);
		assert_int_equal(caps.revisions, 1);   /* 409 for an older revision */
		assert_int_equal(caps.shadow, 1);
		assert_non_null(summary);
	}
}

static void test_fc_router_http__config_is_checked(void **state)
{
	cJSON *bad = cJSON_Parse("[{\"name\":\"edge\",\"driver\":\"http\",\"replicas\":[\"ftp://x\"]}]");
	cJSON *good = cJSON_Parse("[{\"name\":\"edge\",\"driver\":\"http\",\"replicas\":[\"http://127.0.0.1:9\"]}]");
	cJSON *secret = cJSON_Parse("[{\"name\":\"edge\",\"driver\":\"http\",\"replicas\":[\"http://127.0.0.1:9\"],"
				    "\"token\":\"s3cret\"}]");
	(void)state;
	assert_ok(fc_rconf_check(good, "test"));
	assert_fc(fc_rconf_check(bad, "test"), FC_EPARSE);
	assert_fc(fc_rconf_check(secret, "test"), FC_EPARSE); /* no secrets in the plan */
	assert_not_contains(fc_error_last(), "s3cret");
	cJSON_Delete(bad);
	cJSON_Delete(good);
	cJSON_Delete(secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router_http__caps),
		cmocka_unit_test(test_fc_router_http__config_is_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
