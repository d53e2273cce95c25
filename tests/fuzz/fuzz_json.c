/* Fuzz the JSON reader and the deterministic writer: parse, render,
 * re-parse, render again: the two renderings must be identical. */
#include <stdlib.h>
#include <string.h>

#include "fc_json.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	cJSON *a = NULL, *b = NULL;
	fc_buf one = FC_BUF_INIT, two = FC_BUF_INIT;

	if (fc_json_parse(&a, "fuzz", (const char *)data, len, 1u << 20) < 0)
		return 0;
	fc_json_render(&one, a);
	if (fc_json_parse(&b, "again", one.ptr, one.len, 1u << 22) < 0)
		abort(); /* our own output must parse */
	fc_json_render(&two, b);
	if (one.len != two.len || memcmp(one.ptr, two.ptr, one.len))
		abort(); /* rendering is not stable */
	cJSON_Delete(a);
	cJSON_Delete(b);
	fc_buf_free(&one);
	fc_buf_free(&two);
	return 0;
}
