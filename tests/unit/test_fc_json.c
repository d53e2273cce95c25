/* fc_json: deterministic rendering, parse errors with positions, limits. */
#include "fc_json.h"
#include "unit.h"

static char *render(const cJSON *o)
{
	fc_buf b = FC_BUF_INIT;
	fc_json_render(&b, o);
	return fc_buf_detach(&b);
}

static char *render_compact(const cJSON *o)
{
	fc_buf b = FC_BUF_INIT;
	fc_json_render_compact(&b, o);
	return fc_buf_detach(&b);
}

static cJSON *parse_ok(const char *text)
{
	cJSON *o = NULL;
	if (fc_json_parse(&o, "doc", text, strlen(text), 1 << 20) != 0)
		fail_msg("parse of '%s' failed: %s", text, fc_error_last());
	return o;
}

static void test_fc_json__render_sorts_keys_and_indents(void **state)
{
	cJSON *o = fc_json_obj(), *inner = fc_json_obj(), *arr = fc_json_arr();
	char *s;
	(void)state;
	fc_json_add_str(o, "zeta", "last");
	fc_json_add_num(o, "alpha", 1);
	fc_json_add_bool(inner, "yes", 1);
	fc_json_add_bool(inner, "no", 0);
	fc_json_add(o, "mid", inner);
	fc_json_push(arr, cJSON_CreateNumber(2));
	fc_json_push(arr, cJSON_CreateString("b"));
	fc_json_push(arr, cJSON_CreateNull());
	fc_json_add(o, "list", arr);
	fc_json_add(o, "empty_obj", fc_json_obj());
	fc_json_add(o, "empty_arr", fc_json_arr());
	s = render(o);
	assert_string_equal(s,
		"{\n"
		"  \"alpha\": 1,\n"
		"  \"empty_arr\": [],\n"
		"  \"empty_obj\": {},\n"
		"  \"list\": [\n"
		"    2,\n"
		"    \"b\",\n"
		"    null\n"
		"  ],\n"
		"  \"mid\": {\n"
		"    \"no\": false,\n"
		"    \"yes\": true\n"
		"  },\n"
		"  \"zeta\": \"last\"\n"
		"}\n");
	free(s);
	cJSON_Delete(o);
}

