/*
 * Services: rows, the service file, and the add/set/rm edits.  The
 * lifecycle moves (promote, rollback, shadow, checks) live in fc_life.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_checkdef.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_name.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_store.h"

static const char *phase_names[] = { "planned", "dual-write", "backfill", "read-cutover",
				     "decommission", "done" };

const char *fc_phase_name(fc_phase p)
{
	return (unsigned)p < FC_PHASE_COUNT ? phase_names[p] : "?";
}

int fc_phase_parse(fc_phase *out, const char *s)
{
	for (int i = 0; i < FC_PHASE_COUNT; i++)
		if (s && !strcmp(s, phase_names[i])) {
			*out = (fc_phase)i;
			return 0;
		}
	return fc_error_set(FC_EINVAL,
		"phase '%.40s' is not planned, dual-write, backfill, read-cutover, decommission or done",
		s ? s : "");
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void fc_service_clear(fc_service *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->route);
	free(s->flag);
	free_list(s->domains, s->ndomains);
	free_list(s->needs, s->nneeds);
	free_list(s->routers, s->nrouters);
	cJSON_Delete(s->gates);
	cJSON_Delete(s->checks);
	fc_compare_clear(&s->compare);
	for (size_t i = 0; i < s->nresults; i++) {
		free(s->results[i].name);
		free(s->results[i].detail);
		free(s->results[i].actor);
	}
	free(s->results);
	for (size_t i = 0; i < s->nstreaks; i++)
		free(s->streaks[i].name);
	free(s->streaks);
	free_list(s->fail_names, s->nfails);
	free(s->fail_at);
	fc_tenants_clear(&s->pins_in);
	fc_tenants_clear(&s->pins_out);
	memset(s, 0, sizeof(*s));
}

void fc_services_free(fc_service *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		fc_service_clear(&s[i]);
	free(s);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = fc_realloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = fc_strdup(s);
}

static int parse_obj(cJSON **out, const char *text, const char *what)
{
	int rc;

	/* what nearly every service stores: no parse for it */
	if (!strcmp(text, "{}")) {
		*out = fc_json_obj();
		return 0;
	}
	rc = fc_json_parse(out, what, text, strlen(text), FC_FILE_MAX);
	if (rc == 0 && !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return fc_error_set(FC_ERROR, "%s is not an object", what);
	}
	return rc;
}

#define SERVICE_COLS "name, description, route, flag, phase, bp, shadow, rev, phase_since, step_since, " \
	"routers, gates, checks, compare"

static int row_to_service(fc_store *st, sqlite3_stmt *q, fc_service *s)
{
	const char *routers = fc_col_text(q, 10);
	int rc;

	memset(s, 0, sizeof(*s));
	s->name = fc_strdup(fc_col_text(q, 0));
	s->description = fc_strdup(fc_col_text(q, 1));
	s->route = fc_strdup(fc_col_text(q, 2));
	s->flag = fc_strdup(fc_col_text(q, 3));
	fc_phase_parse(&s->phase, fc_col_text(q, 4));
	s->bp = sqlite3_column_int(q, 5);
	s->shadow = sqlite3_column_int(q, 6);
	s->rev = sqlite3_column_int64(q, 7);
	s->phase_since = sqlite3_column_int64(q, 8);
	s->step_since = sqlite3_column_int64(q, 9);
	if (*routers) {
		cJSON *arr = NULL, *c;
		if ((rc = fc_json_parse(&arr, "stored routers", routers, strlen(routers), FC_FILE_MAX)) < 0)
			return rc;
		cJSON_ArrayForEach(c, arr)
			if (cJSON_IsString(c))
				push(&s->routers, &s->nrouters, c->valuestring);
		cJSON_Delete(arr);
	}
	if ((rc = parse_obj(&s->gates, fc_col_text(q, 11), "stored gates")) < 0 ||
	    (rc = parse_obj(&s->checks, fc_col_text(q, 12), "stored checks")) < 0 ||
	    (rc = fc_compare_from_wire(&s->compare, fc_col_text(q, 13))) < 0)
		return rc;
	(void)st;
	return 0;
}

/*
 * Reading services with their details.  One cursor per kind of detail
 * (domains, needs, last failures), each in service order, is dealt out to
 * the services as their rows come by name: a walk over the whole plan
 * reads each table once, in index order, with no sorter, and holds one
 * service at a time.  The same walk, bound to one name, reads a single
 * service.  Check results come by a seek per service on the (service,
 * name, at, pass) index, and only for a full read: the gates read their
 * summary (check_streak, one small row per check), which is how a brief
 * walk leaves the results out.
 *
 * A service's traffic is the sum of its domains' in domain order, summed
 * here rather than by SQL's sum(), whose rounding is SQLite's to choose.
 * A walk over the whole plan reads the traffic of every domain once and
 * looks each service's domains up in it by name: joining the domain table
 * instead cost a seek per (service, domain) row, 7,000 of them on a large
 * plan and a third of the walk.  A single service joins.
 *
 * A brief walk over the whole plan reads every page of the tables it
 * reads about once, in a scan of each: it reads them through a small
 * cache (fc_store_scan) rather than the map of the file.
 */
typedef struct walk walk;

