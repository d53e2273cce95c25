/* fc_name: names, percentages, the routing bucket and crc32. */
#include "fc_name.h"
#include "unit.h"

static void name_ok(const char *n)
{
	if (fc_name_check("domain", n) != 0)
		fail_msg("name '%s' refused: %s", n, fc_error_last());
}

static void name_bad(const char *n)
{
	fc_error_clear();
	if (fc_name_check("domain", n) != FC_EINVAL)
		fail_msg("name '%s' accepted", n ? n : "(null)");
	assert_contains(fc_error_last(), "domain name");
}

static void test_fc_name__valid_names(void **state)
{
	(void)state;
	name_ok("a");
	name_ok("0");
	name_ok("tracking");
	name_ok("billing-v2");
	name_ok("user_profile.read");
	name_ok("9lives");
	name_ok("a-");
	name_ok("x..y");
}

static void test_fc_name__length_63_ok_64_refused(void **state)
{
	char n[80];
	(void)state;
	memset(n, 'a', sizeof(n));
	n[63] = '\0';
	name_ok(n);
	n[63] = 'a';
	n[64] = '\0';
	name_bad(n);
	assert_contains(fc_error_last(), "longer than 63");
	/* the shown name is shortened */
	assert_true(strlen(fc_error_last()) < 120);
}

static void test_fc_name__refuses_paths_and_spaces(void **state)
{
	(void)state;
	name_bad("../x");
	name_bad("a/b");
	name_bad("x y");
	name_bad(" x");
	name_bad("x ");
	name_bad("");
	name_bad(NULL);
	name_bad("Tracking");
	name_bad("a:b");
	name_bad("a*");
}

static void test_fc_name__refuses_leading_punctuation(void **state)
{
	(void)state;
	name_bad("-rf");
	name_bad(".hidden");
	name_bad("_x");
	name_bad("..");
	name_bad(".");
}

static void test_fc_name__refuses_control_and_non_ascii(void **state)
{
	(void)state;
	name_bad("a\tb");
	name_bad("a\nb");
	name_bad("esc\x1b[2J");
	name_bad("caf\xc3\xa9");
	name_bad("\xff");
	/* the message never carries the raw control characters */
	fc_name_check("domain", "esc\x1b[2J");
	assert_null(strchr(fc_error_last(), '\x1b'));
	assert_contains(fc_error_last(), "'esc?[2J'");
	assert_contains(fc_error_last(), "a-z, 0-9");
}

static int pct(const char *s)
{
	int bp = -1;
	if (fc_pct_parse(&bp, s) != 0)
		fail_msg("fc_pct_parse(\"%s\") failed: %s", s, fc_error_last());
	return bp;
}

static void pct_bad(const char *s)
{
	int bp = -7;
	int rc = fc_pct_parse(&bp, s);
	if (rc != FC_EINVAL)
		fail_msg("fc_pct_parse(\"%s\") gave %d (bp %d), expected FC_EINVAL", s ? s : "(null)", rc, bp);
	assert_int_equal(bp, -7);
}

static void test_fc_name__pct_parse_forms(void **state)
{
	(void)state;
	assert_int_equal(pct("10"), 1000);
	assert_int_equal(pct("10%"), 1000);
	assert_int_equal(pct("0.5%"), 50);
	assert_int_equal(pct("0.5"), 50);
	assert_int_equal(pct("12.34%"), 1234);
	assert_int_equal(pct("0.01%"), 1);
	assert_int_equal(pct("0"), 0);
	assert_int_equal(pct("0%"), 0);
	assert_int_equal(pct("100"), 10000);
	assert_int_equal(pct("100%"), 10000);
	assert_int_equal(pct("100.00%"), 10000);
	assert_int_equal(pct("99.99%"), 9999);
}

static void test_fc_name__pct_parse_refuses(void **state)
{
	(void)state;
	pct_bad("100.01%");
	assert_contains(fc_error_last(), "above 100%");
	pct_bad("101");
	pct_bad("1000");
	pct_bad("1.234%");
	assert_contains(fc_error_last(), "two decimals");
	pct_bad("-1");
	pct_bad("abc");
	pct_bad("");
	pct_bad(NULL);
	pct_bad("%");
	pct_bad("5.");
	pct_bad(".5");
	pct_bad("10%%");
	pct_bad("10 %");
	pct_bad(" 10");
	pct_bad("1e1");
	pct_bad("10000");
}

static void pct_fmt_is(int bp, const char *want)
{
	char buf[16];
	fc_pct_format(buf, sizeof(buf), bp);
	if (strcmp(buf, want) != 0)
		fail_msg("fc_pct_format(%d) = \"%s\", expected \"%s\"", bp, buf, want);
}

