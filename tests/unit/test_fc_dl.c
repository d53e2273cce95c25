/* fc_dl: one loader for the libraries ficus opens on first use. */
#include "unit.h"

#include "fc_dl.h"

/* libm: a library every system ficus runs on has, with a known function or two */
typedef struct {
	double (*cos)(double);
	double (*sqrt)(double);
} math_api;

static math_api math_fn;
static const fc_dl_sym math_syms[] = {
	{ "cos", offsetof(math_api, cos) },
	{ "sqrt", offsetof(math_api, sqrt) },
};

static void test_fc_dl__fills_the_table_once(void **state)
{
	static fc_dl_lib lib = FC_DL_LIB_INIT("libm", "FICUS_TEST_LIBM", "libm.so.6", "2.0", math_syms, &math_fn);
	math_api first;
	(void)state;

	unsetenv("FICUS_TEST_LIBM");
	assert_int_equal(fc_dl_open(&lib), 0);
	assert_non_null(math_fn.cos);
	assert_true(math_fn.sqrt(16.0) == 4.0);
	/* loaded once: the environment is not read again */
	first = math_fn;
	setenv("FICUS_TEST_LIBM", "libficus-no-such-libm.so", 1);
	assert_int_equal(fc_dl_open(&lib), 0);
	assert_memory_equal(&math_fn, &first, sizeof(first));
	unsetenv("FICUS_TEST_LIBM");
}

/* a library without one of the functions: its name and the version needed, remembered */
static void test_fc_dl__a_missing_function_is_named(void **state)
{
	static const fc_dl_sym syms[] = {
		{ "cos", offsetof(math_api, cos) },
		{ "ficus_no_such_function", offsetof(math_api, sqrt) },
	};
	static math_api table;
	static fc_dl_lib lib = FC_DL_LIB_INIT("libm", "FICUS_TEST_LIBM", "libm.so.6", "9.9", syms, &table);
	(void)state;

	unsetenv("FICUS_TEST_LIBM");
	assert_int_equal(fc_dl_open(&lib), FC_ERROR);
	assert_contains(fc_error_last(), "libm (libm.so.6) has no ficus_no_such_function(): it is older than ficus needs (9.9)");
	fc_error_clear();
	assert_int_equal(fc_dl_open(&lib), FC_ERROR);
	assert_contains(fc_error_last(), "has no ficus_no_such_function()");
}

/* the environment names the library; one that is not there is named in the error */
static void test_fc_dl__the_environment_names_the_library(void **state)
{
	static math_api table;
	static fc_dl_lib lib = FC_DL_LIB_INIT("libm", "FICUS_TEST_LIBM", "libm.so.6", "2.0", math_syms, &table);
	(void)state;

	setenv("FICUS_TEST_LIBM", "libficus-no-such-libm.so", 1);
	assert_int_equal(fc_dl_open(&lib), FC_ERROR);
	assert_contains(fc_error_last(), "cannot load libm (libficus-no-such-libm.so)");
	assert_null(table.cos);
	unsetenv("FICUS_TEST_LIBM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_dl__fills_the_table_once),
		cmocka_unit_test(test_fc_dl__a_missing_function_is_named),
		cmocka_unit_test(test_fc_dl__the_environment_names_the_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
