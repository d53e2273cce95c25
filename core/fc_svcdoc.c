/*
 * The service document of 'ficus status --json', written straight into a
 * buffer: the one JSON writer of a service and its next step.
 *
 * With thousands of services a cJSON tree (a node and two allocations per
 * value, keys sorted at every object) was most of the time of 'status
 * --json'.  The writer emits what fc_json_render() would for the same
 * object: keys in strcmp order, two-space indent, the same escapes and
 * numbers (tests/unit/test_fc_svcdoc.c holds it to that).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_gate.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_service.h"
#include "fc_svcdoc.h"

/* Append without the NUL (print_json terminates the buffer at the end). */
static inline void put(fc_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		fc_buf_grow(b, n + 65536);
	memcpy(b->ptr + b->len, s, n);
	b->len += n;
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static void indent(fc_buf *b, int depth)
{
	static const char spaces[] = "                                                                ";
	size_t n = (size_t)depth * 2;

	while (n > sizeof(spaces) - 1) {
		put(b, spaces, sizeof(spaces) - 1);
		n -= sizeof(spaces) - 1;
	}
	put(b, spaces, n);
}

/* 1 for the bytes a JSON string cannot hold as they are: C0 controls, '"', '\\', DEL */
static const unsigned char jesc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* fc_json's put_string: the runs that need no escape copied whole */
static void jstr(fc_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run;
	size_t n = strlen((const char *)p);
	char *o;

	if (b->len + 6 * n + 3 > b->cap)
		fc_buf_grow(b, 6 * n + 65536);
	o = b->ptr + b->len;
	*o++ = '"';
	for (;;) {
		for (run = p; !jesc[*p]; p++)
			;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (!*p)
			break;
		*o++ = '\\';
		switch (*p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		default:
			snprintf(o, 6, "u%04x", *p);
			o += 5;
		}
		p++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->ptr);
}

/*
 * "%.15g" of a number with one to six decimals (traffic such as 144.5),
 * without printf: 0 when `v` is not one, for printf to write.  When the
 * double nearest to m / 10^k is `v` (m < 10^15, so 15 digits hold it),
 * "%.15g" rounds `v` back to that decimal, and prints it in full when it
 * is at least 1e-4 (below, it takes an exponent); the least k gives a
 * last digit that is not 0, which "%g" would have dropped.
 */
static int jdecimal(char *out, double v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6 };
	double a = fabs(v);
	size_t n = 0;

	for (int k = 1; k <= 6; k++) {
		double x = a * p10[k];
		unsigned long long m, ip, fp;
		if (!(x < 1e15))
			return 0;
		m = (unsigned long long)llround(x);
		if ((double)m / p10[k] != a)
			continue;
		if (m % 10 == 0 || (k > 4 && (double)m < p10[k - 4]))
			return 0;
		ip = m / (unsigned long long)p10[k];
		fp = m % (unsigned long long)p10[k];
		if (signbit(v))
			out[n++] = '-';
		n += fc_fmt_uint(out + n, ip);
		out[n++] = '.';
		for (int d = k - 1; d >= 0; d--) {
			out[n + (size_t)d] = (char)('0' + fp % 10);
			fp /= 10;
		}
		return (int)(n + (size_t)k);
	}
	return 0;
}

/* fc_json's put_number */
static void jnum(fc_buf *b, double v)
{
	char tmp[32];
	int n;

	if (!isfinite(v)) {
		PUTS(b, "null");
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		long long k = (long long)v;
		unsigned long long u = k < 0 ? 0ULL - (unsigned long long)k : (unsigned long long)k;
		if (k == 0 && signbit(v)) {
			PUTS(b, "-0");
			return;
		}
		n = 0;
		if (k < 0)
			tmp[n++] = '-';
		n += (int)fc_fmt_uint(tmp + n, u);
		put(b, tmp, (size_t)n);
		return;
	}
	if (!(n = jdecimal(tmp, v))) {
		/* the shorter of 15 or 17 digits that reads back exactly */
		n = snprintf(tmp, sizeof(tmp), "%.15g", v);
		if (strtod(tmp, NULL) != v)
			n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	}
	put(b, tmp, (size_t)n);
}