typedef struct {
	sqlite3_stmt *q;
	int row;        /* 1: q holds a row not dealt out yet */
	void (*take)(walk *w, fc_service *s, sqlite3_stmt *q);
} detail_cursor;

static void take_domain(walk *w, fc_service *s, sqlite3_stmt *q);

static void take_need(walk *w, fc_service *s, sqlite3_stmt *q)
{
	(void)w;
	push(&s->needs, &s->nneeds, fc_col_text(q, 1));
}

static void take_fail(walk *w, fc_service *s, sqlite3_stmt *q)
{
	(void)w;
	s->fail_at = fc_realloc(s->fail_at, (s->nfails + 1) * sizeof(fc_time));
	s->fail_at[s->nfails] = sqlite3_column_int64(q, 2);
	push(&s->fail_names, &s->nfails, fc_col_text(q, 1));
}

static void take_streak(walk *w, fc_service *s, sqlite3_stmt *q)
{
	fc_check_streak *k;

	(void)w;
	s->streaks = fc_realloc(s->streaks, (s->nstreaks + 1) * sizeof(*s->streaks));
	k = &s->streaks[s->nstreaks++];
	k->name = fc_strdup(fc_col_text(q, 1));
	k->kept = sqlite3_column_int(q, 2);
	k->streak = sqlite3_column_int(q, 3);
	k->newest = sqlite3_column_int64(q, 4);
}

/* tenant pins, in (service, side, tenant) order: sorted per side */
static void take_pin(walk *w, fc_service *s, sqlite3_stmt *q)
{
	(void)w;
	fc_tenants_add(strcmp(fc_col_text(q, 2), "in") ? &s->pins_out : &s->pins_in, fc_col_text(q, 1));
}

/*
 * Column 0 is the service.  `one` reads a single service: `where` ends in
 * "WHERE" or "AND".  `all`, where given, replaces `select` for the whole
 * plan.
 */
static const struct {
	const char *select, *where, *order, *all;
	void (*take)(walk *w, fc_service *s, sqlite3_stmt *q);
} detail_kinds[] = {
	{ "SELECT sd.service, sd.domain, coalesce(d.rps, 0) FROM service_domain sd "
	  "LEFT JOIN domain d ON d.name = sd.domain", " WHERE sd.service = ?", " ORDER BY sd.service, sd.domain",
	  "SELECT sd.service, sd.domain FROM service_domain sd", take_domain },
	{ "SELECT service, need FROM service_need", " WHERE service = ?", " ORDER BY service, need", NULL, take_need },
	{ "SELECT service, name, last_fail FROM check_state WHERE last_fail IS NOT NULL", " AND service = ?",
	  " ORDER BY service, name", NULL, take_fail },
	{ "SELECT service, name, kept, streak, newest FROM check_streak", " WHERE service = ?",
	  " ORDER BY service, name", NULL, take_streak },
	{ "SELECT service, tenant, side FROM service_pin", " WHERE service = ?", " ORDER BY service, side, tenant",
	  NULL, take_pin },
};
#define NKINDS (sizeof(detail_kinds) / sizeof(detail_kinds[0]))

#define SERVICE_SQL "SELECT " SERVICE_COLS " FROM service"

struct walk {
	fc_store *st;
	int brief;
	sqlite3_stmt *svc;
	sqlite3_stmt *results;
	sqlite3_stmt *shadow_results; /* brief: the 'shadow' results of a service comparing */
	detail_cursor d[NKINDS];
	/* plan-wide: every domain's name (in one block) and traffic, and an index of them */
	fc_buf domain_names;
	const char **domains;
	double *domain_rps;
	size_t ndomains;
	fc_name_index domain_index;
};

/* The traffic of a domain the service names: 0 for one the plan lacks, as the join's coalesce() */
static void take_domain(walk *w, fc_service *s, sqlite3_stmt *q)
{
	const char *name = fc_col_text(q, 1);
	long i;

	push(&s->domains, &s->ndomains, name);
	if (!w->domains)
		s->rps += sqlite3_column_double(q, 2);
	else if ((i = fc_name_index_find(&w->domain_index, w->domains, name)) >= 0)
		s->rps += w->domain_rps[i];
}

/*
 * Every domain's name and traffic, and the index of the names.  The arrays
 * start with room for 16,384 domains and their names: a page of memory
 * that is never written is never touched and costs nothing, where growing
 * them by doubling wrote them again into each new block (10 page faults
 * more on a plan of 5,000 domains).
 */
static int read_domains(walk *w)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 16384, at = 0;
	int rc;

	if ((rc = fc_store_prepare(w->st, &q, "SELECT name, rps FROM domain")) < 0)
		return rc;
	w->domain_rps = fc_malloc(cap * sizeof(double));
	fc_buf_grow(&w->domain_names, cap * 16);
	while ((rc = fc_store_step(w->st, q)) == 1) {
		if (w->ndomains == cap) {
			cap *= 2;
			w->domain_rps = fc_realloc(w->domain_rps, cap * sizeof(double));
		}
		w->domain_rps[w->ndomains++] = sqlite3_column_double(q, 1);
		fc_buf_put(&w->domain_names, fc_col_text(q, 0), (size_t)sqlite3_column_bytes(q, 0) + 1);
	}
	sqlite3_finalize(q);
	if (rc < 0)
		return rc;
	/* the names' places once the block has stopped moving */
	w->domains = fc_malloc((w->ndomains + 1) * sizeof(char *));
	for (size_t i = 0; i < w->ndomains; i++) {
		w->domains[i] = w->domain_names.ptr + at;
		at += strlen(w->domains[i]) + 1;
	}
	fc_name_index_build(&w->domain_index, w->domains, w->ndomains);
	return 0;
}

