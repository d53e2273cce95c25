/*
 * Shadow compare measured: every replica's counters (fc_rreport_shadow)
 * summed, if they count since the plan's compare went on; a replica still
 * at an earlier compare (a push not yet through) or unread is named, and
 * its counts are left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_name.h"
#include "fc_rreport.h"
#include "fc_shadow.h"

#define SHADOW_RECENT 20

void fc_shadow_report_clear(fc_shadow_report *r)
{
	if (!r)
		return;
	free(r->service);
	free(r->problem);
	for (size_t i = 0; i < r->nrecent; i++) {
		free(r->recent[i].path);
		free(r->recent[i].reason);
		free(r->recent[i].replica);
	}
	free(r->recent);
	memset(r, 0, sizeof(*r));
}

static long long num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static int cmp_recent(const void *a, const void *b)
{
	const fc_shadow_mismatch *x = a, *y = b;
	return x->at < y->at ? 1 : x->at > y->at ? -1 : 0;
}

static void note_problem(fc_shadow_report *out, const fc_shadow_replica *r, const char *fmt, const char *why)
{
	if (!out->problem)
		out->problem = fc_asprintf(fmt, r->router, r->replica, why);
}

/* Sum what the replicas read say, for the compare since `since`. */
static void sum_replicas(fc_shadow_report *out, fc_shadow_replica *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const fc_shadow_replica *r = &rs[i];
		const cJSON *e;
		char when[32];
		if (!r->ok) {
			note_problem(out, r, "router '%s' replica %s: %s", r->error);
			continue;
		}
		if (num(r->stats, "since") != out->since) {
			fc_time_format(when, sizeof(when), num(r->stats, "since"));
			note_problem(out, r, "router '%s' replica %s counts since %s, not since compare went on "
				     "(the push is pending: ficus router sync)", when);
			continue;
		}
		out->nread++;
		out->k.compared += num(r->stats, "compared");
		out->k.matched += num(r->stats, "matched");
		out->k.mismatched += num(r->stats, "mismatched");
		out->k.not_compared += num(r->stats, "not_compared");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->stats, "recent")) {
			fc_shadow_mismatch *m;
			out->recent = fc_realloc(out->recent, (out->nrecent + 1) * sizeof(*out->recent));
			m = &out->recent[out->nrecent++];
			m->path = fc_sanitize(cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring, 0);
			m->reason = fc_sanitize(cJSON_GetObjectItemCaseSensitive(e, "reason")->valuestring, 0);
			m->at = num(e, "at");
			m->replica = fc_strdup(r->replica);
		}
	}
	if (out->nrecent > 1) /* qsort wants an array, even of none */
		qsort(out->recent, out->nrecent, sizeof(*out->recent), cmp_recent);
	while (out->nrecent > SHADOW_RECENT) {
		fc_shadow_mismatch *m = &out->recent[--out->nrecent];
		free(m->path);
		free(m->reason);
		free(m->replica);
	}
}

static int report_of(fc_plan *p, const fc_service *sv, fc_shadow_report *out)
{
	fc_shadow_replica *rs = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sv->shadow || !sv->compare.sample_bp)
		return fc_error_set(FC_EINVAL, "shadow compare of '%s' is off (ficus shadow %s on --compare)", sv->name,
				    sv->name);
	out->service = fc_strdup(sv->name);
	out->since = sv->compare.since;
	if ((rc = fc_rreport_shadow(p, sv->flag, &rs, &n)) < 0)
		return rc;
	out->nreplicas = n;
	if (!n)
		out->problem = fc_asprintf("'%s' is bound to no router that pushes: nothing compares its answers", sv->name);
	sum_replicas(out, rs, n);
	fc_rreport_shadow_free(rs, n);
	return 0;
}

int fc_shadow_report_get(fc_plan *p, const char *name, fc_shadow_report *out)
{
	fc_service sv;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("service", name)) < 0 || (rc = fc_service_get(p, name, &sv)) < 0)
		return rc;
	rc = report_of(p, &sv, out);
	fc_service_clear(&sv);
	return rc;
}

typedef struct {
	fc_service *v;
	size_t n;
} comparing;

/* Keep the services whose compare is on (few at a time). */
static int take_comparing(fc_service *s, void *ctx)
{
	comparing *c = ctx;

	if (!s->shadow || !s->compare.sample_bp)
		return 0;
	c->v = fc_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

void fc_shadow_reports_free(fc_shadow_report *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		fc_shadow_report_clear(&r[i]);
	free(r);
}

int fc_shadow_report_all(fc_plan *p, fc_shadow_report **out, size_t *n)
{
	comparing c = { NULL, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_service_each(p, 1, take_comparing, &c)) < 0)
		goto done;
	*out = fc_calloc(c.n + 1, sizeof(**out));
	for (size_t i = 0; i < c.n && rc == 0; i++)
		if ((rc = report_of(p, &c.v[i], &(*out)[*n])) == 0)
			(*n)++;
done:
	fc_services_free(c.v, c.n);
	if (rc < 0) {
		fc_shadow_reports_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int fc_shadow_measure(fc_plan *p, const fc_service *sv, const fc_gate_settings *g, int *pass, char **detail)
{
	fc_shadow_report r;
	fc_buf b = FC_BUF_INIT;
	char *why = NULL;
	int rc;

	*pass = 0;
	*detail = NULL;
	if ((rc = report_of(p, sv, &r)) < 0)
		return rc;
	fc_compare_counts_format(&b, &r.k);
	*pass = fc_gate_shadow_judge(g, &r.k, &why) && !r.problem;
	fc_buf_printf(&b, " %s", why);
	if (r.problem)
		fc_buf_printf(&b, "; %s", r.problem);
	if (r.nrecent)
		fc_buf_printf(&b, "; e.g. %s: %s", r.recent[0].path, r.recent[0].reason);
	if (b.len > 1000) /* a check's detail is at most 1000 bytes */
		b.ptr[b.len = 1000] = '\0';
	*detail = fc_buf_detach(&b);
	free(why);
	fc_shadow_report_clear(&r);
	return 0;
}
