#ifndef FC_PROM_H
#define FC_PROM_H
/*
 * Prometheus answers, for analysis checks (SPEC section 9): the parser of
 * an instant query's answer (GET /api/v1/query), and the expansion of the
 * template variables a check's query may use.  Pure: no I/O, no clock.
 *
 * What counts: a vector's first sample or a scalar.  An empty vector, or a
 * value that is NaN, is "no data" (a check holds on it, never fails on it
 * by default).  +Inf and -Inf are values.  A range vector (matrix) or a
 * string is refused: an analysis check needs one number.
 */
#include <stddef.h>

/* Largest answer body parsed; the HTTP layer caps reads at the same size. */
#define FC_PROM_MAX_BODY (4u << 20)

typedef struct {
	int has_value;     /* 0: no data (empty result or NaN) */
	double value;      /* when has_value */
	char series[256];  /* the sample's labels, {a="b",...}, cut and printable ("" for a scalar) */
	size_t nseries;    /* how many samples the vector held */
} fc_prom_answer;

/*
 * Parse the answer to an instant query: `http_status` and the body.
 * 0 with *out filled (a value, or no data); FC_EPARSE for a body that is
 * not a Prometheus answer, or a matrix or string result; FC_ERROR for an
 * error answer (status "error", or an HTTP error such as 400, 422, 503),
 * with Prometheus's errorType and error in the message, cut and sanitised;
 * FC_ELIMIT for a body over FC_PROM_MAX_BODY.
 */
int fc_prom_parse(fc_prom_answer *out, long http_status, const char *body, size_t len);

/*
 * The variables a query may use: {{service}}, {{flag}}, {{route}} and
 * {{step_since}} (seconds since the current step began, as a Prometheus
 * duration: "3600s").
 */
typedef struct {
	const char *service;
	const char *flag;
	const char *route;
	long long step_since_s;
} fc_prom_vars;

/*
 * Expand the variables of `query` into *out (caller frees).  FC_EINVAL
 * naming an unknown {{name}} or an unclosed "{{".
 */
int fc_prom_expand(char **out, const char *query, const fc_prom_vars *v);

#endif