static void test_fc_json__render_is_independent_of_insertion_order(void **state)
{
	cJSON *a = parse_ok("{\"b\": {\"y\": 2, \"x\": 1}, \"a\": [3, {\"q\": 1, \"p\": 0}]}");
	cJSON *b = parse_ok("{\"a\": [3, {\"p\": 0, \"q\": 1}], \"b\": {\"x\": 1, \"y\": 2}}");
	char *ra = render(a), *rb = render(b), *ca = render_compact(a), *cb = render_compact(b);
	(void)state;
	assert_string_equal(ra, rb);
	assert_string_equal(ca, cb);
	assert_string_equal(ca, "{\"a\":[3,{\"p\":0,\"q\":1}],\"b\":{\"x\":1,\"y\":2}}");
	/* sorting is bytewise: upper case before lower case, "a" before "aa" */
	cJSON_Delete(a);
	a = parse_ok("{\"aa\": 1, \"a\": 2, \"B\": 3, \"_\": 4}");
	free(ca);
	ca = render_compact(a);
	assert_string_equal(ca, "{\"B\":3,\"_\":4,\"a\":2,\"aa\":1}");
	free(ra);
	free(rb);
	free(ca);
	free(cb);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void test_fc_json__render_numbers(void **state)
{
	cJSON *a = fc_json_arr();
	char *s;
	(void)state;
	fc_json_push(a, cJSON_CreateNumber(3));
	fc_json_push(a, cJSON_CreateNumber(-42));
	fc_json_push(a, cJSON_CreateNumber(1e15));
	fc_json_push(a, cJSON_CreateNumber(2.5));
	fc_json_push(a, cJSON_CreateNumber(0.1));
	fc_json_push(a, cJSON_CreateNumber(1234.5678));
	fc_json_push(a, cJSON_CreateNumber(0));
	s = render_compact(a);
	assert_string_equal(s, "[3,-42,1000000000000000,2.5,0.1,1234.5678,0]");
	free(s);
	cJSON_Delete(a);
}

static void test_fc_json__render_escapes_strings(void **state)
{
	cJSON *o = fc_json_obj();
	char *s;
	(void)state;
	fc_json_add_str(o, "k\"ey", "quote\" back\\ nl\n tab\t cr\r bell\a esc\x1b del\x7f caf\xc3\xa9");
	s = render_compact(o);
	assert_string_equal(s, "{\"k\\\"ey\":\"quote\\\" back\\\\ nl\\n tab\\t cr\\r bell\\u0007 "
			       "esc\\u001b del\\u007f caf\xc3\xa9\"}");
	/* the rendering parses back to the same value */
	{
		cJSON *back = parse_ok(s);
		const char *v = NULL;
		assert_ok(fc_json_get_str(&v, back, "k\"ey", "doc"));
		assert_string_equal(v, "quote\" back\\ nl\n tab\t cr\r bell\a esc\x1b del\x7f caf\xc3\xa9");
		cJSON_Delete(back);
	}
	free(s);
	cJSON_Delete(o);
}

static void test_fc_json__render_scalars_and_trailing_newline(void **state)
{
	cJSON *v = cJSON_CreateString("x");
	char *s = render(v), *c = render_compact(v);
	(void)state;
	assert_string_equal(s, "\"x\"\n");
	assert_string_equal(c, "\"x\"");
	free(s);
	free(c);
	cJSON_Delete(v);
}

static void test_fc_json__render_round_trips_byte_for_byte(void **state)
{
	const char *text =
		"{\n  \"a\": [\n    1,\n    2.25,\n    \"x\"\n  ],\n  \"b\": {\n    \"c\": null\n  }\n}\n";
	cJSON *o = parse_ok(text);
	char *s = render(o);
	(void)state;
	assert_string_equal(s, text);
	free(s);
	cJSON_Delete(o);
}

static void parse_err(const char *text, const char *want)
{
	cJSON *o = (cJSON *)1;
	int rc = fc_json_parse(&o, "map.json", text, strlen(text), 1 << 20);
	if (rc != FC_EPARSE)
		fail_msg("parse of '%s' gave %d, expected FC_EPARSE", text, rc);
	assert_null(o);
	assert_contains(fc_error_last(), want);
	assert_contains(fc_error_last(), "map.json");
}

static void test_fc_json__parse_error_line_and_column(void **state)
{
	(void)state;
	parse_err("{\n  \"a\": 1,\n  \"b\": x\n}", "line 3, column 8");
	parse_err("\n\n  {\"a\" 1}", "line 3, column 8");
	parse_err("{\"a\": 1,}", "line 1, column 9");
	parse_err("{\"a\": tru}", "line 1, column 7");
}

static void test_fc_json__parse_error_at_a_missing_key(void **state)
{
	(void)state;
	/* a trailing comma or a bad key is reported where the key belongs */
	parse_err("{\"a\": 1,\n  }", "line 2, column 3");
	parse_err("{\"a\": 1, x: 2}", "line 1, column 10");
	parse_err("{ 7: 1}", "line 1, column 3");
}

static void test_fc_json__parse_refuses_nul_escapes(void **state)
{
	cJSON *o = NULL;
	(void)state;
	/* "a\u0000b" would become the C string "a": names cut short */
	parse_err("{\"name\": \"a\\u0000b\"}", "line 1, column 12: strings may not hold \\u0000");
	parse_err("{\"k\\u0000\": 1}", "\\u0000");
	/* an escaped backslash followed by "u0000" is ordinary text */
	o = parse_ok("{\"name\": \"a\\\\u0000b\"}");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring, "a\\u0000b");
	cJSON_Delete(o);
	o = parse_ok("{\"name\": \"a\\u0001b\"}");
	assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring), 3);
	cJSON_Delete(o);
}

static void test_fc_json__parse_empty_document(void **state)
{
	(void)state;
	parse_err("", "empty document");
}

static void test_fc_json__parse_refuses_trailing_garbage(void **state)
{
	(void)state;
	parse_err("{\"a\":1} x", "line 1, column 9: unexpected text after the document");
	parse_err("{\"a\":1}\n\n  ]", "line 3, column 3");
	parse_err("1 2", "unexpected text");
	parse_err("{}{}", "unexpected text");
}

