#ifndef FC_COMPARE_H
#define FC_COMPARE_H
/*
 * Shadow compare configuration of a service (floor 3, a codec of the
 * model): which share of idempotent requests the nginx + Lua router sends
 * to both sides and compares, which JSON fields the comparison ignores,
 * and since when (counters on the routers are kept per `since`, so a
 * compare turned on again starts from zero).  See ficus-shadow(1) and the
 * "compare" member of the router protocol (ficus-routers(7)).
 *
 * Three forms, one struct:
 *   the plan file   "compare": {"ignore": ["ts"], "sample": "10%", "since": "RFC 3339"}
 *   the wire        {"ignore":["ts"],"sample":1000,"since":1765000000}
 *                   (the protocol v1 member; also the database column)
 *   the CLI         --sample PCT, --ignore FIELD,...
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"
#include "fc_clock.h"

#define FC_COMPARE_MAX_IGNORE 32   /* fields ignored per flag */
#define FC_COMPARE_FIELD_MAX 64    /* bytes in a field name */

typedef struct {
	int sample_bp;       /* 1..10000; 0: compare is off */
	char **ignore;       /* field names, sorted, no duplicates */
	size_t nignore;
	fc_time since;       /* when compare went on */
} fc_compare;

void fc_compare_clear(fc_compare *c);
/* Deep copy of src into dst (dst's contents are not freed). */
void fc_compare_copy(fc_compare *dst, const fc_compare *src);
/* 1 when a and b configure the same comparison (since is not compared). */
int fc_compare_same(const fc_compare *a, const fc_compare *b);

/*
 * A comma-separated list of JSON field names ([A-Za-z0-9_-], 1..64 bytes,
 * at most 32) into c->ignore, replacing it.  "" clears.  FC_EINVAL naming
 * the bad field.
 */
int fc_compare_parse_ignore(fc_compare *c, const char *list);

/* The wire form (caller frees); NULL when compare is off. */
char *fc_compare_wire(const fc_compare *c);
/* Read the wire form ("" or NULL: off).  FC_EPARSE when malformed. */
int fc_compare_from_wire(fc_compare *c, const char *text);

/* The plan-file member (caller deletes); NULL when compare is off. */
cJSON *fc_compare_to_file(const fc_compare *c);
/* Read the plan-file member (NULL: off); FC_EPARSE naming `what`. */
int fc_compare_from_file(fc_compare *c, const cJSON *o, const char *what);

/* The counters of a compare, summed over a router's replicas. */
typedef struct {
	long long compared;      /* matched + mismatched */
	long long matched;
	long long mismatched;
	long long not_compared;  /* truncated, or a body over the router's cap */
} fc_compare_counts;

/* Mismatches per hundred compared (0 when nothing was compared). */
double fc_compare_rate(const fc_compare_counts *k);
/*
 * The counts as the 'shadow' check's detail begins:
 * "mismatch 0.08% (8/10000 compared, 3 not compared)"; and read back from
 * a detail that begins so (0, or -1 when it does not).
 */
void fc_compare_counts_format(fc_buf *b, const fc_compare_counts *k);
int fc_compare_counts_parse(fc_compare_counts *out, const char *detail);

/* "10% sampled, ignoring ts, updated_at" (or "10% sampled") into a new string. */
char *fc_compare_describe(const fc_compare *c);

#endif
