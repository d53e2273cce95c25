/* fc_clock: FICUS_NOW, the injected clock, times and durations. */
#include <time.h>

#include "unit.h"

/* The expected value computed independently (glibc's timegm). */
static fc_time utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (fc_time)timegm(&tm);
}

static int reset(void **state)
{
	(void)state;
	unsetenv("FICUS_NOW");
	fc_clock_set(NULL);
	fc_error_clear();
	return 0;
}

static fc_time parsed(const char *s)
{
	fc_time t = -1;
	if (fc_time_parse(&t, s) != 0)
		fail_msg("fc_time_parse(\"%s\") failed: %s", s, fc_error_last());
	return t;
}

static void refused(const char *s)
{
	fc_time t = 12345;
	int rc = fc_time_parse(&t, s);
	if (rc != FC_EINVAL)
		fail_msg("fc_time_parse(\"%s\") gave %d (t=%lld), expected FC_EINVAL", s, rc, (long long)t);
	assert_int_equal(t, 12345); /* untouched on error */
}

static void test_fc_clock__ficus_now_rfc3339_utc(void **state)
{
	(void)state;
	setenv("FICUS_NOW", "2026-11-22T10:00:00Z", 1);
	assert_int_equal(fc_clock_check(), 0);
	assert_int_equal(fc_now(), utc(2026, 11, 22, 10, 0, 0));
	assert_int_equal(fc_now(), UNIT_NOW);
}

static void test_fc_clock__ficus_now_with_offsets(void **state)
{
	(void)state;
	setenv("FICUS_NOW", "2026-11-22T12:00:00+02:00", 1);
	assert_int_equal(fc_now(), utc(2026, 11, 22, 10, 0, 0));
	setenv("FICUS_NOW", "2026-11-22T04:30:00-05:30", 1);
	assert_int_equal(fc_now(), utc(2026, 11, 22, 10, 0, 0));
	setenv("FICUS_NOW", "2026-11-23T00:15:00+14:15", 1);
	assert_int_equal(fc_now(), utc(2026, 11, 22, 10, 0, 0));
}

static void test_fc_clock__ficus_now_unix_seconds(void **state)
{
	(void)state;
	setenv("FICUS_NOW", "1790000000", 1);
	assert_int_equal(fc_clock_check(), 0);
	assert_int_equal(fc_now(), 1790000000);
	setenv("FICUS_NOW", "0", 1);
	assert_int_equal(fc_now(), 0);
}

static void test_fc_clock__ficus_now_invalid_is_reported_and_ignored(void **state)
{
	static const char *bad[] = { "yesterday", "2026-11-22T10:00:00", "2026-11-22",
				     "1234567890123", "-5", "2026-11-22T10:00:00+0200" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fc_time now, sys;
		setenv("FICUS_NOW", bad[i], 1);
		fc_error_clear();
		assert_int_equal(fc_clock_check(), FC_EINVAL);
		assert_contains(fc_error_last(), "FICUS_NOW");
		/* falls back to the system clock */
		sys = (fc_time)time(NULL);
		now = fc_now();
		assert_true(now >= sys - 5 && now <= sys + 5);
	}
}

static void test_fc_clock__after_year_9999_is_refused(void **state)
{
	static const char *bad[] = { "253402300800", "999999999999", "9999-12-31T23:59:59-00:01",
				     "9999-12-31T23:59:60Z" };
	fc_time t;
	(void)state;
	assert_int_equal(fc_time_parse(&t, "253402300799"), 0);
	assert_int_equal(t, FC_TIME_MAX);
	assert_int_equal(fc_time_parse(&t, "9999-12-31T23:59:59Z"), 0);
	assert_int_equal(t, FC_TIME_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fc_error_clear();
		assert_int_equal(fc_time_parse(&t, bad[i]), FC_EINVAL);
		assert_contains(fc_error_last(), "9999-12-31T23:59:59Z");
		setenv("FICUS_NOW", bad[i], 1);
		assert_int_equal(fc_clock_check(), FC_EINVAL);
		assert_contains(fc_error_last(), "FICUS_NOW");
		assert_true(fc_now() < FC_TIME_MAX);
	}
	unsetenv("FICUS_NOW");
}

static void test_fc_clock__unset_or_empty_is_fine(void **state)
{
	fc_time now, sys;
	(void)state;
	assert_int_equal(fc_clock_check(), 0);
	setenv("FICUS_NOW", "", 1);
	assert_int_equal(fc_clock_check(), 0);
	sys = (fc_time)time(NULL);
	now = fc_now();
	assert_true(now >= sys - 5 && now <= sys + 5);
}

static fc_time fixed_clock(void)
{
	return 424242;
}

