/* fc_curl: libcurl loaded on first use, every function found; a missing library named. */
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

/* In a child, since libcurl is loaded once per process; the exit status says which check failed. */
static int missing_library(void)
{
	setenv("FICUS_LIBCURL", "libficus-no-such-curl.so.4", 1);
	if (fc_curl() != NULL)
		return 1;
	if (!strstr(fc_error_last(), "cannot load libcurl (libficus-no-such-curl.so.4)"))
		return 2;
	if (fc_curl() != NULL) /* the failure is remembered, not retried */
		return 3;
	return 0;
}

static void test_fc_curl__missing_library_is_an_error_naming_it(void **state)
{
	(void)state;
	unit_in_child(missing_library);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_curl__missing_library_is_an_error_naming_it),
		cmocka_unit_test(test_fc_curl__loads_every_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
