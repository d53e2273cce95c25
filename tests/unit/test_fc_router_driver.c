/* The helpers every router driver shares (fc_router_driver.h): what a job
 * has seen on a router, the backoff between attempts, the protocol v1 flag
 * object, replica URLs. */
#include <cjson/cJSON.h>

#include "fc_router_driver.h"
#include "fc_tenant.h"
#include "unit.h"

static void test_fc_router_driver__seen_flags_are_found_in_any_order(void **state)
{
	fc_rflag want[2] = { { "alpha", 100, 0, 1 }, { "beta", 200, 1, 2 } };
	fc_router_job j;
	const fc_rflag *f;
	char many[32];
	(void)state;

	memset(&j, 0, sizeof(j));
	j.want = want;
	j.nwant = 2;
	assert_int_equal(fc_router_job_want_index(&j, "beta"), 1);
	assert_int_equal(fc_router_job_want_index(&j, "gamma"), -1);
	assert_null(fc_router_job_find_seen(&j, "alpha"));
	/* more than the first allocation, unsorted: every one is found */
	for (int i = 40; i > 0; i--) {
		snprintf(many, sizeof(many), "f%02d", i);
		fc_router_job_seen(&j, many, i, i % 2, i * 10);
	}
	fc_router_job_seen(&j, "alpha", 5000, 1, 99);
	f = fc_router_job_find_seen(&j, "f07");
	assert_non_null(f);
	assert_int_equal(f->bp, 7);
	assert_int_equal(f->rev, 70);
	f = fc_router_job_find_seen(&j, "alpha");
	assert_non_null(f);
	assert_int_equal(f->bp, 5000);
	/* seen after a lookup: still found (the sorted part grows) */
	fc_router_job_seen(&j, "zeta", 1, 0, 1);
	assert_non_null(fc_router_job_find_seen(&j, "zeta"));
	assert_null(fc_router_job_find_seen(&j, "omega"));
	/* a name longer than a flag can be is not kept */
	fc_router_job_seen(&j, "a-name-far-longer-than-sixty-three-characters-which-no-flag-may-have", 1, 0, 1);
	assert_int_equal(j.nseen, 42);
	fc_router_job_clear_seen(&j);
	assert_null(fc_router_job_find_seen(&j, "alpha"));
	free(j.seen);
}

static void test_fc_router_driver__backoff_grows_and_is_bounded(void **state)
{
	unsigned seed = 7;
	int64_t prev = 0;
	(void)state;
	for (int a = 2; a < 12; a++) {
		int64_t b = fc_router_backoff_ms(a, &seed);
		int64_t base = 100;
		for (int i = 2; i < a && base < 5000; i++)
			base *= 2;
		/* base plus up to half of it, the base doubling up to 5 s */
		assert_true(b >= base && b <= base + base / 2);
		assert_true(base >= prev);
		prev = base;
	}
	assert_true(fc_router_backoff_ms(30, &seed) <= 6400 + 3200);
}