static void test_fc_clock__injected_clock_wins_and_resets(void **state)
{
	(void)state;
	setenv("FICUS_NOW", "1790000000", 1);
	fc_clock_set(fixed_clock);
	assert_int_equal(fc_now(), 424242);
	unit_clock_at(1000);
	assert_int_equal(fc_now(), 1000);
	unit_now_value += 60; /* tests move time without sleeping */
	assert_int_equal(fc_now(), 1060);
	fc_clock_set(NULL);
	assert_int_equal(fc_now(), 1790000000);
}

static void test_fc_clock__parse_accepted_forms(void **state)
{
	(void)state;
	assert_int_equal(parsed("2026-11-22T10:00:00Z"), UNIT_NOW);
	assert_int_equal(parsed("2026-11-22 10:00:00Z"), UNIT_NOW);
	assert_int_equal(parsed("2026-11-22t10:00:00z"), UNIT_NOW);
	assert_int_equal(parsed("2026-11-22T10:00:00.123456Z"), UNIT_NOW); /* fraction dropped */
	assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parsed("2024-02-29T12:34:56Z"), utc(2024, 2, 29, 12, 34, 56));
	assert_int_equal(parsed("2000-03-01T00:00:00Z"), utc(2000, 3, 1, 0, 0, 0));
	assert_int_equal(parsed("2099-12-31T23:59:59Z"), utc(2099, 12, 31, 23, 59, 59));
	assert_int_equal(parsed("2026-01-01T00:00:00-00:00"), utc(2026, 1, 1, 0, 0, 0));
	assert_int_equal(parsed("253402300799"), 253402300799LL); /* 9999-12-31T23:59:59Z, the last */
}

static void test_fc_clock__parse_refuses_invalid(void **state)
{
	(void)state;
	refused("");
	refused("now");
	refused("2026-13-01T00:00:00Z");
	refused("2026-00-10T00:00:00Z");
	refused("2026-04-31T00:00:00Z");
	refused("2026-11-32T00:00:00Z");
	refused("2026-11-22T24:00:00Z");
	refused("2026-11-22T10:60:00Z");
	refused("2026-11-22T10:00:61Z");
	refused("2026-11-22T10:00:00+24:00");
	refused("2026-11-22T10:00:00+02:60");
	refused("2026-11-22T10:00:00+02");
	refused("2026-11-22T10:00:00Zjunk");
	refused("2026-11-22T10:00:00+02:00junk");
	refused("1969-12-31T23:59:59Z");
	refused("1234567890123");
	refused("12.5");
	assert_int_equal(fc_time_parse(&(fc_time){ 0 }, NULL), FC_EINVAL);
}

/*
 * BUG (core/fc_clock.c, fc_time_parse): the day is checked against a table
 * that gives February 29 days in every year, so "2025-02-29T00:00:00Z" is
 * accepted (as 2025-03-01T00:00:00Z, 1740787200) instead of FC_EINVAL.
 * Likewise the offset and the fields go through sscanf("%2d"), so
 * "2026-11-22T10:00:00+-1:30", " 2026-1-2T3:4:5Z" (a leading space,
 * one-digit fields) are accepted although they are not RFC 3339.
 */
static void test_fc_clock__parse_refuses_feb29_of_common_year(void **state)
{
	(void)state;
	refused("2025-02-29T00:00:00Z");
	refused("1900-02-29T00:00:00Z");
	refused("2026-11-22T10:00:00+-1:30");
	refused(" 2026-11-22T10:00:00Z");
	refused("2026-1-2T3:4:5Z");
}

