#ifndef FC_ANALYSIS_H
#define FC_ANALYSIS_H
/*
 * Analysis checks (SPEC section 9): a Prometheus instant query and bounds,
 * evaluated through the HTTP API, many at once (one libcurl multi handle,
 * so a watcher round over a thousand services costs about one round trip).
 *
 * A measurement is "pass" when the value lies within [min, max] (either
 * bound may be absent), "fail" outside it, "no-data" for an empty result or
 * NaN, and "error" when Prometheus could not be asked or answered an error.
 * Every result carries the resolved query and a detail line that says what
 * was measured against what ("error_rate=0.0031 <= 0.01"), so the commit a
 * gate opens carries the numbers it trusted.  No secret reaches a detail.
 */
#include <stddef.h>

#include "fc_prom.h"

typedef struct {
	const char *name;          /* the check's name: "error_rate" */
	const char *url;           /* Prometheus base URL: http://127.0.0.1:9090 */
	const char *query;         /* PromQL, with {{service}}, {{flag}}, {{route}}, {{step_since}} */
	int has_min, has_max;
	double min, max;
	const char *token;         /* bearer token or NULL (borrowed; never reported) */
	const char *ca_file;       /* NULL: the system's */
	int tls_verify;            /* 1 unless the settings turn it off */
	long timeout_ms;           /* connect + answer; 0: 5000 */
} fc_analysis_spec;

typedef enum {
	FC_ANALYSIS_PASS,
	FC_ANALYSIS_FAIL,
	FC_ANALYSIS_NO_DATA,
	FC_ANALYSIS_ERROR
} fc_analysis_outcome;

typedef struct {
	fc_analysis_outcome outcome;
	int has_value;
	double value;
	char *query;    /* the resolved query (caller frees through fc_analysis_result_clear) */
	char *detail;   /* one line */
} fc_analysis_result;

void fc_analysis_result_clear(fc_analysis_result *r);

/* "pass", "fail", "no-data", "error". */
const char *fc_analysis_outcome_name(fc_analysis_outcome o);

/*
 * Judge one answer against the spec's bounds: fills r's outcome, value and
 * detail (r->query is left as it is).  Pure.
 */
void fc_analysis_judge(fc_analysis_result *r, const fc_analysis_spec *s, const fc_prom_answer *a);

/*
 * Evaluate n checks in parallel, each with its own variables (vars[i]).
 * Always fills out[0..n-1] (an unreachable Prometheus is an "error"
 * result, not a failure of the call).  FC_EINVAL (nothing evaluated) for a
 * query with an unknown variable or a URL that is not http(s).
 */
int fc_analysis_run(fc_analysis_result *out, const fc_analysis_spec *specs, const fc_prom_vars *vars, size_t n);

#endif
