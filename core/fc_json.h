#ifndef FC_JSON_H
#define FC_JSON_H
/*
 * JSON in and out, on top of cJSON.
 *
 * Output is deterministic: object keys sorted bytewise, two-space indent,
 * a trailing newline, integers without a fraction.  The same tree always
 * renders to the same bytes, so the plan files diff line by line.
 *
 * Input reports the line and column of a syntax error, and refuses
 * documents over a size limit before parsing them.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"

/* Append the rendering of `item` (pretty, sorted) to `out`. */
void fc_json_render(fc_buf *out, const cJSON *item);

/* Append a compact one-line rendering (sorted keys). */
void fc_json_render_compact(fc_buf *out, const cJSON *item);

/*
 * Parse `len` bytes.  On success *out is the tree (caller frees with
 * cJSON_Delete).  FC_EPARSE with "what: line L, column C: ..." on a syntax
 * error; FC_ELIMIT when len exceeds max_len.
 */
int fc_json_parse(cJSON **out, const char *what, const char *data, size_t len, size_t max_len);

/*
 * Typed getters for a member of an object.  They return 0 and leave *out
 * untouched when the member is absent, FC_EPARSE (naming `what` and the
 * key) when it has the wrong type.
 */
int fc_json_get_str(const char **out, const cJSON *obj, const char *key, const char *what);
int fc_json_get_num(double *out, const cJSON *obj, const char *key, const char *what);
int fc_json_get_int(long long *out, const cJSON *obj, const char *key, const char *what);
int fc_json_get_bool(int *out, const cJSON *obj, const char *key, const char *what);

/* Add helpers that abort on allocation failure. */
cJSON *fc_json_obj(void);
cJSON *fc_json_arr(void);
void fc_json_add_str(cJSON *obj, const char *key, const char *val);
void fc_json_add_num(cJSON *obj, const char *key, double val);
void fc_json_add_bool(cJSON *obj, const char *key, int val);
void fc_json_add(cJSON *obj, const char *key, cJSON *item);
void fc_json_push(cJSON *arr, cJSON *item);

/*
 * The top-level keys of object `want` whose values differ from `have`'s,
 * in words: "route is \"/api/a\", not \"/api/b\"; rps is 10, not 20"
 * (values as compact JSON, cut at 60 bytes), or NULL when none differ.
 * Caller frees.
 */
char *fc_json_diff(const cJSON *have, const cJSON *want);

/* The largest plan file ficus reads back (a JSON document's cap). */
#define FC_FILE_MAX (16u << 20)

#endif