static void walk_close(walk *w)
{
	sqlite3_finalize(w->svc);
	sqlite3_finalize(w->results);
	sqlite3_finalize(w->shadow_results);
	for (size_t k = 0; k < NKINDS; k++)
		sqlite3_finalize(w->d[k].q);
	fc_buf_free(&w->domain_names);
	free(w->domains);
	free(w->domain_rps);
	fc_name_index_free(&w->domain_index);
}

static int walk_open(walk *w, fc_store *st, const char *one, int brief)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->st = st;
	w->brief = brief;
	if ((rc = fc_store_preparef(st, &w->svc, one ? SERVICE_SQL " WHERE name = ?" : SERVICE_SQL " ORDER BY name",
				    one ? "s" : "", one)) < 0)
		return rc;
	if (!one && (rc = read_domains(w)) < 0)
		return rc;
	for (size_t k = 0; k < NKINDS; k++) {
		fc_buf sql = FC_BUF_INIT;
		fc_buf_puts(&sql, !one && detail_kinds[k].all ? detail_kinds[k].all : detail_kinds[k].select);
		if (one)
			fc_buf_puts(&sql, detail_kinds[k].where);
		fc_buf_puts(&sql, detail_kinds[k].order);
		rc = fc_store_preparef(st, &w->d[k].q, sql.ptr, one ? "s" : "", one);
		fc_buf_free(&sql);
		if (rc < 0)
			return rc;
		w->d[k].take = detail_kinds[k].take;
		if ((rc = w->d[k].row = fc_store_step(st, w->d[k].q)) < 0)
			return rc;
	}
	return brief ? 0 : fc_store_prepare(st, &w->results,
		"SELECT name, pass, detail, at, actor, outcome FROM check_result WHERE service = ? ORDER BY at, id");
}

/* The rows of each kind that belong to `s` (rows of a service not in the table are passed over). */
static int deal(walk *w, fc_service *s)
{
	for (size_t k = 0; k < NKINDS; k++) {
		detail_cursor *c = &w->d[k];
		int cmp = -1;
		while (c->row == 1 && (cmp = strcmp(fc_col_text(c->q, 0), s->name)) <= 0) {
			if (cmp == 0)
				c->take(w, s, c->q);
			if ((c->row = fc_store_step(w->st, c->q)) < 0)
				return c->row;
		}
	}
	return 0;
}

/*
 * Brief: none (the gates read their summary, the streaks), except the
 * 'shadow' results of a service whose compare is on: the shadow gate
 * reads the newest of them (few services compare at once).
 */
static int read_results(walk *w, fc_service *s)
{
	sqlite3_stmt *q = w->results;
	size_t cap = 0;
	int rc;

	if (w->brief && !s->compare.sample_bp)
		return 0;
	if (w->brief) {
		if (!w->shadow_results && (rc = fc_store_prepare(w->st, &w->shadow_results,
			"SELECT name, pass, detail, at, actor FROM check_result WHERE service = ? AND name = 'shadow' "
			"ORDER BY at, id")) < 0)
			return rc;
		q = w->shadow_results;
	}
	sqlite3_reset(q);
	if (sqlite3_bind_text(q, 1, s->name, -1, SQLITE_STATIC) != SQLITE_OK)
		return fc_store_error(w->st, "reading check results");
	while ((rc = fc_store_step(w->st, q)) == 1) {
		fc_check_result *r;
		if (s->nresults == cap) {
			cap = cap ? cap * 2 : 8;
			s->results = fc_realloc(s->results, cap * sizeof(*s->results));
		}
		r = &s->results[s->nresults++];
		r->name = fc_strdup(fc_col_text(q, 0));
		r->pass = sqlite3_column_int(q, 1);
		r->outcome = r->pass ? FC_CHECK_PASS : FC_CHECK_FAIL;
		if (sqlite3_column_type(q, 5) == SQLITE_TEXT)
			fc_check_outcome_parse(&r->outcome, fc_col_text(q, 5));
		r->detail = fc_strdup(fc_col_text(q, 2));
		r->at = sqlite3_column_int64(q, 3);
		r->actor = fc_strdup(fc_col_text(q, 4));
	}
	return rc < 0 ? rc : 0;
}

/*
 * Each service (one, or all in name order) with its details, to `cb`; the
 * service is cleared after `cb` returns, unless `cb` took it (moved it out
 * and zeroed it).  A negative return from `cb` stops the walk with it.
 * *found counts the services read.
 */
