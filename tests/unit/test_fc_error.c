/* fc_error: codes, their text, the thread-local last error, exit statuses. */
#include <pthread.h>

#include "unit.h"

static void test_fc_error__strerror_names_every_code(void **state)
{
	(void)state;
	for (int a = FC_ECODE_MIN; a <= 0; a++) {
		const char *s = fc_strerror(a);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
		for (int b = FC_ECODE_MIN; b < a; b++)
			assert_string_not_equal(s, fc_strerror(b));
	}
	assert_string_equal(fc_strerror(FC_EGATE), "gate closed");
	assert_string_equal(fc_strerror(FC_OK), "success");
}

static void test_fc_error__strerror_unknown_code(void **state)
{
	(void)state;
	assert_string_equal(fc_strerror(FC_ECODE_MIN - 1), "unknown error");
	assert_string_equal(fc_strerror(1), "unknown error");
	assert_string_equal(fc_strerror(-1000), "unknown error");
}

static void test_fc_error__set_returns_code_and_keeps_message(void **state)
{
	(void)state;
	fc_error_clear();
	assert_int_equal(fc_error_set(FC_EINVAL, "bad name '%s'", "x y"), FC_EINVAL);
	assert_string_equal(fc_error_last(), "bad name 'x y'");
	assert_int_equal(fc_error_last_code(), FC_EINVAL);
}

static void test_fc_error__wrap_prefixes_context(void **state)
{
	(void)state;
	fc_error_set(FC_EPARSE, "line 3, column 2: malformed JSON");
	assert_int_equal(fc_error_wrap(FC_ERROR, "loading '%s'", "map.json"), FC_ERROR);
	assert_string_equal(fc_error_last(), "loading 'map.json': line 3, column 2: malformed JSON");
	assert_int_equal(fc_error_last_code(), FC_ERROR);
}

static void test_fc_error__wrap_without_message_is_the_prefix(void **state)
{
	(void)state;
	fc_error_clear();
	fc_error_wrap(FC_EDRIFT, "verifying");
	assert_string_equal(fc_error_last(), "verifying");
	assert_int_equal(fc_error_last_code(), FC_EDRIFT);
}

static void test_fc_error__clear_empties(void **state)
{
	(void)state;
	fc_error_set(FC_ERROR, "something");
	fc_error_clear();
	assert_string_equal(fc_error_last(), "");
	assert_int_equal(fc_error_last_code(), 0);
}

static void test_fc_error__long_message_is_truncated(void **state)
{
	char *big = fc_malloc(5001);
	(void)state;
	memset(big, 'x', 5000);
	big[5000] = '\0';
	fc_error_set(FC_ERROR, "%s", big);
	assert_true(strlen(fc_error_last()) < 1024);
	assert_true(strlen(fc_error_last()) > 500);
	assert_int_equal(fc_error_last()[0], 'x');
	/* wrapping a full message stays bounded too */
	fc_error_wrap(FC_ERROR, "%s", big);
	assert_true(strlen(fc_error_last()) < 1024);
	free(big);
}

static void test_fc_error__exit_status_mapping(void **state)
{
	(void)state;
	assert_int_equal(fc_exit_status(FC_OK), 0);
	assert_int_equal(fc_exit_status(FC_ERROR), 1);
	assert_int_equal(fc_exit_status(FC_ENOTFOUND), 1);
	assert_int_equal(fc_exit_status(FC_EPARSE), 1);
	assert_int_equal(fc_exit_status(FC_EINVAL), 2);
	assert_int_equal(fc_exit_status(FC_EUSAGE), 2);
	assert_int_equal(fc_exit_status(FC_EGATE), 3);
	assert_int_equal(fc_exit_status(FC_ECONFLICT), 4);
	assert_int_equal(fc_exit_status(FC_ESYNC), 5);
	assert_int_equal(fc_exit_status(FC_EDRIFT), 6);
}

static void *other_thread(void *arg)
{
	char *seen = arg;
	/* a new thread starts with no error, and its own does not leak out */
	snprintf(seen, 64, "%s|%d", fc_error_last(), fc_error_last_code());
	fc_error_set(FC_EGATE, "from the other thread");
	return NULL;
}

static void test_fc_error__last_error_is_per_thread(void **state)
{
	pthread_t t;
	char seen[64] = "";
	(void)state;
	fc_error_set(FC_EINVAL, "main thread");
	assert_int_equal(pthread_create(&t, NULL, other_thread, seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_string_equal(seen, "|0");
	assert_string_equal(fc_error_last(), "main thread");
	assert_int_equal(fc_error_last_code(), FC_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_error__strerror_names_every_code),
		cmocka_unit_test(test_fc_error__strerror_unknown_code),
		cmocka_unit_test(test_fc_error__set_returns_code_and_keeps_message),
		cmocka_unit_test(test_fc_error__wrap_prefixes_context),
		cmocka_unit_test(test_fc_error__wrap_without_message_is_the_prefix),
		cmocka_unit_test(test_fc_error__clear_empties),
		cmocka_unit_test(test_fc_error__long_message_is_truncated),
		cmocka_unit_test(test_fc_error__exit_status_mapping),
		cmocka_unit_test(test_fc_error__last_error_is_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