static void test_fc_json__parse_accepts_trailing_whitespace(void **state)
{
	cJSON *o = parse_ok("  {\"a\": 1}\n\t \r\n");
	(void)state;
	assert_true(cJSON_IsObject(o));
	cJSON_Delete(o);
}

static void test_fc_json__parse_uses_length_not_nul(void **state)
{
	const char text[] = "{\"a\": 1}GARBAGE";
	cJSON *o = NULL;
	(void)state;
	assert_ok(fc_json_parse(&o, "doc", text, 8, 100));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(o, "a"));
	cJSON_Delete(o);
	/* a truncated document is an error, not a read past the end */
	assert_fc(fc_json_parse(&o, "doc", text, 5, 100), FC_EPARSE);
	assert_null(o);
}

static void test_fc_json__parse_size_limit(void **state)
{
	const char *text = "{\"a\": \"0123456789\"}";
	cJSON *o = (cJSON *)1;
	size_t n = strlen(text);
	(void)state;
	assert_fc(fc_json_parse(&o, "map", text, n, n - 1), FC_ELIMIT);
	assert_null(o);
	assert_contains(fc_error_last(), "map");
	assert_contains(fc_error_last(), "limit");
	assert_ok(fc_json_parse(&o, "map", text, n, n));
	cJSON_Delete(o);
}

static void test_fc_json__getters_types(void **state)
{
	cJSON *o = parse_ok("{\"s\": \"x\", \"n\": 2.5, \"i\": 7, \"b\": true, \"z\": null, \"big\": 1e17}");
	const char *s = "untouched";
	double n = -1;
	long long i = -1;
	int b = -1;
	(void)state;
	assert_ok(fc_json_get_str(&s, o, "s", "doc"));
	assert_string_equal(s, "x");
	assert_ok(fc_json_get_num(&n, o, "n", "doc"));
	assert_true(n == 2.5);
	assert_ok(fc_json_get_int(&i, o, "i", "doc"));
	assert_int_equal(i, 7);
	assert_ok(fc_json_get_bool(&b, o, "b", "doc"));
	assert_int_equal(b, 1);
	/* absent and null leave the output alone */
	s = "kept";
	assert_ok(fc_json_get_str(&s, o, "missing", "doc"));
	assert_ok(fc_json_get_str(&s, o, "z", "doc"));
	assert_string_equal(s, "kept");
	/* wrong types name the document and the key */
	assert_fc(fc_json_get_str(&s, o, "n", "map, domain 2"), FC_EPARSE);
	assert_contains(fc_error_last(), "map, domain 2: 'n' must be a string");
	assert_fc(fc_json_get_num(&n, o, "s", "doc"), FC_EPARSE);
	assert_fc(fc_json_get_int(&i, o, "n", "doc"), FC_EPARSE);
	assert_contains(fc_error_last(), "integer");
	assert_fc(fc_json_get_int(&i, o, "big", "doc"), FC_EPARSE);
	assert_fc(fc_json_get_bool(&b, o, "i", "doc"), FC_EPARSE);
	assert_int_equal(i, 7);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_json__render_sorts_keys_and_indents),
		cmocka_unit_test(test_fc_json__render_is_independent_of_insertion_order),
		cmocka_unit_test(test_fc_json__render_numbers),
		cmocka_unit_test(test_fc_json__render_escapes_strings),
		cmocka_unit_test(test_fc_json__render_scalars_and_trailing_newline),
		cmocka_unit_test(test_fc_json__render_round_trips_byte_for_byte),
		cmocka_unit_test(test_fc_json__parse_error_line_and_column),
		cmocka_unit_test(test_fc_json__parse_error_at_a_missing_key),
		cmocka_unit_test(test_fc_json__parse_refuses_nul_escapes),
		cmocka_unit_test(test_fc_json__parse_empty_document),
		cmocka_unit_test(test_fc_json__parse_refuses_trailing_garbage),
		cmocka_unit_test(test_fc_json__parse_accepts_trailing_whitespace),
		cmocka_unit_test(test_fc_json__parse_uses_length_not_nul),
		cmocka_unit_test(test_fc_json__parse_size_limit),
		cmocka_unit_test(test_fc_json__getters_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