static int walk_services(fc_store *st, const char *one, int brief, int (*cb)(fc_service *s, void *ctx), void *ctx,
			 size_t *found)
{
	walk w;
	int rc;

	*found = 0;
	/* a brief walk over the plan reads whole tables, each page once */
	if (!one && brief && (rc = fc_store_scan(st, 1)) < 0)
		return rc;
	if ((rc = walk_open(&w, st, one, brief)) < 0)
		goto done;
	while ((rc = fc_store_step(st, w.svc)) == 1) {
		fc_service s;
		if ((rc = row_to_service(st, w.svc, &s)) < 0 || (rc = deal(&w, &s)) < 0 ||
		    (rc = read_results(&w, &s)) < 0 || (rc = cb(&s, ctx)) < 0) {
			fc_service_clear(&s);
			break;
		}
		fc_service_clear(&s);
		(*found)++;
	}
done:
	walk_close(&w);
	if (!one && brief)
		fc_store_scan(st, 0);
	return rc < 0 ? rc : 0;
}

static int take_one(fc_service *s, void *ctx)
{
	*(fc_service *)ctx = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

int fc_service_read(fc_store *st, const char *name, fc_service *out)
{
	size_t found;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = walk_services(st, name, 0, take_one, out, &found)) == 0 && !found) {
		char *hint = fc_store_suggest(st, "service", name);
		rc = fc_error_set(FC_ENOTFOUND, "service '%s' does not exist%s", name, hint);
		free(hint);
	}
	if (rc < 0)
		fc_service_clear(out);
	return rc;
}

int fc_service_get(fc_plan *p, const char *name, fc_service *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	return fc_service_read(fc_plan_store(p), name, out);
}

int fc_service_each(fc_plan *p, int brief, int (*cb)(fc_service *s, void *ctx), void *ctx)
{
	fc_store *st = fc_plan_store(p);
	size_t found;
	int rc;

	/* one read transaction: a consistent view, and no lock per statement */
	if ((rc = fc_store_begin(st, 0)) < 0)
		return rc;
	rc = walk_services(st, NULL, brief, cb, ctx, &found);
	/* read only: commit, so that a failure never dooms a caller's transaction */
	fc_store_commit(st);
	return rc;
}

typedef struct {
	fc_service *v;
	size_t n, cap;
} collect;

