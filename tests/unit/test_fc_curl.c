/* fc_curl: libcurl loaded on first use, every function found; a missing library named. */
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "fc_curl.h"

static void test_fc_curl__loads_every_function(void **state)
{
	const fc_curl_api *c;
	(void)state;

	unsetenv("FICUS_LIBCURL");
	c = fc_curl();
	assert_non_null(c);
	/* the table has no NULL entry */
	for (size_t i = 0; i < sizeof(*c) / sizeof(void (*)(void)); i++)
		assert_non_null(((void (*const *)(void))c)[i]);
	assert_ptr_equal(fc_curl(), c); /* loaded once */
	assert_string_equal(c->easy_strerror(CURLE_OK), "No error");
}

/* In a child: fc_curl() loads once per process, so the failure needs a fresh one. */
static void test_fc_curl__missing_library_is_an_error_naming_it(void **state)
{
	int st;
	pid_t pid;
	(void)state;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		setenv("FICUS_LIBCURL", "libficus-no-such-curl.so.4", 1);
		if (fc_curl() != NULL)
			_exit(1);
		if (!strstr(fc_error_last(), "cannot load libcurl (libficus-no-such-curl.so.4)"))
			_exit(2);
		if (fc_curl() != NULL) /* the failure is remembered, not retried */
			_exit(3);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_curl__missing_library_is_an_error_naming_it),
		cmocka_unit_test(test_fc_curl__loads_every_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