/* fc_time_format, without gmtime_r and strftime for years 1000..9999 */
static void jtime(fc_buf *b, fc_time t)
{
	char s[32];
	int64_t days = t / 86400, secs = t % 86400;
	int64_t z, era, doe, yoe, doy, mp, y, m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* days to civil (Howard Hinnant's algorithm) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 1000 || y > 9999) {
		fc_time_format(s, sizeof(s), t);
		jstr(b, s);
		return;
	}
	s[0] = '"';
	s[1] = (char)('0' + y / 1000);
	s[2] = (char)('0' + y / 100 % 10);
	s[3] = (char)('0' + y / 10 % 10);
	s[4] = (char)('0' + y % 10);
	s[5] = '-';
	s[6] = (char)('0' + m / 10);
	s[7] = (char)('0' + m % 10);
	s[8] = '-';
	s[9] = (char)('0' + d / 10);
	s[10] = (char)('0' + d % 10);
	s[11] = 'T';
	s[12] = (char)('0' + secs / 36000);
	s[13] = (char)('0' + secs / 3600 % 10);
	s[14] = ':';
	s[15] = (char)('0' + secs % 3600 / 600);
	s[16] = (char)('0' + secs % 3600 / 60 % 10);
	s[17] = ':';
	s[18] = (char)('0' + secs % 60 / 10);
	s[19] = (char)('0' + secs % 10);
	s[20] = 'Z';
	s[21] = '"';
	put(b, s, 22);
}

/* "\n<indent>\"key\": " after a "," unless first */
static void jkey(fc_buf *b, int depth, int *first, const char *key)
{
	if (!*first)
		PUTS(b, ",");
	*first = 0;
	PUTS(b, "\n");
	indent(b, depth);
	jstr(b, key);
	PUTS(b, ": ");
}

/* jkey for a key that needs no escaping, given as "\"key\": " */
static inline void jkey_lit(fc_buf *b, int depth, int *first, const char *lit, size_t n)
{
	static const char spaces[] = "                                ";
	size_t w = (size_t)depth * 2;
	char *o;

	if (w > sizeof(spaces) - 1) {
		jkey(b, depth, first, "");
		b->len -= 4; /* the empty key and its ": " */
		put(b, lit, n);
		return;
	}
	if (b->len + n + w + 3 > b->cap)
		fc_buf_grow(b, n + w + 65536);
	o = b->ptr + b->len;
	if (!*first)
		*o++ = ',';
	*first = 0;
	*o++ = '\n';
	memcpy(o, spaces, w);
	o += w;
	memcpy(o, lit, n);
	b->len = (size_t)(o + n - b->ptr);
}

#define JKEY(b, depth, first, key) jkey_lit((b), (depth), (first), "\"" key "\": ", sizeof("\"" key "\": ") - 1)

static void jend(fc_buf *b, int depth, int first, char close)
{
	if (!first) {
		PUTS(b, "\n");
		indent(b, depth);
	}
	fc_buf_grow(b, 1);
	b->ptr[b->len++] = close;
	b->ptr[b->len] = '\0';
}