static void test_fc_name__pct_format(void **state)
{
	char buf[8];
	(void)state;
	pct_fmt_is(1000, "10%");
	pct_fmt_is(50, "0.5%");
	pct_fmt_is(1234, "12.34%");
	pct_fmt_is(5, "0.05%");
	pct_fmt_is(0, "0%");
	pct_fmt_is(10000, "100%");
	pct_fmt_is(9999, "99.99%");
	pct_fmt_is(110, "1.1%");
	/* the bytes of the printf formats it replaced, cut the same way in a short buffer */
	for (int bp = -20000; bp <= 20000; bp++) {
		char want[32], got[32], cut[5], want_cut[5];
		if (bp % 100 == 0)
			snprintf(want, sizeof(want), "%d%%", bp / 100);
		else if (bp % 10 == 0)
			snprintf(want, sizeof(want), "%d.%d%%", bp / 100, (bp % 100) / 10);
		else
			snprintf(want, sizeof(want), "%d.%02d%%", bp / 100, bp % 100);
		fc_pct_format(got, sizeof(got), bp);
		assert_string_equal(got, want);
		snprintf(want_cut, sizeof(want_cut), "%s", want);
		fc_pct_format(cut, sizeof(cut), bp);
		assert_string_equal(cut, want_cut);
	}
	/* every value round-trips through the parser, in the documented 8 bytes */
	for (int bp = 0; bp <= 10000; bp++) {
		fc_pct_format(buf, sizeof(buf), bp);
		assert_int_equal(pct(buf), bp);
	}
}

static void test_fc_name__crc32_known_values(void **state)
{
	(void)state;
	/* zlib's crc32() of the same bytes */
	assert_int_equal(fc_crc32(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(fc_crc32(0, "", 0), 0u);
	assert_int_equal(fc_crc32(0, "a", 1), 0xE8B7BE43u);
	assert_int_equal(fc_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
	assert_int_equal(fc_crc32(0, "\0\0\0\0", 4), 0x2144DF1Cu);
}

static void test_fc_name__crc32_continues(void **state)
{
	uint32_t c;
	(void)state;
	c = fc_crc32(0, "1234", 4);
	c = fc_crc32(c, "56789", 5);
	assert_int_equal(c, 0xCBF43926u);
	c = fc_crc32(0, "", 0);
	assert_int_equal(fc_crc32(c, "123456789", 9), 0xCBF43926u);
}

/* Bit-by-bit CRC-32 (reflected 0xEDB88320), independent of any table. */
static uint32_t slow_crc(const char *s)
{
	uint32_t c = 0xFFFFFFFFu;
	for (; *s; s++) {
		c ^= (unsigned char)*s;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void test_fc_name__tenant_bucket_is_crc_of_flag_colon_tenant(void **state)
{
	static const char *tenants[] = { "acme", "globex", "initech", "t-1", "", "caf\xc3\xa9" };
	(void)state;
	/* values from python: zlib.crc32(b"flag:tenant") % 10000 */
	assert_int_equal(fc_tenant_bucket("flag", "tenant"), 9329);
	assert_int_equal(fc_tenant_bucket("checkout", "acme"), 2669);
	for (size_t i = 0; i < sizeof(tenants) / sizeof(tenants[0]); i++) {
		char *key = fc_asprintf("tracking-v2:%s", tenants[i]);
		int b = fc_tenant_bucket("tracking-v2", tenants[i]);
		assert_int_equal(b, (int)(slow_crc(key) % 10000u));
		assert_in_range(b, 0, 9999);
		free(key);
	}
}

static void test_fc_name__tenant_bucket_spreads(void **state)
{
	int hist[10] = { 0 };
	(void)state;
	for (int i = 0; i < 10000; i++) {
		char t[32];
		snprintf(t, sizeof(t), "tenant-%d", i);
		hist[fc_tenant_bucket("flag", t) / 1000]++;
	}
	for (int i = 0; i < 10; i++)
		assert_in_range(hist[i], 800, 1200);
}

static void test_fc_name__index_finds_each_name_and_no_other(void **state)
{
	enum { N = 3000 };
	char *names[N];
	fc_name_index x;
	(void)state;
	for (int i = 0; i < N; i++)
		names[i] = fc_asprintf("domain-%04d", (i * 7919) % N);
	fc_name_index_build(&x, (const char *const *)names, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(fc_name_index_find(&x, (const char *const *)names, names[i]), i);
	assert_int_equal(fc_name_index_find(&x, (const char *const *)names, "domain-3000"), -1);
	assert_int_equal(fc_name_index_find(&x, (const char *const *)names, "domain-000"), -1);
	assert_int_equal(fc_name_index_find(&x, (const char *const *)names, ""), -1);
	fc_name_index_free(&x);
	fc_name_index_free(&x); /* twice is harmless */
	/* an empty index finds nothing */
	fc_name_index_build(&x, NULL, 0);
	assert_int_equal(fc_name_index_find(&x, NULL, "domain-0001"), -1);
	fc_name_index_free(&x);
	for (int i = 0; i < N; i++)
		free(names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_name__valid_names),
		cmocka_unit_test(test_fc_name__length_63_ok_64_refused),
		cmocka_unit_test(test_fc_name__refuses_paths_and_spaces),
		cmocka_unit_test(test_fc_name__refuses_leading_punctuation),
		cmocka_unit_test(test_fc_name__refuses_control_and_non_ascii),
		cmocka_unit_test(test_fc_name__pct_parse_forms),
		cmocka_unit_test(test_fc_name__pct_parse_refuses),
		cmocka_unit_test(test_fc_name__pct_format),
		cmocka_unit_test(test_fc_name__crc32_known_values),
		cmocka_unit_test(test_fc_name__crc32_continues),
		cmocka_unit_test(test_fc_name__tenant_bucket_is_crc_of_flag_colon_tenant),
		cmocka_unit_test(test_fc_name__tenant_bucket_spreads),
		cmocka_unit_test(test_fc_name__index_finds_each_name_and_no_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
