/* fc_tenant: tenant names, tenant sets and the pins digest. */
#include "fc_name.h"
#include "fc_tenant.h"
#include "unit.h"

static void tenant_ok(const char *t)
{
	if (fc_tenant_check(t) != 0)
		fail_msg("tenant '%s' refused: %s", t, fc_error_last());
}

static void tenant_bad(const char *t, const char *why)
{
	fc_error_clear();
	if (fc_tenant_check(t) != FC_EINVAL)
		fail_msg("tenant '%s' accepted", t);
	assert_contains(fc_error_last(), why);
}

static void test_fc_tenant__names(void **state)
{
	char t[200];

	(void)state;
	tenant_ok("acme");
	tenant_ok("t0001");
	tenant_ok("Dogfood-EU_2.x~y@z+q%20");
	memset(t, 'a', sizeof(t));
	t[128] = '\0';
	tenant_ok(t);
	t[128] = 'a';
	t[129] = '\0';
	tenant_bad(t, "longer than 128 bytes");
	tenant_bad("", "may not be empty");
	/* what a router cannot take as one unambiguous tenant */
	tenant_bad("a:b", "character 2");
	tenant_bad("a b", "character 2");
	tenant_bad("a,b", "character 2");
	tenant_bad("a;b", "character 2");
	tenant_bad("a&b", "character 2");
	tenant_bad("a\"b", "character 2");
	tenant_bad("a\\b", "character 2");
	tenant_bad("a\nb", "character 2");
	tenant_bad("caf\xc3\xa9", "character 4");
}

static void test_fc_tenant__parse_sorts_and_dedupes(void **state)
{
	fc_tenants t = { NULL, 0 };

	(void)state;
	assert_ok(fc_tenants_parse(&t, " zeta, acme ,,acme", 0));
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0], "acme");
	assert_string_equal(t.v[1], "zeta");
	assert_true(fc_tenants_has(&t, "zeta"));
	assert_false(fc_tenants_has(&t, "beta"));
	/* lines: CRLF, comments, blank lines; added to what is there */
	assert_ok(fc_tenants_parse(&t, "# pins\r\nbeta\r\n\r\n  gamma  \n#acme-not\n", 1));
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[1], "beta");
	assert_string_equal(t.v[2], "gamma");
	/* a comment is a tenant name error outside a file */
	assert_int_equal(fc_tenants_parse(&t, "#x", 0), FC_EINVAL);
	assert_int_equal(fc_tenants_parse(&t, "ok,bad:one", 0), FC_EINVAL);
	assert_contains(fc_error_last(), "bad:one");
	fc_tenants_clear(&t);
	assert_int_equal(t.n, 0);
}

static void test_fc_tenant__parse_limit(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_tenants t = { NULL, 0 };

	(void)state;
	for (int i = 0; i < FC_PINS_MAX; i++)
		fc_buf_printf(&b, "t%05d\n", i);
	assert_ok(fc_tenants_parse(&t, fc_buf_cstr(&b), 1));
	assert_int_equal(t.n, FC_PINS_MAX);
	fc_tenants_clear(&t);
	fc_buf_puts(&b, "one-more\n");
	assert_int_equal(fc_tenants_parse(&t, fc_buf_cstr(&b), 1), FC_ELIMIT);
	fc_tenants_clear(&t);
	fc_buf_free(&b);
}

static void test_fc_tenant__digest(void **state)
{
	char *in1[] = { "b", "a" }, *in2[] = { "a", "b" }, *out1[] = { "c" };

	(void)state;
	assert_int_equal(fc_pins_digest(NULL, 0, NULL, 0), 0);
	/* order does not count; side and content do */
	assert_int_equal(fc_pins_digest(in1, 2, out1, 1), fc_pins_digest(in2, 2, out1, 1));
	assert_int_not_equal(fc_pins_digest(in1, 2, out1, 1), fc_pins_digest(out1, 1, in1, 2));
	assert_int_not_equal(fc_pins_digest(in1, 2, NULL, 0), fc_pins_digest(in1, 1, NULL, 0));
	/* the documented definition: crc32 of "i:a\ni:b\no:c\n" */
	assert_int_equal(fc_pins_digest(in1, 2, out1, 1), fc_crc32(0, "i:a\ni:b\no:c\n", 12));
	/* the arrays are left as they were */
	assert_string_equal(in1[0], "b");
}

static void test_fc_tenant__shown(void **state)
{
	char *v[] = { "a", "b", "c" }, *s;

	(void)state;
	s = fc_tenants_shown(v, 3, 5);
	assert_string_equal(s, "a b c");
	free(s);
	s = fc_tenants_shown(v, 3, 2);
	assert_string_equal(s, "a b ... and 1 more");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_tenant__names),
		cmocka_unit_test(test_fc_tenant__parse_sorts_and_dedupes),
		cmocka_unit_test(test_fc_tenant__parse_limit),
		cmocka_unit_test(test_fc_tenant__digest),
		cmocka_unit_test(test_fc_tenant__shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