static int cmp_items(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* fc_json's render, for the free-form objects (gates, checks) */
static void jany(fc_buf *b, const cJSON *item, int depth)
{
	const cJSON *c;
	const cJSON **kids;
	size_t n = 0, i;
	int first = 1, obj = cJSON_IsObject(item);

	if (cJSON_IsString(item)) { jstr(b, item->valuestring); return; }
	if (cJSON_IsNumber(item)) { jnum(b, item->valuedouble); return; }
	if (cJSON_IsTrue(item)) { PUTS(b, "true"); return; }
	if (cJSON_IsFalse(item)) { PUTS(b, "false"); return; }
	if (!cJSON_IsArray(item) && !obj) { PUTS(b, "null"); return; }
	for (c = item->child; c; c = c->next)
		n++;
	if (n == 0) {
		put(b, obj ? "{}" : "[]", 2);
		return;
	}
	kids = fc_malloc(n * sizeof(*kids));
	for (i = 0, c = item->child; c; c = c->next)
		kids[i++] = c;
	if (obj)
		qsort(kids, n, sizeof(*kids), cmp_items);
	put(b, obj ? "{" : "[", 1);
	for (i = 0; i < n; i++) {
		if (!first)
			PUTS(b, ",");
		first = 0;
		PUTS(b, "\n");
		indent(b, depth + 1);
		if (obj) {
			jstr(b, kids[i]->string);
			PUTS(b, ": ");
		}
		jany(b, kids[i], depth + 1);
	}
	jend(b, depth, 0, obj ? '}' : ']');
	free(kids);
}

static void jnames(fc_buf *b, char **v, size_t n, int depth)
{
	if (!n) {
		PUTS(b, "[]");
		return;
	}
	PUTS(b, "[");
	for (size_t i = 0; i < n; i++) {
		put(b, i ? ",\n" : "\n", i ? 2 : 1);
		indent(b, depth + 1);
		jstr(b, v[i]);
	}
	jend(b, depth, 0, ']');
}

static int cmp_fail(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* the next step: the object cli_step_json() builds for the other verbs */
static void jstep(fc_buf *b, const fc_step *st, int depth)
{
	char to[64];
	int first = 1;

	PUTS(b, "{");
	if (st->kind == FC_STEP_NONE) {
		JKEY(b, depth + 1, &first, "kind");
		PUTS(b, "\"none\"");
		JKEY(b, depth + 1, &first, "note");
		jstr(b, st->why_none ? st->why_none : "");
		jend(b, depth, first, '}');
		return;
	}
	fc_state_format(to, sizeof(to), st->to_phase, st->to_bp);
	JKEY(b, depth + 1, &first, "action");
	jstr(b, st->action ? st->action : "");
	JKEY(b, depth + 1, &first, "gates");
	if (!st->ngates) {
		PUTS(b, "[]");
	} else {
		PUTS(b, "[");
		for (size_t i = 0; i < st->ngates; i++) {
			int gfirst = 1;
			put(b, i ? ",\n" : "\n", i ? 2 : 1);
			indent(b, depth + 2);
			PUTS(b, "{");
			JKEY(b, depth + 3, &gfirst, "evidence");
			jstr(b, st->gates[i].evidence);
			JKEY(b, depth + 3, &gfirst, "name");
			jstr(b, st->gates[i].name);
			JKEY(b, depth + 3, &gfirst, "open");
			if (st->gates[i].open)
				PUTS(b, "true");
			else
				PUTS(b, "false");
			JKEY(b, depth + 3, &gfirst, "reason");
			jstr(b, st->gates[i].reason);
			jend(b, depth + 2, gfirst, '}');
		}
		jend(b, depth + 1, 0, ']');
	}
	JKEY(b, depth + 1, &first, "irreversible");
	if (st->irreversible)
		PUTS(b, "true");
	else
		PUTS(b, "false");
	JKEY(b, depth + 1, &first, "kind");
	if (st->kind == FC_STEP_RAMP)
		PUTS(b, "\"ramp\"");
	else
		PUTS(b, "\"phase\"");
	JKEY(b, depth + 1, &first, "open");
	if (st->open)
		PUTS(b, "true");
	else
		PUTS(b, "false");
	JKEY(b, depth + 1, &first, "rps_moved");
	jnum(b, st->rps_moved);
	JKEY(b, depth + 1, &first, "to");
	jstr(b, to);
	JKEY(b, depth + 1, &first, "to_bp");
	jnum(b, st->to_bp);
	JKEY(b, depth + 1, &first, "to_phase");
	jstr(b, fc_phase_name(st->to_phase));
	jend(b, depth, first, '}');
}

/* the recent check results, oldest first */
static void jresults(fc_buf *b, const fc_service *s, int d)
{
	if (!s->nresults) {
		PUTS(b, "[]");
		return;
	}
	PUTS(b, "[");
	for (size_t i = 0; i < s->nresults; i++) {
		const fc_check_result *r = &s->results[i];
		int rfirst = 1;
		put(b, i ? ",\n" : "\n", i ? 2 : 1);
		indent(b, d + 1);
		PUTS(b, "{");
		JKEY(b, d + 2, &rfirst, "actor");
		jstr(b, r->actor);
		JKEY(b, d + 2, &rfirst, "at");
		jtime(b, r->at);
		JKEY(b, d + 2, &rfirst, "detail");
		jstr(b, r->detail);
		JKEY(b, d + 2, &rfirst, "name");
		jstr(b, r->name);
		JKEY(b, d + 2, &rfirst, "outcome");
		jstr(b, fc_check_outcome_name(fc_check_result_outcome(r)));
		JKEY(b, d + 2, &rfirst, "pass");
		if (r->pass)
			PUTS(b, "true");
		else
			PUTS(b, "false");
		jend(b, d + 1, rfirst, '}');
	}
	jend(b, d, 0, ']');
}

/*
 * "pin_counts": the counts of the service's tenant pins and whether the
 * routers apply them now; unless brief, "pins": the lists, as the plan
 * file holds them (when there are any)
 */
static void jpins(fc_buf *b, const fc_service *s, int d, int *first, int brief)
{
	int in_live, out_live, pfirst = 1;

	fc_service_pins_live(s, &in_live, &out_live);
	JKEY(b, d, first, "pin_counts");
	PUTS(b, "{");
	for (int side = 0; side < 2; side++) { /* "in", "in_live", "out", "out_live" */
		jkey(b, d + 1, &pfirst, side ? "out" : "in");
		jnum(b, (double)(side ? s->pins_out.n : s->pins_in.n));
		jkey(b, d + 1, &pfirst, side ? "out_live" : "in_live");
		if (side ? out_live : in_live)
			PUTS(b, "true");
		else
			PUTS(b, "false");
	}
	jend(b, d, pfirst, '}');
	if (brief || (!s->pins_in.n && !s->pins_out.n))
		return;
	pfirst = 1;
	JKEY(b, d, first, "pins");
	PUTS(b, "{");
	JKEY(b, d + 1, &pfirst, "in");
	jnames(b, s->pins_in.v, s->pins_in.n, d + 1);
	JKEY(b, d + 1, &pfirst, "out");
	jnames(b, s->pins_out.v, s->pins_out.n, d + 1);
	jend(b, d, pfirst, '}');
}

/* service_json() rendered at `depth` (keys in strcmp order) */
void fc_svcdoc_service(fc_buf *b, const fc_service *s, const fc_step *st, int depth, int brief)
{
	char pct[16];
	int first = 1, d = depth + 1;

	PUTS(b, "{");
	JKEY(b, d, &first, "bp");
	jnum(b, s->bp);
	if (!brief) {
		JKEY(b, d, &first, "checks");
		if (s->checks && s->checks->child)
			jany(b, s->checks, d);
		else if (s->checks && cJSON_IsObject(s->checks))
			PUTS(b, "{}");
		else
			jany(b, s->checks, d);
	}
	if (s->shadow && s->compare.sample_bp) {
		/* shadow compare, as the plan file holds it; absent while off */
		cJSON *cmp = fc_compare_to_file(&s->compare);
		JKEY(b, d, &first, "compare");
		jany(b, cmp, d);
		cJSON_Delete(cmp);
	}
	JKEY(b, d, &first, "description");
	jstr(b, s->description);
	JKEY(b, d, &first, "domains");
	jnames(b, s->domains, s->ndomains, d);
	JKEY(b, d, &first, "flag");
	jstr(b, s->flag);
	if (!brief) {
		JKEY(b, d, &first, "gates");
		if (s->gates && cJSON_IsObject(s->gates) && !s->gates->child)
			PUTS(b, "{}");
		else
			jany(b, s->gates, d);
	}
	JKEY(b, d, &first, "last_failure");
	if (!s->nfails) {
		PUTS(b, "{}");
	} else {
		char ***idx = fc_malloc(s->nfails * sizeof(*idx));
		int ffirst = 1;
		for (size_t i = 0; i < s->nfails; i++)
			idx[i] = &s->fail_names[i];
		qsort(idx, s->nfails, sizeof(*idx), cmp_fail);
		PUTS(b, "{");
		for (size_t i = 0; i < s->nfails; i++) {
			jkey(b, d + 1, &ffirst, *idx[i]);
			jtime(b, s->fail_at[idx[i] - s->fail_names]);
		}
		jend(b, d, ffirst, '}');
		free(idx);
	}
	JKEY(b, d, &first, "name");
	jstr(b, s->name);
	JKEY(b, d, &first, "needs");
	jnames(b, s->needs, s->nneeds, d);
	JKEY(b, d, &first, "next");
	jstep(b, st, d);
	JKEY(b, d, &first, "phase");
	jstr(b, fc_phase_name(s->phase));
	JKEY(b, d, &first, "phase_since");
	jtime(b, s->phase_since);
	jpins(b, s, d, &first, brief);
	if (!brief) {
		JKEY(b, d, &first, "recent_checks");
		jresults(b, s, d);
	}
	JKEY(b, d, &first, "rev");
	jnum(b, (double)s->rev);
	JKEY(b, d, &first, "route");
	jstr(b, s->route);
	JKEY(b, d, &first, "routers");
	jnames(b, s->routers, s->nrouters, d);
	JKEY(b, d, &first, "rps");
	jnum(b, s->rps);
	JKEY(b, d, &first, "shadow");
	if (s->shadow)
		PUTS(b, "true");
	else
		PUTS(b, "false");
	fc_pct_format(pct, sizeof(pct), s->bp);
	JKEY(b, d, &first, "traffic");
	jstr(b, pct);
	JKEY(b, d, &first, "traffic_since");
	jtime(b, s->step_since);
	jend(b, depth, first, '}');
}

