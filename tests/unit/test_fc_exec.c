/* fc_exec: check commands with a timeout and a capped output. */
#include "unit.h"

#include "fc_exec.h"

static void test_fc_exec__status_and_last_line(void **state)
{
	fc_exec_result r;
	(void)state;
	assert_ok(fc_exec(&r, "echo first; echo 'rows 41822/41822'; echo", NULL, 10));
	assert_int_equal(r.exit_status, 0);
	assert_false(r.timed_out);
	assert_string_equal(r.last_line, "rows 41822/41822");
	fc_exec_result_clear(&r);
	assert_ok(fc_exec(&r, "echo bad >&2; exit 3", NULL, 10));
	assert_int_equal(r.exit_status, 3);
	assert_string_equal(r.last_line, "bad");
	fc_exec_result_clear(&r);
}

static void test_fc_exec__environment(void **state)
{
	const char *env[] = { "FICUS_SERVICE=tracking", NULL };
	fc_exec_result r;
	(void)state;
	assert_ok(fc_exec(&r, "echo \"svc=$FICUS_SERVICE\"", env, 10));
	assert_string_equal(r.last_line, "svc=tracking");
	fc_exec_result_clear(&r);
}

static void test_fc_exec__timeout_kills_the_group(void **state)
{
	fc_exec_result r;
	(void)state;
	/* the child of the shell holds the pipe too: the whole group must go */
	assert_ok(fc_exec(&r, "echo started; sleep 30 & sleep 30", NULL, 1));
	assert_true(r.timed_out);
	assert_int_equal(r.exit_status, -1);
	assert_true(r.seconds < 10);
	assert_string_equal(r.last_line, "started");
	fc_exec_result_clear(&r);
}

static void test_fc_exec__output_is_capped_and_sanitized(void **state)
{
	fc_exec_result r;
	(void)state;
	assert_ok(fc_exec(&r, "head -c 5000000 /dev/zero | tr '\\0' x; printf '\\nend \\033[31mred\\n'", NULL, 20));
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.last_line, "end ?[31mred");
	fc_exec_result_clear(&r);
	assert_ok(fc_exec(&r, "head -c 100000 /dev/zero | tr '\\0' y", NULL, 20));
	assert_int_equal((int)strlen(r.last_line), 500); /* a detail is one line, 500 bytes at most */
	fc_exec_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_exec__status_and_last_line),
		cmocka_unit_test(test_fc_exec__environment),
		cmocka_unit_test(test_fc_exec__timeout_kills_the_group),
		cmocka_unit_test(test_fc_exec__output_is_capped_and_sanitized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