static int take_next(fc_service *s, void *ctx)
{
	collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = fc_realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

static int list(fc_plan *p, fc_service **out, size_t *n, int brief)
{
	fc_store *st = fc_plan_store(p);
	collect c = { NULL, 0, 0 };
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_begin(st, 0)) < 0)
		return rc;
	/* the array at its size at once: growing it by doubling touched twice the memory */
	if ((rc = fc_store_prepare(st, &q, "SELECT count(*) FROM service")) == 0 &&
	    (rc = fc_store_step(st, q)) == 1 && (c.cap = (size_t)sqlite3_column_int64(q, 0)) > 0)
		c.v = fc_malloc(c.cap * sizeof(*c.v));
	sqlite3_finalize(q);
	if (rc >= 0)
		rc = fc_service_each(p, brief, take_next, &c);
	fc_store_commit(st);
	if (rc < 0) {
		fc_services_free(c.v, c.n);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int fc_service_list(fc_plan *p, fc_service **out, size_t *n)
{
	return list(p, out, n, 0);
}

int fc_service_list_brief(fc_plan *p, fc_service **out, size_t *n)
{
	return list(p, out, n, 1);
}

/* ---- writing ---- */

static char *routers_text(const fc_service *s)
{
	cJSON *arr;
	fc_buf b = FC_BUF_INIT;

	if (!s->nrouters)
		return fc_strdup("");
	arr = fc_json_arr();
	for (size_t i = 0; i < s->nrouters; i++)
		fc_json_push(arr, cJSON_CreateString(s->routers[i]));
	fc_json_render_compact(&b, arr);
	cJSON_Delete(arr);
	return fc_buf_detach(&b);
}

int fc_service_write_state(fc_store *st, const fc_service *s)
{
	/* compare only with shadow: a move that turns shadow off (a phase, an abort) ends it */
	char *cmp = s->shadow ? fc_compare_wire(&s->compare) : NULL;
	int rc;

	rc = fc_store_exec(st,
		"UPDATE service SET phase = ?, bp = ?, shadow = ?, rev = ?, phase_since = ?, step_since = ?, "
		"compare = ? WHERE name = ?", "siiIIIss", fc_phase_name(s->phase), s->bp, s->shadow, s->rev,
		(long long)s->phase_since, (long long)s->step_since, cmp ? cmp : "", s->name);
	free(cmp);
	return rc;
}

/* Write every column and the lists (add, set, rebuild). */
int fc_service_write(fc_store *st, const fc_service *s)
{
	fc_buf g = FC_BUF_INIT, c = FC_BUF_INIT;
	char *routers = routers_text(s), *cmp = fc_compare_wire(&s->compare);
	size_t i;
	int rc;

	fc_json_render_compact(&g, s->gates);
	fc_json_render_compact(&c, s->checks);
	rc = fc_store_exec(st,
		"INSERT INTO service (name, description, route, flag, phase, bp, shadow, rev, phase_since, "
		"step_since, routers, gates, checks, compare) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (name) DO UPDATE SET description = excluded.description, route = excluded.route, "
		"flag = excluded.flag, phase = excluded.phase, bp = excluded.bp, shadow = excluded.shadow, "
		"rev = excluded.rev, phase_since = excluded.phase_since, step_since = excluded.step_since, "
		"routers = excluded.routers, gates = excluded.gates, checks = excluded.checks, "
		"compare = excluded.compare",
		"sssssiiIIIssss", s->name, s->description, s->route, s->flag, fc_phase_name(s->phase),
		s->bp, s->shadow, s->rev, (long long)s->phase_since, (long long)s->step_since, routers,
		fc_buf_cstr(&g), fc_buf_cstr(&c), cmp ? cmp : "");
	free(routers);
	free(cmp);
	fc_buf_free(&g);
	fc_buf_free(&c);
	if (rc < 0)
		return rc;
	if ((rc = fc_store_exec(st, "DELETE FROM service_domain WHERE service = ?", "s", s->name)) < 0 ||
	    (rc = fc_store_exec(st, "DELETE FROM service_need WHERE service = ?", "s", s->name)) < 0)
		return rc;
	for (i = 0; i < s->ndomains && rc == 0; i++)
		rc = fc_store_exec(st, "INSERT INTO service_domain (service, domain) VALUES (?, ?)", "ss",
				   s->name, s->domains[i]);
	for (i = 0; i < s->nneeds && rc == 0; i++)
		rc = fc_store_exec(st, "INSERT INTO service_need (service, need) VALUES (?, ?)", "ss",
				   s->name, s->needs[i]);
	return rc;
}

static int write_results(fc_store *st, const fc_service *s)
{
	int rc = 0;
	size_t i;

	if ((rc = fc_store_exec(st, "DELETE FROM check_result WHERE service = ?", "s", s->name)) < 0 ||
	    (rc = fc_store_exec(st, "DELETE FROM check_state WHERE service = ?", "s", s->name)) < 0)
		return rc;
	for (i = 0; i < s->nresults && rc == 0; i++)
		rc = fc_check_result_insert(st, s->name, s->results[i].name, fc_check_result_outcome(&s->results[i]),
					    s->results[i].detail, s->results[i].at, s->results[i].actor);
	for (i = 0; i < s->nfails && rc == 0; i++)
		rc = fc_store_exec(st, "INSERT INTO check_state (service, name, last_fail) VALUES (?, ?, ?)",
				   "ssI", s->name, s->fail_names[i], (long long)s->fail_at[i]);
	return rc;
}

/* ---- the service file ---- */

static void add_time(cJSON *o, const char *key, fc_time t)
{
	char buf[32];
	fc_time_format(buf, sizeof(buf), t);
	fc_json_add_str(o, key, buf);
}

static cJSON *str_array(char **v, size_t n)
{
	cJSON *a = fc_json_arr();
	for (size_t i = 0; i < n; i++)
		fc_json_push(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *fc_service_to_json(const fc_service *s)
{
	cJSON *o = fc_json_obj(), *res = fc_json_arr(), *fails = fc_json_obj();
	char pct[16];

	fc_json_add_str(o, "name", s->name);
	fc_json_add_str(o, "description", s->description);
	fc_json_add_str(o, "route", s->route);
	fc_json_add_str(o, "flag", s->flag);
	fc_json_add(o, "domains", str_array(s->domains, s->ndomains));
	fc_json_add(o, "needs", str_array(s->needs, s->nneeds));
	fc_json_add(o, "routers", str_array(s->routers, s->nrouters));
	fc_json_add(o, "gates", cJSON_Duplicate(s->gates, 1));
	fc_json_add(o, "checks", cJSON_Duplicate(s->checks, 1));
	fc_json_add_str(o, "phase", fc_phase_name(s->phase));
	add_time(o, "phase_since", s->phase_since);
	fc_pct_format(pct, sizeof(pct), s->bp);
	fc_json_add_str(o, "traffic", pct);
	add_time(o, "traffic_since", s->step_since);
	fc_json_add_bool(o, "shadow", s->shadow);
	if (s->compare.sample_bp) /* absent while off: files of plans without compare stay as they were */
		fc_json_add(o, "compare", fc_compare_to_file(&s->compare));
	fc_json_add_num(o, "rev", (double)s->rev);
	for (size_t i = 0; i < s->nresults; i++) {
		cJSON *r = fc_json_obj();
		fc_json_add_str(r, "name", s->results[i].name);
		fc_json_add_bool(r, "pass", s->results[i].pass);
		/* only where pass alone does not say it: files written before it keep their bytes */
		if (fc_check_result_outcome(&s->results[i]) > FC_CHECK_PASS)
			fc_json_add_str(r, "outcome", fc_check_outcome_name(s->results[i].outcome));
		fc_json_add_str(r, "detail", s->results[i].detail);
		add_time(r, "at", s->results[i].at);
		fc_json_add_str(r, "actor", s->results[i].actor);
		fc_json_push(res, r);
	}
	fc_json_add(o, "recent_checks", res);
	for (size_t i = 0; i < s->nfails; i++)
		add_time(fails, s->fail_names[i], s->fail_at[i]);
	fc_json_add(o, "last_failure", fails);
	if (s->pins_in.n || s->pins_out.n) { /* a service without pins renders as before */
		cJSON *pins = fc_json_obj();
		fc_json_add(pins, "in", str_array(s->pins_in.v, s->pins_in.n));
		fc_json_add(pins, "out", str_array(s->pins_out.v, s->pins_out.n));
		fc_json_add(o, "pins", pins);
	}
	return o;
}

int fc_service_render_file(fc_store *st, const char *name, fc_buf *out, int *exists)
{
	fc_service s;
	cJSON *o;
	int rc;

	*exists = 0;
	rc = fc_service_read(st, name, &s);
	if (rc == FC_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	o = fc_service_to_json(&s);
	fc_json_render(out, o);
	cJSON_Delete(o);
	fc_service_clear(&s);
	*exists = 1;
	return 0;
}

int fc_service_list_names(fc_store *st, int (*cb)(const char *name, void *ctx), void *ctx)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = fc_store_prepare(st, &q, "SELECT name FROM service ORDER BY name")) < 0)
		return rc;
	while ((rc = fc_store_step(st, q)) == 1)
		if ((rc = cb(fc_col_text(q, 0), ctx)) != 0)
			break;
	sqlite3_finalize(q);
	return rc < 0 ? rc : 0;
}

static int get_time(fc_time *out, const cJSON *o, const char *key, const char *what)
{
	const char *s = NULL;
	int rc;

	if ((rc = fc_json_get_str(&s, o, key, what)) < 0)
		return rc;
	if (!s)
		return fc_error_set(FC_EPARSE, "%s: '%s' is missing", what, key);
	if (fc_time_parse(out, s) < 0)
		return fc_error_set(FC_EPARSE, "%s: '%s' is not an RFC 3339 time", what, key);
	return 0;
}

static int get_names(char ***v, size_t *n, const cJSON *o, const char *key, const char *what, const char *kind)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *c;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > 1000)
		return fc_error_set(FC_EPARSE, "%s: '%s' must be a list of names", what, key);
	cJSON_ArrayForEach(c, a) {
		if (!cJSON_IsString(c) || fc_name_check(kind, c->valuestring) < 0)
			return fc_error_set(FC_EPARSE, "%s: '%s' must be a list of valid names", what, key);
		push(v, n, c->valuestring);
	}
	return 0;
}



