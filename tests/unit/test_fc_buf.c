/* fc_buf: the growable buffer, allocation helpers and fc_sanitize. */
#include "unit.h"

static void test_fc_buf__empty_buffer_reads_as_empty_string(void **state)
{
	fc_buf b = FC_BUF_INIT;
	char *s;
	(void)state;
	assert_string_equal(fc_buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	s = fc_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	fc_buf_free(&b); /* free after detach is harmless */
}

static void test_fc_buf__appends_and_stays_terminated(void **state)
{
	fc_buf b = FC_BUF_INIT;
	(void)state;
	fc_buf_puts(&b, "ab");
	fc_buf_putc(&b, 'c');
	fc_buf_put(&b, "defXXX", 3);
	fc_buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(fc_buf_cstr(&b), "abcdef-42-x");
	assert_int_equal(b.len, 11);
	assert_int_equal(b.ptr[b.len], '\0');
	assert_true(b.cap > b.len);
	fc_buf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
}

static void test_fc_buf__grows_over_many_appends(void **state)
{
	fc_buf b = FC_BUF_INIT;
	(void)state;
	for (int i = 0; i < 10000; i++)
		fc_buf_printf(&b, "%04d", i % 10000);
	assert_int_equal(b.len, 40000);
	assert_int_equal(strlen(b.ptr), 40000);
	assert_memory_equal(b.ptr, "0000000100020003", 16);
	assert_memory_equal(b.ptr + 39996, "9999", 4);
	fc_buf_free(&b);
}

static void test_fc_buf__printf_longer_than_initial_capacity(void **state)
{
	fc_buf b = FC_BUF_INIT;
	char expect[301];
	(void)state;
	memset(expect, 'y', 300);
	expect[300] = '\0';
	fc_buf_puts(&b, "a");
	fc_buf_printf(&b, "%s", expect);
	assert_int_equal(b.len, 301);
	assert_string_equal(b.ptr + 1, expect);
	fc_buf_free(&b);
}

static void test_fc_buf__binary_data_keeps_its_length(void **state)
{
	fc_buf b = FC_BUF_INIT;
	(void)state;
	fc_buf_put(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b", 3);
	fc_buf_put(&b, NULL, 0);
	assert_int_equal(b.len, 3);
	fc_buf_free(&b);
}

static void test_fc_buf__clear_keeps_capacity(void **state)
{
	fc_buf b = FC_BUF_INIT;
	size_t cap;
	(void)state;
	fc_buf_puts(&b, "hello world");
	cap = b.cap;
	fc_buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(fc_buf_cstr(&b), "");
	assert_int_equal(b.cap, cap);
	fc_buf_puts(&b, "x");
	assert_string_equal(fc_buf_cstr(&b), "x");
	fc_buf_free(&b);
}

static void test_fc_buf__detach_hands_over_and_resets(void **state)
{
	fc_buf b = FC_BUF_INIT;
	char *s;
	(void)state;
	fc_buf_puts(&b, "mine");
	s = fc_buf_detach(&b);
	assert_string_equal(s, "mine");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	fc_buf_puts(&b, "again");
	assert_string_equal(fc_buf_cstr(&b), "again");
	free(s);
	fc_buf_free(&b);
}

static void test_fc_buf__string_helpers(void **state)
{
	char *a = fc_asprintf("%s=%d", "n", 7), *b = fc_strndup("abcdef", 3), *c = fc_strdup(NULL),
	     *d = fc_strdup("copy");
	void *z = fc_calloc(4, 8);
	(void)state;
	assert_string_equal(a, "n=7");
	assert_string_equal(b, "abc");
	assert_string_equal(c, "");
	assert_string_equal(d, "copy");
	for (int i = 0; i < 32; i++)
		assert_int_equal(((unsigned char *)z)[i], 0);
	z = fc_realloc(z, 64);
	free(a);
	free(b);
	free(c);
	free(d);
	free(z);
}

static void check_sanitize(const char *in, int keep, const char *want)
{
	char *got = fc_sanitize(in, keep);
	if (strcmp(got, want) != 0) {
		char g[256];
		snprintf(g, sizeof(g), "%s", got);
		free(got);
		fail_msg("fc_sanitize(%d) gave \"%s\", expected \"%s\"", keep, g, want);
	}
	free(got);
}

static void test_fc_buf__sanitize_replaces_controls(void **state)
{
	(void)state;
	check_sanitize("plain text", 0, "plain text");
	check_sanitize("a\x1b[31mred", 0, "a?[31mred");
	check_sanitize("bell\a del\x7f", 0, "bell? del?");
	check_sanitize("cr\rlf", 0, "cr?lf");
	check_sanitize(NULL, 0, "");
}

static void test_fc_buf__sanitize_newlines_and_tabs(void **state)
{
	(void)state;
	check_sanitize("one\ntwo\tthree", 0, "one?two?three");
	check_sanitize("one\ntwo\tthree", 1, "one\ntwo\tthree");
	check_sanitize("one\r\ntwo", 1, "one?\ntwo");
}

static void test_fc_buf__sanitize_keeps_valid_utf8(void **state)
{
	(void)state;
	check_sanitize("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\xb3", 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\xb3");
	check_sanitize("\xc2\xa0nbsp", 0, "\xc2\xa0nbsp"); /* U+00A0 is not a control */
}

static void test_fc_buf__sanitize_replaces_c1_and_invalid_utf8(void **state)
{
	(void)state;
	/* U+009B (C1 CSI) and U+0085: no byte of the control survives */
	for (int i = 0; i < 2; i++) {
		char *got = fc_sanitize(i ? "nel\xc2\x85" : "csi\xc2\x9bx", 0);
		assert_true(strncmp(got, i ? "nel?" : "csi?", 4) == 0);
		for (const char *p = got; *p; p++)
			assert_true(*p == '?' || (*p >= 'a' && *p <= 'z'));
		assert_int_equal(got[strlen(got) - 1], i ? '?' : 'x');
		free(got);
	}
	check_sanitize("\xff\xfe", 0, "??");                /* not UTF-8 at all */
	check_sanitize("\x80lone", 0, "?lone");            /* stray continuation */
	check_sanitize("\xc0\xaf", 0, "??");                /* overlong '/' */
	check_sanitize("\xed\xa0\x80", 0, "???");           /* surrogate */
	check_sanitize("cut\xe2\x82", 0, "cut??");          /* truncated sequence */
	check_sanitize("\xf4\x90\x80\x80", 0, "????");      /* above U+10FFFF */
}

/* The formatting helpers give printf's bytes, cut where snprintf() cuts. */
static void test_fc_buf__fmt_like_printf(void **state)
{
	static const unsigned long long v[] = { 0, 7, 9, 10, 99, 100, 12345, 4294967295ULL, 18446744073709551615ULL };
	char out[32], want[32], buf[8];
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = fc_fmt_uint(out, v[i]);
		snprintf(want, sizeof(want), "%llu", v[i]);
		assert_int_equal(n, strlen(want));
		assert_memory_equal(out, want, n);
	}
	strcpy(buf, "ab");
	fc_fmt_cat(buf, sizeof(buf), "cde");
	assert_string_equal(buf, "abcde");
	fc_fmt_cat(buf, sizeof(buf), "fghij");
	assert_string_equal(buf, "abcdefg");
	fc_fmt_cat(buf, 3, "x"); /* already longer than the size: cut, as snprintf would have */
	assert_string_equal(buf, "ab");
	buf[0] = '\0';
	fc_fmt_cat(buf, 1, "x");
	assert_string_equal(buf, "");
	fc_fmt_cat(buf, 0, "x"); /* no room at all: untouched */
	assert_string_equal(buf, "");
}

/* fc_asprintf formats as vsnprintf() does, with printf or without it. */
static void asprintf_is(const char *want, char *got)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_fc_buf__asprintf_like_printf(void **state)
{
	char want[1100], big[1000];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(want, sizeof(want), "%s: %s %s >= %s", "cutover_soak", "the flag", "7d2h", "7d");
	asprintf_is(want, fc_asprintf("%s: %s %s >= %s", "cutover_soak", "the flag", "7d2h", "7d"));
	snprintf(want, sizeof(want), "%d/%d pass, %d%% %lld %zu", -2147483647 - 1, 2147483647, 0,
		 -9223372036854775807LL - 1, (size_t)-1);
	asprintf_is(want, fc_asprintf("%d/%d pass, %d%% %lld %zu", -2147483647 - 1, 2147483647, 0,
				      -9223372036854775807LL - 1, (size_t)-1));
	asprintf_is("", fc_asprintf("%s", ""));
	asprintf_is("no conversion", fc_asprintf("no conversion"));
	/* what it leaves to printf: flags, widths, precision, other conversions, long results */
	snprintf(want, sizeof(want), "%-6s|%5d|%.2s|%ld|%x|%c", "ab", 42, "xyz", -7L, 255u, 'q');
	asprintf_is(want, fc_asprintf("%-6s|%5d|%.2s|%ld|%x|%c", "ab", 42, "xyz", -7L, 255u, 'q'));
	snprintf(want, sizeof(want), "%s%s", big, "!");
	asprintf_is(want, fc_asprintf("%s%s", big, "!"));
	snprintf(want, sizeof(want), "%d %s", 5, "end %");
	asprintf_is(want, fc_asprintf("%d %s", 5, "end %"));
}

static void test_fc_buf__read_file_appends_within_its_bound(void **state)
{
	char *dir = unit_tmpdir(), *file = fc_asprintf("%s/f", dir);
	fc_buf b = FC_BUF_INIT;
	(void)state;

	unit_write_file(file, "hello");
	fc_buf_puts(&b, ">");
	assert_int_equal(fc_buf_read_file(&b, file, 5), 0);
	assert_string_equal(fc_buf_cstr(&b), ">hello");
	assert_int_equal(b.len, 6);
	/* a failure leaves the buffer as it was */
	errno = 0;
	assert_int_equal(fc_buf_read_file(&b, file, 4), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(fc_buf_read_file(&b, dir, 1 << 20), -1);
	assert_int_equal(errno, EINVAL);
	unlink(file);
	assert_int_equal(fc_buf_read_file(&b, file, 1 << 20), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(fc_buf_cstr(&b), ">hello");
	assert_int_equal(b.len, 6);
	fc_buf_free(&b);
	free(file);
	unit_rmtree(dir);
}

static void test_fc_buf__mask_secret_masks_every_form(void **state)
{
	/* "Tok/en+42" base64: VG9rL2VuKzQy; URL-encoded: Tok%2Fen%2B42 */
	char msg[512] = "a Tok/en+42 b tok/EN+42 c TOK/EN+42 d tok%2fen%2b42 e VG9rL2VuKzQy f "
			"eFRvay9lbis0Mg== g eHhUb2svZW4rNDI= h Bearer VG9rL2VuKzQy i VG9rL2VuKzQy j";
	char tiny[] = "abc abc";
	(void)state;
	fc_mask_secret(msg, "Tok/en+42");
	assert_null(strcasestr(msg, "tok/en+42"));
	assert_null(strcasestr(msg, "tok%2fen%2b42"));
	assert_null(strstr(msg, "VG9rL2VuKzQy"));
	assert_null(strstr(msg, "9rL2VuKzQ"));  /* "xTok/en+42" */
	assert_null(strstr(msg, "Ub2svZW4rND")); /* "xxTok/en+42" */
	assert_string_equal(msg, "a *** b *** c *** d *** e *** f eF***g== g eHh***I= h Bearer *** i *** j");
	fc_mask_secret(tiny, "abc"); /* too short to mask */
	assert_string_equal(tiny, "abc abc");
	fc_mask_secret(tiny, NULL);
	fc_mask_secret(NULL, "secret");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_buf__empty_buffer_reads_as_empty_string),
		cmocka_unit_test(test_fc_buf__appends_and_stays_terminated),
		cmocka_unit_test(test_fc_buf__grows_over_many_appends),
		cmocka_unit_test(test_fc_buf__printf_longer_than_initial_capacity),
		cmocka_unit_test(test_fc_buf__binary_data_keeps_its_length),
		cmocka_unit_test(test_fc_buf__clear_keeps_capacity),
		cmocka_unit_test(test_fc_buf__detach_hands_over_and_resets),
		cmocka_unit_test(test_fc_buf__string_helpers),
		cmocka_unit_test(test_fc_buf__sanitize_replaces_controls),
		cmocka_unit_test(test_fc_buf__sanitize_newlines_and_tabs),
		cmocka_unit_test(test_fc_buf__sanitize_keeps_valid_utf8),
		cmocka_unit_test(test_fc_buf__sanitize_replaces_c1_and_invalid_utf8),
		cmocka_unit_test(test_fc_buf__fmt_like_printf),
		cmocka_unit_test(test_fc_buf__asprintf_like_printf),
		cmocka_unit_test(test_fc_buf__read_file_appends_within_its_bound),
		cmocka_unit_test(test_fc_buf__mask_secret_masks_every_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
