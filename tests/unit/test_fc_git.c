/* fc_git: libgit2 loaded on first use, every function found; a missing library named. */
#include "unit.h"

#include "fc_git.h"

static void test_fc_git__loads_every_function(void **state)
{
	fc_git_api first;
	(void)state;

	unsetenv("FICUS_LIBGIT2");
	assert_int_equal(fc_git_load(), 0);
	/* the table has no NULL entry */
	for (size_t i = 0; i < sizeof(fc_git_fn) / sizeof(void (*)(void)); i++)
		assert_non_null(((void (*const *)(void))&fc_git_fn)[i]);
	/* loaded once: another library named later changes nothing */
	first = fc_git_fn;
	setenv("FICUS_LIBGIT2", "libficus-no-such-git2.so", 1);
	assert_int_equal(fc_git_load(), 0);
	assert_memory_equal(&fc_git_fn, &first, sizeof(first));
	unsetenv("FICUS_LIBGIT2");
	/* and it works: the first reference in this process, then none */
	assert_int_equal(fc_git_fn.git_libgit2_init(), 1);
	assert_int_equal(fc_git_fn.git_libgit2_shutdown(), 0);
}

/* In a child, since libgit2 is loaded once per process; the exit status says which check failed. */
static int missing_library(void)
{
	setenv("FICUS_LIBGIT2", "libficus-no-such-git2.so", 1);
	if (fc_git_load() != FC_ERROR)
		return 1;
	if (!strstr(fc_error_last(), "cannot load libgit2 (libficus-no-such-git2.so)"))
		return 2;
	/* the failure is remembered, not retried, and the table stays empty */
	fc_error_clear();
	unsetenv("FICUS_LIBGIT2");
	if (fc_git_load() != FC_ERROR)
		return 3;
	if (!strstr(fc_error_last(), "cannot load libgit2 (libficus-no-such-git2.so)"))
		return 4;
	if (fc_git_fn.git_libgit2_init != NULL)
		return 5;
	return 0;
}

static void test_fc_git__missing_library_is_an_error_naming_it(void **state)
{
	(void)state;
	unit_in_child(missing_library);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_git__missing_library_is_an_error_naming_it),
		cmocka_unit_test(test_fc_git__loads_every_function),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