/* The "pins" member of a service file: {"in":[tenant...],"out":[tenant...]}. */
static int get_pins(fc_service *s, const cJSON *pins, const char *what)
{
	const char *side[2] = { "in", "out" };
	fc_tenants *set[2] = { &s->pins_in, &s->pins_out };
	const cJSON *c;

	if (!pins)
		return 0;
	if (!cJSON_IsObject(pins))
		return fc_error_set(FC_EPARSE, "%s: 'pins' must be an object with 'in' and 'out' lists", what);
	cJSON_ArrayForEach(c, pins)
		if (strcmp(c->string, "in") && strcmp(c->string, "out"))
			return fc_error_set(FC_EPARSE, "%s: 'pins' has an unknown key '%.60s'", what, c->string);
	for (int k = 0; k < 2; k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(pins, side[k]);
		if (!a)
			continue;
		if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > FC_PINS_MAX)
			return fc_error_set(FC_EPARSE, "%s: 'pins.%s' must be a list of at most %d tenants", what, side[k],
					    FC_PINS_MAX);
		cJSON_ArrayForEach(c, a) {
			if (!cJSON_IsString(c) || fc_tenant_check(c->valuestring) < 0)
				return fc_error_wrap(FC_EPARSE, "%s: 'pins.%s'", what, side[k]);
			fc_tenants_add(set[k], c->valuestring);
		}
		fc_tenants_sort(set[k]);
	}
	if (s->pins_in.n + s->pins_out.n > FC_PINS_MAX)
		return fc_error_set(FC_EPARSE, "%s: more than %d pins", what, FC_PINS_MAX);
	for (size_t i = 0; i < s->pins_in.n; i++)
		if (fc_tenants_has(&s->pins_out, s->pins_in.v[i]))
			return fc_error_set(FC_EPARSE, "%s: tenant '%s' is pinned both in and out", what, s->pins_in.v[i]);
	return 0;
}