static void test_fc_clock__format_rfc3339(void **state)
{
	char buf[32];
	(void)state;
	fc_time_format(buf, sizeof(buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	fc_time_format(buf, sizeof(buf), UNIT_NOW);
	assert_string_equal(buf, "2026-11-22T10:00:00Z");
	fc_time_format(buf, sizeof(buf), utc(2024, 2, 29, 23, 59, 59));
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	assert_int_equal(strlen(buf), 20); /* fits the documented 21 bytes */
	for (fc_time t = 0; t < 4102444800LL; t += 987654321LL / 7) {
		fc_time_format(buf, sizeof(buf), t);
		assert_int_equal(parsed(buf), t);
	}
}

static int64_t dur(const char *s)
{
	int64_t v = -1;
	if (fc_duration_parse(&v, s) != 0)
		fail_msg("fc_duration_parse(\"%s\") failed: %s", s, fc_error_last());
	return v;
}

static void dur_refused(const char *s)
{
	int64_t v = 777;
	int rc = fc_duration_parse(&v, s);
	if (rc != FC_EINVAL)
		fail_msg("fc_duration_parse(\"%s\") gave %d (%lld), expected FC_EINVAL", s, rc, (long long)v);
	assert_int_equal(v, 777);
	assert_true(strlen(fc_error_last()) > 0);
}

static void test_fc_clock__duration_parse_units(void **state)
{
	(void)state;
	assert_int_equal(dur("90s"), 90);
	assert_int_equal(dur("15m"), 900);
	assert_int_equal(dur("24h"), 86400);
	assert_int_equal(dur("14d"), 14 * 86400);
	assert_int_equal(dur("2w"), 14 * 86400);
	assert_int_equal(dur("7d2h"), 7 * 86400 + 2 * 3600);
	assert_int_equal(dur("1w2d3h4m5s"), 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	assert_int_equal(dur("0s"), 0);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("3600"), 3600);
	assert_int_equal(dur("36500d"), (int64_t)36500 * 86400); /* 100 years: the limit */
}

static void test_fc_clock__duration_parse_refuses_bad_input(void **state)
{
	(void)state;
	dur_refused("");
	dur_refused("7x");
	dur_refused("d");
	dur_refused("7d2");
	dur_refused("-5");
	dur_refused("-5s");
	dur_refused("1.5h");
	dur_refused("7 d");
	dur_refused(" 7d");
	dur_refused("h7");
	dur_refused("7D");
	assert_int_equal(fc_duration_parse(&(int64_t){ 0 }, NULL), FC_EINVAL);
}

static void test_fc_clock__duration_parse_refuses_overflow(void **state)
{
	(void)state;
	dur_refused("36501d");
	dur_refused("5300w");
	dur_refused("999999999w");
	dur_refused("9999999999s");
	dur_refused("99999999999999999999s");
	dur_refused("36500d1s");
	dur_refused("99999999999");  /* 11 digits of seconds */
	assert_contains(fc_error_last(), "range");
}

/*
 * BUG (core/fc_clock.c, fc_duration_parse): plain seconds are only limited
 * to 10 digits, not to the documented 100 years: "9999999999" (317 years)
 * and "4000000000" (126 years) are accepted, while "36501d" is refused.
 */
static void test_fc_clock__duration_plain_seconds_over_100_years(void **state)
{
	(void)state;
	dur_refused("9999999999");
	dur_refused("4000000000");
}

static void fmt_is(int64_t secs, const char *want)
{
	char buf[32];
	fc_duration_format(buf, sizeof(buf), secs);
	if (strcmp(buf, want) != 0)
		fail_msg("fc_duration_format(%lld) = \"%s\", expected \"%s\"", (long long)secs, buf, want);
}

static void test_fc_clock__duration_format_two_units(void **state)
{
	(void)state;
	fmt_is(0, "0s");
	fmt_is(45, "45s");
	fmt_is(60, "1m");
	fmt_is(90, "1m30s");
	fmt_is(3 * 3600 + 5 * 60, "3h5m");
	fmt_is(3 * 3600 + 5 * 60 + 9, "3h5m");
	fmt_is(7 * 86400 + 2 * 3600, "7d2h");
	fmt_is(14 * 86400, "14d");
	fmt_is(86400 + 60, "1d"); /* "1d0h1m" would be three units */
	fmt_is(90061, "1d1h");
	fmt_is(-90, "-1m30s");
}

static void test_fc_clock__duration_format_round_trips(void **state)
{
	static const int64_t v[] = { 0, 1, 59, 60, 61, 3599, 3600, 3660, 86400, 90000, 612000, 1209600 };
	char buf[32];
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fc_duration_format(buf, sizeof(buf), v[i]);
		assert_int_equal(dur(buf), v[i]);
	}
}

static void test_fc_clock__duration_format_respects_size(void **state)
{
	char buf[8];
	(void)state;
	memset(buf, '#', sizeof(buf));
	fc_duration_format(buf, 4, 7 * 86400 + 2 * 3600);
	assert_int_equal(buf[3], '\0');
	assert_int_equal(buf[4], '#');
	assert_memory_equal(buf, "7d2", 3);
	memset(buf, '#', sizeof(buf));
	fc_duration_format(buf, 1, 45);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_clock__ficus_now_rfc3339_utc, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__ficus_now_with_offsets, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__ficus_now_unix_seconds, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__after_year_9999_is_refused, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__ficus_now_invalid_is_reported_and_ignored, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__unset_or_empty_is_fine, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__injected_clock_wins_and_resets, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__parse_accepted_forms, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__parse_refuses_invalid, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__format_rfc3339, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_parse_units, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_parse_refuses_bad_input, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_parse_refuses_overflow, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_format_two_units, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_format_round_trips, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_format_respects_size, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__parse_refuses_feb29_of_common_year, reset, reset),
		cmocka_unit_test_setup_teardown(test_fc_clock__duration_plain_seconds_over_100_years, reset, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
