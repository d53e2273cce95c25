#ifndef FC_CHECKDEF_H
#define FC_CHECKDEF_H
/*
 * Check definitions (floor 3): an entry of a "checks" object (a service
 * file's, or the plan settings') is either a command check
 *   {"command": "...", "timeout": "5m"}
 * or an analysis check (SPEC section 9)
 *   {"prometheus": "http://...", "query": "...", "min": 0, "max": 0.01,
 *    "interval": "1m", "failure_limit": 3, "no_data": "hold"|"fail",
 *    "token_env": "VAR" | "token_file": "/path"}
 * Validation is strict (unknown keys, bad URLs, bounds, durations, template
 * variables are refused), so that nothing bad reaches the database.  No
 * token is ever held in a definition: only where to read it, at use time,
 * through fc_rconf's one token reader.
 */
#include <stdint.h>
#include <cjson/cJSON.h>

#include "fc_analysis.h"

#define FC_CHECK_QUERY_MAX 4096
#define FC_CHECK_URL_MAX 2048
#define FC_CHECK_INTERVAL_DEFAULT 60
#define FC_CHECK_FAILURE_LIMIT_DEFAULT 3

typedef enum { FC_CHECKDEF_COMMAND, FC_CHECKDEF_ANALYSIS } fc_checkdef_kind;

/* One definition, its strings borrowed from the cJSON entry it was read from. */
typedef struct {
	fc_checkdef_kind kind;
	const char *name;
	/* command */
	const char *command;
	int64_t timeout_s;          /* 300 when absent */
	const char *timeout;        /* as written, or NULL */
	/* analysis */
	const char *prometheus;
	const char *query;
	int has_min, has_max;
	double min, max;
	int64_t interval_s;
	int failure_limit;
	int no_data_fail;           /* no_data: "fail" */
	const char *token_env;
	const char *token_file;
} fc_checkdef;

/*
 * Read and validate one entry (`entry->string` is its name).  FC_EPARSE
 * (FC_ELIMIT for a size) naming `what`, the check and the key.
 */
int fc_checkdef_parse(fc_checkdef *out, const cJSON *entry, const char *what);

/* Validate a whole "checks" object (NULL is fine). */
int fc_checkdefs_valid(const cJSON *checks, const char *what);

/*
 * The analysis spec of a definition (strings borrowed from it), with the
 * token read for this run into *token (caller frees; NULL when none is
 * named).  FC_ERROR with the reason (never the token) when a named token
 * cannot be read, the file's mode is too open, and so on.
 */
int fc_checkdef_spec(fc_analysis_spec *out, char **token, const fc_checkdef *d);

/* Does the object hold at least one analysis check? */
int fc_checkdefs_have_analysis(const cJSON *checks);

#endif