int fc_service_load_file(fc_store *st, const char *name, const char *data, size_t len)
{
	static const char *keys[] = { "name", "description", "route", "flag", "domains", "needs", "routers",
				      "gates", "checks", "phase", "phase_since", "traffic", "traffic_since",
				      "shadow", "compare", "rev", "recent_checks", "last_failure", "pins", NULL };
	char *what = fc_asprintf("plan file 'services/%s.json'", name);
	const char *sname = NULL, *desc = "", *route = "", *flag = NULL, *phase = NULL, *traffic = "0%";
	const cJSON *c, *res, *fails;
	cJSON *o = NULL;
	fc_service s;
	fc_gate_settings g;
	long long rev = 0;
	int rc, shadow = 0, i;

	memset(&s, 0, sizeof(s));
	if ((rc = fc_json_parse(&o, what, data, len, FC_FILE_MAX)) < 0)
		goto done;
	if (!cJSON_IsObject(o)) {
		rc = fc_error_set(FC_EPARSE, "%s: must be an object", what);
		goto done;
	}
	for (c = o->child; c; c = c->next) {
		for (i = 0; keys[i] && strcmp(keys[i], c->string); i++)
			;
		if (!keys[i]) {
			rc = fc_error_set(FC_EPARSE, "%s: unknown key '%.60s'", what, c->string);
			goto done;
		}
	}
	if ((rc = fc_json_get_str(&sname, o, "name", what)) < 0 ||
	    (rc = fc_json_get_str(&desc, o, "description", what)) < 0 ||
	    (rc = fc_json_get_str(&route, o, "route", what)) < 0 ||
	    (rc = fc_json_get_str(&flag, o, "flag", what)) < 0 ||
	    (rc = fc_json_get_str(&phase, o, "phase", what)) < 0 ||
	    (rc = fc_json_get_str(&traffic, o, "traffic", what)) < 0 ||
	    (rc = fc_json_get_bool(&shadow, o, "shadow", what)) < 0 ||
	    (rc = fc_json_get_int(&rev, o, "rev", what)) < 0)
		goto done;
	if (!sname || strcmp(sname, name)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'name' must be '%s'", what, name);
		goto done;
	}
	if (!flag || fc_name_check("flag", flag) < 0) {
		rc = fc_error_set(FC_EPARSE, "%s: 'flag' must be a valid name", what);
		goto done;
	}
	s.name = fc_strdup(name);
	s.description = fc_strdup(desc);
	s.route = fc_strdup(route);
	s.flag = fc_strdup(flag);
	s.rev = rev;
	s.shadow = shadow;
	if (!phase || fc_phase_parse(&s.phase, phase) < 0 || fc_pct_parse(&s.bp, traffic) < 0 || rev < 0) {
		rc = fc_error_set(FC_EPARSE, "%s: bad 'phase', 'traffic' or 'rev'", what);
		goto done;
	}
	if ((rc = get_time(&s.phase_since, o, "phase_since", what)) < 0 ||
	    (rc = get_time(&s.step_since, o, "traffic_since", what)) < 0 ||
	    (rc = get_names(&s.domains, &s.ndomains, o, "domains", what, "domain")) < 0 ||
	    (rc = get_names(&s.needs, &s.nneeds, o, "needs", what, "service")) < 0 ||
	    (rc = get_names(&s.routers, &s.nrouters, o, "routers", what, "router")) < 0 ||
	    (rc = fc_compare_from_file(&s.compare, cJSON_GetObjectItemCaseSensitive(o, "compare"), what)) < 0)
		goto done;
	if (s.compare.sample_bp && !s.shadow) {
		rc = fc_error_set(FC_EPARSE, "%s: 'compare' needs 'shadow' on", what);
		goto done;
	}
	s.gates = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o, "gates"), 1);
	s.checks = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o, "checks"), 1);
	if (!s.gates)
		s.gates = fc_json_obj();
	if (!s.checks)
		s.checks = fc_json_obj();
	memset(&g, 0, sizeof(g));
	if ((rc = fc_gate_settings_apply(&g, s.gates, what)) < 0 || (rc = fc_service_checks_valid(s.checks, what)) < 0)
		goto done;
	res = cJSON_GetObjectItemCaseSensitive(o, "recent_checks");
	if (res && (!cJSON_IsArray(res) || cJSON_GetArraySize(res) > 1000)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'recent_checks' must be a list", what);
		goto done;
	}
	cJSON_ArrayForEach(c, res) {
		const char *cn = NULL, *detail = "", *actor = "", *oc = NULL;
		int pass = 0, outcome;
		fc_check_result *r;
		if ((rc = fc_json_get_str(&cn, c, "name", what)) < 0 ||
		    (rc = fc_json_get_bool(&pass, c, "pass", what)) < 0 ||
		    (rc = fc_json_get_str(&oc, c, "outcome", what)) < 0 ||
		    (rc = fc_json_get_str(&detail, c, "detail", what)) < 0 ||
		    (rc = fc_json_get_str(&actor, c, "actor", what)) < 0)
			goto done;
		if (!cn || fc_name_check("check", cn) < 0) {
			rc = fc_error_set(FC_EPARSE, "%s: a recent check has no valid 'name'", what);
			goto done;
		}
		outcome = pass ? FC_CHECK_PASS : FC_CHECK_FAIL;
		if (oc && (fc_check_outcome_parse(&outcome, oc) < 0 || (outcome == FC_CHECK_PASS) != pass)) {
			rc = fc_error_set(FC_EPARSE, "%s: recent check '%s': 'outcome' must be pass, fail, no-data or "
					  "error and agree with 'pass'", what, cn);
			goto done;
		}
		s.results = fc_realloc(s.results, (s.nresults + 1) * sizeof(*s.results));
		r = &s.results[s.nresults++];
		memset(r, 0, sizeof(*r));
		r->name = fc_strdup(cn);
		r->pass = pass;
		r->outcome = outcome;
		r->detail = fc_strdup(detail);
		r->actor = fc_strdup(actor);
		if ((rc = get_time(&r->at, c, "at", what)) < 0)
			goto done;
	}
	fails = cJSON_GetObjectItemCaseSensitive(o, "last_failure");
	if (fails && !cJSON_IsObject(fails)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'last_failure' must be an object", what);
		goto done;
	}
	cJSON_ArrayForEach(c, fails) {
		fc_time t;
		if (!cJSON_IsString(c) || fc_time_parse(&t, c->valuestring) < 0 || fc_name_check("check", c->string) < 0) {
			rc = fc_error_set(FC_EPARSE, "%s: 'last_failure' must map check names to times", what);
			goto done;
		}
		s.fail_at = fc_realloc(s.fail_at, (s.nfails + 1) * sizeof(fc_time));
		s.fail_at[s.nfails] = t;
		push(&s.fail_names, &s.nfails, c->string);
	}
	if ((rc = get_pins(&s, cJSON_GetObjectItemCaseSensitive(o, "pins"), what)) < 0)
		goto done;
	if ((rc = fc_service_write(st, &s)) < 0 || (rc = write_results(st, &s)) < 0 ||
	    (rc = fc_service_write_pins(st, s.name, &s.pins_in, &s.pins_out)) < 0)
		goto done;