static void test_fc_router_driver__v1_flag_object(void **state)
{
	static const struct {
		const char *json;
		const char *err; /* NULL: valid */
	} cases[] = {
		{ "{\"bp\":1000,\"shadow\":false,\"rev\":12}", NULL },
		{ "{\"bp\":10000,\"shadow\":true,\"rev\":0}", NULL },
		{ "[]", "not a JSON object" },
		{ "{\"bp\":10001,\"shadow\":false,\"rev\":1}", "'bp'" },
		{ "{\"bp\":1.5,\"shadow\":false,\"rev\":1}", "'bp'" },
		{ "{\"bp\":\"1\",\"shadow\":false,\"rev\":1}", "'bp'" },
		{ "{\"bp\":1,\"shadow\":0,\"rev\":1}", "'shadow'" },
		{ "{\"bp\":1,\"shadow\":false}", "'rev'" },
		{ "{\"bp\":1,\"shadow\":false,\"rev\":-1}", "'rev'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cJSON *o = cJSON_Parse(cases[i].json);
		int bp = -1, shadow = -1, rc;
		long long rev = -1;
		char err[128] = "";
		rc = fc_router_parse_v1(o, &bp, &shadow, &rev, err, sizeof(err));
		if (!cases[i].err) {
			assert_int_equal(rc, 0);
			assert_true(bp >= 0 && (shadow == 0 || shadow == 1) && rev >= 0);
		} else {
			assert_int_equal(rc, -1);
			assert_contains(err, cases[i].err);
		}
		cJSON_Delete(o);
	}
}

/* The "pins" member: read into counts and a digest; written only when there are pins. */
static void test_fc_router_driver__v1_pins(void **state)
{
	static const struct {
		const char *json;
		const char *err; /* NULL: valid */
		size_t nin, nout;
	} cases[] = {
		{ "{\"bp\":1}", NULL, 0, 0 },
		{ "{\"pins\":{\"in\":[\"b\",\"a\"],\"out\":[\"c\"]}}", NULL, 2, 1 },
		{ "{\"pins\":{\"out\":[\"c\"]}}", NULL, 0, 1 },
		{ "{\"pins\":[]}", "'pins' is not an object", 0, 0 },
		{ "{\"pins\":{\"in\":\"a\"}}", "'pins.in'", 0, 0 },
		{ "{\"pins\":{\"in\":[1]}}", "'pins.in'", 0, 0 },
	};
	char *in[] = { "a", "b" }, *out[] = { "c" };
	fc_rflag f, w;
	fc_buf b = FC_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cJSON *o = cJSON_Parse(cases[i].json);
		char err[128] = "";
		int rc = fc_router_parse_v1_pins(o, &f, err, sizeof(err));
		if (!cases[i].err) {
			assert_int_equal(rc, 0);
			assert_int_equal(f.npin_in, cases[i].nin);
			assert_int_equal(f.npin_out, cases[i].nout);
		} else {
			assert_int_equal(rc, -1);
			assert_contains(err, cases[i].err);
		}
		cJSON_Delete(o);
	}
	/* the router's lists in another order are the plan's pins */
	memset(&w, 0, sizeof(w));
	w.pin_in = in;
	w.npin_in = 2;
	w.pin_out = out;
	w.npin_out = 1;
	w.pin_crc = fc_pins_digest(in, 2, out, 1);
	{
		cJSON *o = cJSON_Parse("{\"pins\":{\"in\":[\"b\",\"a\"],\"out\":[\"c\"]}}");
		char err[128];
		assert_int_equal(fc_router_parse_v1_pins(o, &f, err, sizeof(err)), 0);
		assert_true(fc_rflag_pins_equal(&w, &f));
		cJSON_Delete(o);
	}
	fc_router_v1_pins_json(&b, &w);
	assert_string_equal(fc_buf_cstr(&b), ",\"pins\":{\"in\":[\"a\",\"b\"],\"out\":[\"c\"]}");
	fc_buf_clear(&b);
	w.npin_in = w.npin_out = 0;
	fc_router_v1_pins_json(&b, &w);
	assert_string_equal(fc_buf_cstr(&b), "");
	assert_false(fc_rflag_pins_equal(&w, &f));
	fc_buf_free(&b);
}

static void test_fc_router_driver__base_url_without_trailing_slashes(void **state)
{
	char *u;
	(void)state;
	u = fc_router_base_url("http://127.0.0.1:8081/ficus//");
	assert_string_equal(u, "http://127.0.0.1:8081/ficus");
	free(u);
	u = fc_router_base_url("http://127.0.0.1:8081");
	assert_string_equal(u, "http://127.0.0.1:8081");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_router_driver__seen_flags_are_found_in_any_order),
		cmocka_unit_test(test_fc_router_driver__backoff_grows_and_is_bounded),
		cmocka_unit_test(test_fc_router_driver__v1_flag_object),
		cmocka_unit_test(test_fc_router_driver__v1_pins),
		cmocka_unit_test(test_fc_router_driver__base_url_without_trailing_slashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