done:
	fc_service_clear(&s);
	cJSON_Delete(o);
	free(what);
	return rc;
}

/* ---- checks and lists ---- */

int fc_service_checks_valid(const cJSON *checks, const char *what)
{
	if (!cJSON_IsObject(checks))
		return fc_error_set(FC_EPARSE, "%s: 'checks' must be an object", what);
	return fc_checkdefs_valid(checks, what);
}

const char *fc_check_outcome_name(int outcome)
{
	static const char *const names[] = { "fail", "pass", "no-data", "error" };
	return outcome >= 0 && outcome <= FC_CHECK_ERROR ? names[outcome] : "error";
}

int fc_check_outcome_parse(int *out, const char *s)
{
	for (int i = 0; i <= FC_CHECK_ERROR; i++)
		if (!strcmp(s, fc_check_outcome_name(i))) {
			*out = i;
			return 0;
		}
	return fc_error_set(FC_EINVAL, "'%.40s' is not a check outcome (pass, fail, no-data, error)", s);
}

int fc_check_result_insert(fc_store *st, const char *service, const char *check, int outcome, const char *detail,
			   fc_time at, const char *actor)
{
	/* pass and fail leave outcome NULL: the meaning rows had before migration 0009 */
	const char *oc = outcome > FC_CHECK_PASS ? fc_check_outcome_name(outcome) : NULL;

	return fc_store_exec_kept(st, "INSERT INTO check_result (service, name, pass, detail, at, actor, outcome) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?)", "ssisIss", service, check, outcome == FC_CHECK_PASS,
			     detail, (long long)at, actor, oc);
}

int fc_service_names_parse(char ***v, size_t *n, const char *list, const char *kind)
{
	char *copy = fc_strdup(list), *save = NULL, *tok;
	int rc = 0;

	free_list(*v, *n);
	*v = NULL;
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (size_t k = strlen(tok); k && tok[k - 1] == ' '; k--)
			tok[k - 1] = '\0';
		if (!*tok)
			continue;
		if ((rc = fc_name_check(kind, tok)) < 0)
			break;
		int dup = 0;
		for (size_t i = 0; i < *n; i++)
			dup |= !strcmp((*v)[i], tok);
		if (!dup)
			push(v, n, tok);
	}
	free(copy);
	/* keep lists sorted: the file is canonical */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && strcmp((*v)[j - 1], (*v)[j]) > 0; j--) {
			char *t = (*v)[j]; (*v)[j] = (*v)[j - 1]; (*v)[j - 1] = t;
		}
	return rc;
}


/* ---- tenant pins ---- */

void fc_service_pins_live(const fc_service *s, int *in_live, int *out_live)
{
	*in_live = (s->phase == FC_PHASE_READ_CUTOVER && s->bp > 0) || s->phase == FC_PHASE_DECOMMISSION ||
		   s->phase == FC_PHASE_DONE;
	*out_live = s->phase < FC_PHASE_DECOMMISSION;
}

int fc_service_write_pins(fc_store *st, const char *name, const fc_tenants *in, const fc_tenants *out)
{
	int rc;

	if ((rc = fc_store_exec(st, "DELETE FROM service_pin WHERE service = ?", "s", name)) < 0)
		return rc;
	for (size_t i = 0; i < in->n && rc == 0; i++)
		rc = fc_store_exec(st, "INSERT INTO service_pin (service, tenant, side) VALUES (?, ?, 'in')", "ss",
				   name, in->v[i]);
	for (size_t i = 0; i < out->n && rc == 0; i++)
		rc = fc_store_exec(st, "INSERT INTO service_pin (service, tenant, side) VALUES (?, ?, 'out')", "ss",
				   name, out->v[i]);
	return rc < 0 ? rc : 0;
}

void fc_service_route_tenant(const fc_service *s, const char *tenant, fc_tenant_side *out)
{
	int in_live, out_live;

	fc_service_pins_live(s, &in_live, &out_live);
	out->bucket = fc_tenant_bucket(s->flag, tenant);
	out->pin = fc_tenants_has(&s->pins_out, tenant) ? "out" : fc_tenants_has(&s->pins_in, tenant) ? "in" : "";
	if (out_live && !strcmp(out->pin, "out")) {
		out->is_new = 0;
		out->why = "pinned out";
	} else if (in_live && !strcmp(out->pin, "in")) {
		out->is_new = 1;
		out->why = "pinned in";
	} else {
		out->is_new = out->bucket < s->bp;
		out->why = "bucket";
	}
}
