/*
 * bench/gen: build a plan for the benchmarks (and a tiny one for the smoke
 * test).
 *
 *   gen --dir DIR [--domains N] [--deps N] [--services N] [--commits N]
 *       [--seed N] [--end TIME] [--mode fast|real] [--quiet]
 *
 * The plan is created and its map imported through the real change
 * pipeline (fc_session_init, fc_map_import: two commits).  The history that
 * follows is a schedule of lifecycle events per service over the year
 * before --end: add, edit (route, needs), promote through every phase,
 * ramp steps after their soak, rollbacks after a failed reconcile check,
 * shadow, and reconcile check results, padded with more check results to
 * exactly --commits commits.  It is played in one of two ways:
 *
 *   real  every event is a call of the public API (fc_service_add,
 *         fc_promote, fc_rollback, fc_shadow, fc_check_record): one real
 *         change each, through the lock, the journal and fc_repo.
 *   fast  the same events make the same rows (fc_service_read and
 *         fc_service_write_state, fc_gate_step for the gates), the same
 *         files (fc_render_path) and the same kind of commit (the touched
 *         files, the subject and Ficus-* trailers of fc_life, a journal
 *         row), but the commits go into an in-memory object database that
 *         is written out as a pack every few thousand commits, and the
 *         database writes share one transaction per pack.  The working
 *         tree and the index are checked out once at the end.
 *
 * Both modes give the same trees for the same seed (the smoke test checks
 * it), so the fast history is the real one with other change ids.  The
 * clock is the simulated one (fc_clock_set), so gates are evaluated at the
 * time of each event.
 *
 * Prints "generated: ..." with the counts and the time taken.
 */
#include <errno.h>
#include <git2.h>
#include <git2/sys/commit.h>
#include <git2/sys/mempack.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_change.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_life.h"
#include "fc_map.h"
#include "fc_map_edit.h"
#include "fc_name.h"
#include "fc_plan.h"
#include "fc_render.h"
#include "fc_service.h"
#include "fc_service_edit.h"
#include "fc_session.h"
#include "fc_settings.h"
#include "fc_store.h"

#define DAY 86400
#define HOUR 3600

/* ---- random numbers (xorshift64*) ---- */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* Uniform in [0, n). */
static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Uniform time span in [lo, hi]. */
static fc_time rnd_span(fc_time lo, fc_time hi)
{
	return hi <= lo ? lo : lo + (fc_time)rnd_below((size_t)(hi - lo + 1));
}

static int chance(double p)
{
	return rnd_unit() < p;
}

/* ---- options ---- */

typedef struct {
	const char *dir;
	size_t domains, deps, services, commits;
	uint64_t seed;
	fc_time end;
	int fast;
	int quiet;
} opts;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "gen: %s: %s\n", what, fc_error_last());
	exit(1);
}

static void die_git(const char *what)
{
	const git_error *e = git_error_last();
	fprintf(stderr, "gen: %s: git: %s\n", what, e && e->message ? e->message : "unknown error");
	exit(1);
}

/* ---- the simulated clock ---- */

static fc_time sim_now;

static fc_time sim_clock(void)
{
	return sim_now;
}

/* ---- names and the map ---- */

static const char *const words[] = {
	"tracking", "auth", "notifications", "documents", "shipments", "billing", "invoices", "pricing",
	"customers", "carriers", "routes", "depots", "fleet", "drivers", "labels", "customs", "returns",
	"claims", "quotes", "orders", "payments", "refunds", "ledger", "tax", "reports", "search",
	"geocoding", "tariffs", "contracts", "partners", "inventory", "warehouse", "slots", "pickups",
	"delivery", "proofs", "feedback", "support", "audit", "sessions",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *const kinds[] = { "calls", "reads", "writes", "shares-table" };

static const char *const actors[] = {
	"Ana Silva <ana@logistics.example>", "Bo Chen <bo@logistics.example>",
	"ci <ci@logistics.example>", "Dana Okafor <dana@logistics.example>",
	"release-bot <release@logistics.example>",
};
#define NACTORS (sizeof(actors) / sizeof(actors[0]))

static const char *const reasons[] = {
	"error rate flat for a week at the previous step",
	"reconciliation clean for three days; p99 latency within budget",
	"rolled forward after the incident review",
	"dashboards green, on-call agrees",
	"",
};

typedef struct {
	char **dnames;
	size_t nd;
	int *from, *to, *kind, *weight;
	size_t ne;
} map_t;

/* An edge set keyed by (from, to, kind), open addressing. */
typedef struct {
	uint64_t *keys;
	size_t cap;
} edge_set;

static int edge_add(edge_set *s, uint32_t u, uint32_t v, uint32_t k)
{
	uint64_t key = ((uint64_t)u << 34 | (uint64_t)v << 4 | k) + 1;
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (s->cap - 1);

	while (s->keys[i]) {
		if (s->keys[i] == key)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->keys[i] = key;
	return 1;
}

static void make_map(map_t *m, const opts *o)
{
	size_t *perm = fc_malloc((o->domains + 1) * sizeof(size_t)), *pos = fc_malloc((o->domains + 1) * sizeof(size_t));
	edge_set es = { NULL, 1 };
	size_t ncycles = o->deps >= 1000 ? 12 : o->deps >= 20 ? 2 : 0, tries = 0;

	memset(m, 0, sizeof(*m));
	m->nd = o->domains;
	m->dnames = fc_calloc(m->nd + 1, sizeof(char *));
	for (size_t i = 0; i < m->nd; i++)
		m->dnames[i] = fc_asprintf("%s-%04zu", words[rnd_below(NWORDS)], i);
	/* a random topological order: a domain depends only on domains before
	 * it, mostly on the first ones (the core everything uses) */
	for (size_t i = 0; i < m->nd; i++)
		perm[i] = i;
	for (size_t i = m->nd; i > 1; i--) {
		size_t j = rnd_below(i), t = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < m->nd; i++)
		pos[perm[i]] = i;
	while (es.cap < (o->deps + 16) * 2)
		es.cap *= 2;
	es.keys = fc_calloc(es.cap, sizeof(uint64_t));
	m->from = fc_calloc(o->deps + 1, sizeof(int));
	m->to = fc_calloc(o->deps + 1, sizeof(int));
	m->kind = fc_calloc(o->deps + 1, sizeof(int));
	m->weight = fc_calloc(o->deps + 1, sizeof(int));
	while (m->nd > 1 && m->ne + ncycles < o->deps && tries++ < o->deps * 20) {
		size_t pu = 1 + rnd_below(m->nd - 1), u = perm[pu];
		double r = rnd_unit();
		size_t v = perm[(size_t)((double)pu * r * r)];
		int k = (int)rnd_below(4);
		if (!edge_add(&es, (uint32_t)u, (uint32_t)v, (uint32_t)k))
			continue;
		m->from[m->ne] = (int)u;
		m->to[m->ne] = (int)v;
		m->kind[m->ne] = k;
		m->weight[m->ne] = 1 + (int)(rnd_below(10) == 0 ? rnd_below(5) : 0);
		m->ne++;
	}
	/*
	 * A few small cycles: a back edge v -> u closes a cycle of exactly the
	 * domains on the paths from u to v, so close only chains whose inner
	 * domains have a single dependent (u -> v, or u -> w -> v).
	 */
	{
		int *src1 = fc_malloc((m->nd + 1) * sizeof(int)); /* the one dependent, -1 none, -2 several */
		for (size_t i = 0; i < m->nd; i++)
			src1[i] = -1;
		for (size_t e = 0; e < m->ne; e++) {
			int v = m->to[e];
			src1[v] = src1[v] == -1 || src1[v] == m->from[e] ? m->from[e] : -2;
		}
		for (size_t c = 0, e = 0; c < ncycles && e < m->ne && m->ne < o->deps; e++) {
			int u = m->from[e], v = m->to[e], close_from = -1;
			if (src1[v] != u || src1[u] == -2)
				continue;
			if (c % 2 == 0) {
				close_from = v;
			} else {
				for (size_t f = 0; f < m->ne; f++)
					if (m->from[f] == v && src1[m->to[f]] == v && m->to[f] != u) {
						close_from = m->to[f];
						break;
					}
			}
			if (close_from < 0 || !edge_add(&es, (uint32_t)close_from, (uint32_t)u, 0))
				continue;
			m->from[m->ne] = close_from;
			m->to[m->ne] = u;
			m->kind[m->ne] = 0;
			m->weight[m->ne] = 1;
			m->ne++;
			src1[u] = -2; /* u now has dependents on both sides: keep cycles apart */
			src1[v] = -2;
			c++;
		}
		free(src1);
	}
	free(es.keys);
	free(perm);
	free(pos);
}

static void json_str(fc_buf *b, const char *s)
{
	fc_buf_putc(b, '"');
	fc_buf_puts(b, s); /* generated text: no quotes, backslashes or controls */
	fc_buf_putc(b, '"');
}

static char *map_document(const map_t *m, size_t *len)
{
	fc_buf b = FC_BUF_INIT;
	size_t *first = fc_calloc(m->nd + 2, sizeof(size_t)), *order = fc_malloc((m->ne + 1) * sizeof(size_t));
	size_t *fill;

	/* bucket the edges by source */
	for (size_t e = 0; e < m->ne; e++)
		first[m->from[e] + 1]++;
	for (size_t i = 0; i < m->nd; i++)
		first[i + 1] += first[i];
	fill = fc_malloc((m->nd + 1) * sizeof(size_t));
	memcpy(fill, first, (m->nd + 1) * sizeof(size_t));
	for (size_t e = 0; e < m->ne; e++)
		order[fill[m->from[e]]++] = e;
	free(fill);

	fc_buf_puts(&b, "{\"version\": 1, \"domains\": [\n");
	for (size_t i = 0; i < m->nd; i++) {
		double rps = rnd_below(4) == 0 ? (double)rnd_below(5000) : (double)rnd_below(200) + 0.5 * (double)rnd_below(2);
		fc_buf_printf(&b, "%s{\"name\": ", i ? ",\n" : "");
		json_str(&b, m->dnames[i]);
		fc_buf_printf(&b, ", \"owner\": \"team-%s\", \"rps\": %g, \"description\": \"%s domain %zu of the monolith\"",
			      words[rnd_below(NWORDS)], rps, words[rnd_below(NWORDS)], i);
		fc_buf_printf(&b, ", \"tables\": [\"%s_%zu\", \"%s_log_%zu\"]", words[i % NWORDS], i,
			      words[(i / NWORDS) % NWORDS], i);
		if (i % 7 == 0)
			fc_buf_puts(&b, ", \"signals\": {\"deploy-contention\": \"changes wait behind monolith deploys\"}");
		else if (i % 11 == 0)
			fc_buf_puts(&b, ", \"signals\": {\"divergent-scaling\": \"load spikes unlike the rest\"}");
		fc_buf_puts(&b, ", \"depends_on\": [");
		for (size_t k = first[i]; k < first[i + 1]; k++) {
			size_t e = order[k];
			fc_buf_printf(&b, "%s{\"domain\": \"%s\", \"kind\": \"%s\", \"weight\": %d}", k > first[i] ? ", " : "",
				      m->dnames[m->to[e]], kinds[m->kind[e]], m->weight[e]);
		}
		fc_buf_puts(&b, "]}");
	}
	fc_buf_puts(&b, "\n]}\n");
	free(first);
	free(order);
	*len = b.len;
	return fc_buf_detach(&b);
}

/* ---- the schedule ---- */

typedef enum {
	EV_ADD,          /* service add (with route unless arg = 0) */
	EV_SET_ROUTE,
	EV_SET_NEEDS,    /* arg: index of the needed service */
	EV_PROMOTE,
	EV_ROLLBACK,
	EV_CHECK,        /* arg: 1 pass, 0 fail */
	EV_SHADOW        /* arg: on */
} ev_kind;

typedef struct {
	fc_time at;
	uint32_t seq;
	uint32_t svc;
	uint8_t kind;
	int arg;
} event;

typedef struct {
	char name[64];
	size_t dom[3];
	size_t ndom;
	int final_phase;       /* fc_phase */
	int final_step;        /* read-cutover: -1 paused at 0%, else index of the ramp step */
	int route_at_add;
	fc_time add_at;
	fc_time active_from;   /* backfill began (checks make sense), 0: never */
	fc_time active_to;     /* last time checks make sense */
	fc_time t_cutover;     /* entered read-cutover, 0: never */
	fc_time t_full;        /* reached 100%, 0: never */
	size_t first_ev, nev;  /* its events in the schedule */
} svc_t;

typedef struct {
	event *v;
	size_t n, cap;
	uint32_t seq;
} sched;

static void ev_push(sched *s, fc_time at, size_t svc, ev_kind k, int arg)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = fc_realloc(s->v, s->cap * sizeof(event));
	}
	s->v[s->n].at = at;
	s->v[s->n].seq = s->seq++;
	s->v[s->n].svc = (uint32_t)svc;
	s->v[s->n].kind = (uint8_t)k;
	s->v[s->n].arg = arg;
	s->n++;
}


/* The events that take service `i` to its final state; returns the count. */
static size_t plan_service(sched *s, svc_t *sv, size_t i, fc_time start, fc_time end, int dry)
{
	sched tmp = { NULL, 0, 0, 0 };
	sched *out = dry ? &tmp : s;
	size_t before = out->n;
	fc_time t = start, step_at;
	int f = sv->final_phase, episode = 0;
	(void)end;

	sv->active_from = sv->active_to = sv->t_cutover = sv->t_full = 0;
	ev_push(out, t, i, EV_ADD, sv->route_at_add);
	if (f == FC_PHASE_PLANNED)
		goto out;
	if (!sv->route_at_add) {
		t += rnd_span(HOUR, 5 * DAY);
		ev_push(out, t, i, EV_SET_ROUTE, 0);
	}
	t += rnd_span(DAY, 30 * DAY);
	ev_push(out, t, i, EV_PROMOTE, 0); /* -> dual-write */
	if (chance(0.3)) {
		t += rnd_span(HOUR, 2 * DAY);
		ev_push(out, t, i, EV_SHADOW, 1);
	}
	if (f == FC_PHASE_DUAL_WRITE)
		goto out;
	t += 14 * DAY + rnd_span(HOUR, 20 * DAY);
	ev_push(out, t, i, EV_PROMOTE, 0); /* -> backfill */
	sv->active_from = t;
	{
		int fails = (int)rnd_below(3), passes = 3 + (int)rnd_below(3);
		if (f == FC_PHASE_BACKFILL) {
			/* still in backfill: some gates open, some not */
			passes = (int)rnd_below(5);
		}
		for (int k = 0; k < fails; k++) {
			t += rnd_span(12 * HOUR, 2 * DAY);
			ev_push(out, t, i, EV_CHECK, 0);
		}
		for (int k = 0; k < passes; k++) {
			t += rnd_span(2 * HOUR, 20 * HOUR);
			ev_push(out, t, i, EV_CHECK, 1);
		}
	}
	if (f == FC_PHASE_BACKFILL) {
		sv->active_to = end;
		goto out;
	}
	t += rnd_span(10 * 60, 3 * HOUR);
	ev_push(out, t, i, EV_PROMOTE, 0); /* -> read-cutover at the first step */
	sv->t_cutover = t;
	step_at = t;
	{
		int target = f > FC_PHASE_READ_CUTOVER ? 3 : sv->final_step < 0 ? (int)rnd_below(4) : sv->final_step;
		int k = 0;
		while (k < target || (f == FC_PHASE_READ_CUTOVER && sv->final_step < 0 && !episode)) {
			int checks = 1 + (int)rnd_below(2);
			fc_time soak = 7 * DAY + rnd_span(HOUR, 7 * DAY);
			if (!episode && (chance(0.08) || (k == target && sv->final_step < 0))) {
				/* a failed reconcile, a rollback to 0%, and the resume */
				episode = 1;
				t += rnd_span(HOUR, 3 * DAY);
				ev_push(out, t, i, EV_CHECK, 0);
				t += rnd_span(10 * 60, 6 * HOUR);
				ev_push(out, t, i, EV_ROLLBACK, 0);
				if (f == FC_PHASE_READ_CUTOVER && sv->final_step < 0)
					break; /* left paused */
				for (int c = 0; c < 2; c++) {
					t += rnd_span(6 * HOUR, DAY);
					ev_push(out, t, i, EV_CHECK, 1);
				}
				t += rnd_span(HOUR, 2 * DAY);
				ev_push(out, t, i, EV_PROMOTE, 0); /* resume at the first step */
				step_at = t;
				k = 0;
				continue;
			}
			for (int c = 0; c < checks; c++) {
				t += rnd_span(HOUR, 3 * DAY);
				ev_push(out, t, i, EV_CHECK, 1);
			}
			if (t < step_at + soak)
				t = step_at + soak;
			t += rnd_span(60, 6 * HOUR);
			ev_push(out, t, i, EV_PROMOTE, 0); /* ramp */
			step_at = t;
			k++;
		}
		if (k == 3)
			sv->t_full = step_at;
	}
	if (f == FC_PHASE_READ_CUTOVER) {
		sv->active_to = end;
		goto out;
	}
	t = step_at + 7 * DAY + rnd_span(HOUR, 10 * DAY);
	ev_push(out, t, i, EV_PROMOTE, 0); /* -> decommission */
	sv->active_to = t;
	if (f == FC_PHASE_DECOMMISSION)
		goto out;
	t += rnd_span(DAY, 30 * DAY);
	ev_push(out, t, i, EV_PROMOTE, 0); /* -> done */
out:
	{
		size_t n = out->n - before;
		free(tmp.v);
		return n;
	}
}

/* Place the schedule of service `i` in time so that it ends before `end`. */
static void place_service(sched *s, svc_t *sv, size_t i, fc_time start, fc_time end)
{
	uint64_t save = rng_state;
	fc_time dur, tail, t;
	sched tmp = { NULL, 0, 0, 0 };

	plan_service(&tmp, sv, i, 0, end, 0);
	dur = tmp.n ? tmp.v[tmp.n - 1].at : 0;
	free(tmp.v);
	tail = rnd_span(HOUR, 40 * DAY);
	t = end - tail - dur;
	if (t > start + 60 * DAY && sv->final_phase == FC_PHASE_PLANNED)
		t = rnd_span(start, end - tail);
	else if (t > start)
		t = rnd_span(start, t);
	else
		t = start + (fc_time)i;
	rng_state = save;
	sv->first_ev = s->n;
	sv->nev = plan_service(s, sv, i, t, end, 0);
	sv->add_at = t;
	if (sv->active_to > end - 1)
		sv->active_to = end - 1;
}

/* Final phases: planned 15, dual-write 15, backfill 15, read-cutover 30,
 * decommission 10, done 15 (percent). */
static void pick_final(svc_t *sv)
{
	size_t r = rnd_below(100);
	sv->final_phase = r < 15 ? FC_PHASE_PLANNED : r < 30 ? FC_PHASE_DUAL_WRITE : r < 45 ? FC_PHASE_BACKFILL
			: r < 75 ? FC_PHASE_READ_CUTOVER : r < 85 ? FC_PHASE_DECOMMISSION : FC_PHASE_DONE;
	r = rnd_below(100);
	sv->final_step = r < 10 ? -1 : r < 35 ? 0 : r < 60 ? 1 : r < 85 ? 2 : 3;
}

static int cmp_event(const void *a, const void *b)
{
	const event *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- playing events: the common part ---- */

typedef struct {
	const opts *o;
	map_t map;
	svc_t *svcs;
	size_t nsvcs;
	fc_plan *plan;          /* real mode */
	/* fast mode */
	fc_store *st;
	git_repository *repo;
	git_odb *odb;
	git_odb_backend *mempack;
	git_oid head;
	git_oid *objs;          /* objects written since the last pack */
	char **obj_names;       /* their paths, for the delta search */
	size_t nobjs, capobjs;
	fc_settings set;
	size_t since_flush;
	size_t commits;
	size_t forced;
	int keep_summary;       /* the event cannot change PLAN.md */
	/* the change being built */
	fc_buf subject, trailers;
	char **paths;
	size_t npaths;
} gen;

static const char *actor_of(size_t k)
{
	return actors[k % NACTORS];
}

static void domains_list(const gen *g, const svc_t *sv, fc_buf *b)
{
	for (size_t k = 0; k < sv->ndom; k++)
		fc_buf_printf(b, "%s%s", k ? "," : "", g->map.dnames[sv->dom[k]]);
}

static void check_detail(char *buf, size_t size, int pass)
{
	unsigned long rows = 100000 + (unsigned long)rnd_below(90000000);
	if (pass)
		snprintf(buf, size, "rows %lu = %lu, checksums match", rows, rows);
	else
		snprintf(buf, size, "rows %lu != %lu: %lu missing in the new store", rows, rows - 1 - rnd_below(500),
			 1 + (unsigned long)rnd_below(500));
}

/* ---- real mode: the public API ---- */

static void play_real(gen *g, const event *e)
{
	svc_t *sv = &g->svcs[e->svc];
	fc_write_opts w = FC_WRITE_OPTS_INIT;
	fc_outcome out;
	fc_buf b = FC_BUF_INIT;
	int rc = 0;

	memset(&out, 0, sizeof(out));
	w.actor = actor_of(e->seq);
	w.yes = 1;
	w.reason = reasons[e->seq % (sizeof(reasons) / sizeof(reasons[0]))];
	switch (e->kind) {
	case EV_ADD:
	case EV_SET_ROUTE: {
		fc_service_edit ed = FC_SERVICE_EDIT_INIT;
		char *route = fc_asprintf("/api/%s", sv->name);
		w.reason = NULL;
		domains_list(g, sv, &b);
		if (e->kind == EV_ADD) {
			ed.domains = fc_buf_cstr(&b);
			if (e->arg)
				ed.route = route;
			rc = fc_service_add(g->plan, sv->name, &ed, &w, &out);
		} else {
			ed.route = route;
			rc = fc_service_set(g->plan, sv->name, &ed, &w, &out);
		}
		free(route);
		break;
	}
	case EV_SET_NEEDS: {
		fc_service_edit ed = FC_SERVICE_EDIT_INIT;
		w.reason = NULL;
		ed.needs = g->svcs[e->arg].name;
		rc = fc_service_set(g->plan, sv->name, &ed, &w, &out);
		break;
	}
	case EV_PROMOTE:
		rc = fc_promote(g->plan, sv->name, NULL, &w, NULL, &out);
		if (rc == FC_EGATE) {
			fc_outcome_clear(&out);
			w.force = 1;
			w.reason = "forced: the needed service is close enough (bench history)";
			g->forced++;
			rc = fc_promote(g->plan, sv->name, NULL, &w, NULL, &out);
		}
		break;
	case EV_ROLLBACK:
		rc = fc_rollback(g->plan, sv->name, NULL, &w, &out);
		break;
	case EV_SHADOW:
		w.reason = NULL;
		rc = fc_shadow(g->plan, sv->name, e->arg, &w, &out);
		break;
	case EV_CHECK: {
		char detail[160];
		w.reason = NULL;
		check_detail(detail, sizeof(detail), e->arg);
		rc = fc_check_record(g->plan, sv->name, "reconcile", e->arg, detail, &w, &out);
		break;
	}
	}
	if (rc < 0 && rc != FC_ESYNC)
		die(sv->name);
	if (out.noop) {
		fprintf(stderr, "gen: event %u of '%s' changed nothing: %s\n", (unsigned)e->kind, sv->name,
			out.note ? out.note : "");
		exit(1);
	}
	g->commits++;
	fc_outcome_clear(&out);
	fc_buf_free(&b);
}

/* ---- fast mode: the same rows, files and commits, written in bulk ---- */

static void ch_reset(gen *g)
{
	fc_buf_clear(&g->subject);
	fc_buf_clear(&g->trailers);
	for (size_t i = 0; i < g->npaths; i++)
		free(g->paths[i]);
	g->npaths = 0;
}

static void ch_touch(gen *g, const char *path)
{
	for (size_t i = 0; i < g->npaths; i++)
		if (!strcmp(g->paths[i], path))
			return;
	g->paths = fc_realloc(g->paths, (g->npaths + 1) * sizeof(char *));
	g->paths[g->npaths++] = fc_strdup(path);
}

static void ch_touch_cb(void *ctx, const char *path)
{
	ch_touch(ctx, path);
}

static void ch_touch_service(gen *g, const char *name)
{
	char *path = fc_path_for(g->st, "services/", name);
	ch_touch(g, path);
	ch_touch(g, "PLAN.md");
	free(path);
}

static void ch_subject(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ch_subject(gen *g, const char *fmt, ...)
{
	char line[512];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(line, 0);
	fc_buf_clear(&g->subject);
	fc_buf_puts(&g->subject, clean);
	free(clean);
}

static void ch_trailer(gen *g, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ch_trailer(gen *g, const char *key, const char *fmt, ...)
{
	char line[2048];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(line, 0);
	fc_buf_printf(&g->trailers, "%s: %s\n", key, clean);
	free(clean);
}

/* Change ids come from their own sequence, so that both modes draw the
 * same numbers from rnd() for everything else. */
static void new_id(char out[16])
{
	static uint64_t n;
	uint64_t v = (++n + rng_state) * 0x9E3779B97F4A7C15ull;
	v ^= v >> 29;
	snprintf(out, 16, "%010llx", (unsigned long long)(v & 0xffffffffffull));
}

static void split_actor(const char *actor, char **name, char **email)
{
	const char *lt = strchr(actor, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t nl = lt ? (size_t)(lt - actor) : strlen(actor);

	while (nl && actor[nl - 1] == ' ')
		nl--;
	*name = fc_strndup(actor, nl);
	*email = lt && gt ? fc_strndup(lt + 1, (size_t)(gt - lt - 1)) : fc_asprintf("%s@localhost", *name);
}

/* The reason as a commit body, as fc_change does. */
static char *clean_reason(const char *reason)
{
	char *s = fc_sanitize(reason ? reason : "", 1), *start = s;
	size_t n;

	while (*start == '\n' || *start == ' ' || *start == '\t')
		start++;
	n = strlen(start);
	while (n && (start[n - 1] == '\n' || start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	start = fc_strndup(start, n);
	free(s);
	return start;
}

static void track(gen *g, const git_oid *id, const char *name)
{
	if (g->nobjs == g->capobjs) {
		g->capobjs = g->capobjs ? g->capobjs * 2 : 4096;
		g->objs = fc_realloc(g->objs, g->capobjs * sizeof(git_oid));
		g->obj_names = fc_realloc(g->obj_names, g->capobjs * sizeof(char *));
	}
	git_oid_cpy(&g->objs[g->nobjs], id);
	g->obj_names[g->nobjs++] = name ? fc_strdup(name) : NULL;
}

/* The new trees of a commit: the root and the directories of every path. */
static void track_trees(gen *g, const git_oid *root)
{
	git_tree *t = NULL;

	track(g, root, "");
	if (git_tree_lookup(&t, g->repo, root) < 0)
		die_git("reading a new tree");
	for (size_t i = 0; i < g->npaths; i++) {
		const char *p = g->paths[i], *slash;
		while ((slash = strchr(p, '/'))) {
			char *dir = fc_strndup(g->paths[i], (size_t)(slash - g->paths[i]));
			git_tree_entry *e = NULL;
			if (git_tree_entry_bypath(&e, t, dir) == 0) {
				track(g, git_tree_entry_id(e), dir);
				git_tree_entry_free(e);
			}
			free(dir);
			p = slash + 1;
		}
	}
	git_tree_free(t);
}

/*
 * Write the objects made since the last flush as one pack (with deltas:
 * successive versions of a tree or a file differ in a line), move main,
 * and commit the database.
 */
static void flush_fast(gen *g, int reopen)
{
	git_packbuilder *pb = NULL;
	git_reference *ref = NULL;
	git_buf buf = { 0 };

	if (fc_store_commit(g->st) < 0)
		die("committing the database");
	if (git_packbuilder_new(&pb, g->repo) < 0)
		die_git("packing the history");
	git_packbuilder_set_threads(pb, 0);
	for (size_t i = 0; i < g->nobjs; i++) {
		if (git_packbuilder_insert(pb, &g->objs[i], g->obj_names[i]) < 0)
			die_git("packing an object");
		free(g->obj_names[i]);
	}
	g->nobjs = 0;
	/* libgit2's indexer is slow on big packs: git index-pack writes the index */
	if (git_packbuilder_write_buf(&buf, pb) < 0)
		die_git("writing a pack");
	git_packbuilder_free(pb);
	{
		fc_buf cmd = FC_BUF_INIT;
		FILE *f;
		fc_buf_puts(&cmd, "git -C '");
		for (const char *c = g->o->dir; *c; c++)
			fc_buf_puts(&cmd, *c == '\'' ? "'\\''" : (char[2]){ *c, 0 });
		fc_buf_puts(&cmd, "' index-pack --stdin >/dev/null");
		f = popen(cmd.ptr, "w");
		if (!f || fwrite(buf.ptr, 1, buf.size, f) != buf.size || pclose(f) != 0) {
			fprintf(stderr, "gen: git index-pack failed\n");
			exit(1);
		}
		fc_buf_free(&cmd);
	}
	git_buf_dispose(&buf);
	if (git_mempack_reset(g->mempack) < 0)
		die_git("resetting the object store");
	git_odb_refresh(g->odb);
	if (git_reference_create(&ref, g->repo, "refs/heads/main", &g->head, 1, "ficus bench: generated history") < 0)
		die_git("moving main");
	git_reference_free(ref);
	g->since_flush = 0;
	if (reopen && fc_store_begin(g->st, 1) < 0)
		die("starting a transaction");
}

static void commit_fast(gen *g, const char *actor, const char *reason, fc_time when)
{
	git_commit *head = NULL;
	git_tree *base = NULL;
	git_tree_update *ups = fc_calloc(g->npaths + 1, sizeof(*ups));
	fc_buf *bufs = fc_calloc(g->npaths + 1, sizeof(fc_buf));
	fc_buf msg = FC_BUF_INIT, pb = FC_BUF_INIT;
	git_signature *author = NULL, *committer = NULL;
	git_oid tree, oid;
	const git_oid *parents[1];
	char id[16], hex[GIT_OID_HEXSZ + 1], *name, *email, *body;
	size_t n = 0;

	if (fc_render_layout_due(g->st)) {
		if (fc_render_fan_out(g->st, ch_touch_cb, g) < 0)
			die("fanning out");
		ch_touch(g, "ficus.json");
		ch_trailer(g, "Ficus-Layout", "fanout (more than %d domains or services)", FC_FANOUT_AT);
	}
	if (git_commit_lookup(&head, g->repo, &g->head) < 0 || git_commit_tree(&base, head) < 0)
		die_git("reading the head");
	for (size_t i = 0; i < g->npaths; i++) {
		int exists = 0;
		/* a check result is not in PLAN.md: the file stays as it is */
		if (g->keep_summary && !strcmp(g->paths[i], "PLAN.md"))
			continue;
		if (fc_render_path(g->st, g->paths[i], &bufs[i], &exists) < 0)
			die(g->paths[i]);
		ups[n].path = g->paths[i];
		if (!exists) {
			git_tree_entry *te = NULL;
			if (git_tree_entry_bypath(&te, base, g->paths[i]) < 0)
				continue;
			git_tree_entry_free(te);
			ups[n++].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[n].action = GIT_TREE_UPDATE_UPSERT;
		ups[n].filemode = GIT_FILEMODE_BLOB;
		if (git_blob_create_from_buffer(&ups[n].id, g->repo, bufs[i].ptr, bufs[i].len) < 0)
			die_git("writing a blob");
		track(g, &ups[n].id, g->paths[i]);
		n++;
	}
	if (git_tree_create_updated(&tree, g->repo, base, n, ups) < 0)
		die_git("building a tree");
	if (git_oid_equal(&tree, git_tree_id(base))) {
		fprintf(stderr, "gen: a change changed nothing: %s\n", fc_buf_cstr(&g->subject));
		exit(1);
	}
	new_id(id);
	body = clean_reason(reason);
	fc_buf_printf(&msg, "%s\n\n", fc_buf_cstr(&g->subject));
	if (*body)
		fc_buf_printf(&msg, "%s\n\n", body);
	fc_buf_printf(&msg, "Ficus-Change: %s\n%s", id, fc_buf_cstr(&g->trailers));
	split_actor(actor, &name, &email);
	if (git_signature_new(&author, name, email, (git_time_t)when, 0) < 0 ||
	    git_signature_new(&committer, "ficus", "ficus@localhost", (git_time_t)when, 0) < 0)
		die_git("signatures");
	parents[0] = &g->head;
	if (git_commit_create_from_ids(&oid, g->repo, NULL, author, committer, "UTF-8", msg.ptr, &tree, 1, parents) < 0)
		die_git("committing");
	track_trees(g, &tree);
	track(g, &oid, NULL);
	git_oid_tostr(hex, sizeof(hex), &oid);
	for (size_t i = 0; i < g->npaths; i++)
		fc_buf_printf(&pb, "%s\n", g->paths[i]);
	if (fc_store_exec(g->st,
		"INSERT INTO journal (change_id, created, state, message, author_name, author_email, paths, commit_oid) "
		"VALUES (?, ?, 'applied', ?, ?, ?, ?, ?)", "sIsssss", id, (long long)when, msg.ptr, name, email,
		fc_buf_cstr(&pb), hex) < 0)
		die("journal");
	git_oid_cpy(&g->head, &oid);
	g->commits++;
	if (++g->since_flush >= 20000)
		flush_fast(g, 1);
	for (size_t i = 0; i < g->npaths; i++)
		fc_buf_free(&bufs[i]);
	free(bufs);
	free(ups);
	free(body);
	free(name);
	free(email);
	fc_buf_free(&msg);
	fc_buf_free(&pb);
	git_signature_free(author);
	git_signature_free(committer);
	git_tree_free(base);
	git_commit_free(head);
	ch_reset(g);
}

/* fc_life's move_to */
static void move_to(fc_service *sv, fc_phase phase, int bp)
{
	fc_time now = fc_now();
	int old_shadow = sv->shadow;

	if (phase != sv->phase)
		sv->phase_since = now;
	if (bp != sv->bp)
		sv->step_since = now;
	if (phase != FC_PHASE_DUAL_WRITE && phase != FC_PHASE_BACKFILL)
		sv->shadow = 0;
	if (bp != sv->bp || old_shadow != sv->shadow)
		sv->rev++;
	sv->phase = phase;
	sv->bp = bp;
}

static void traffic_trailer(gen *g, const fc_service *sv, int from_bp, int to_bp)
{
	double moved = sv->rps * (double)(to_bp - from_bp) / 10000.0;

	if (from_bp == to_bp)
		return;
	ch_trailer(g, "Ficus-Traffic", "%s%.0f req/s %s the new service", moved >= 0 ? "+" : "", moved,
		   moved >= 0 ? "to" : "back from");
}

static void fast_promote(gen *g, svc_t *s, const char **reason)
{
	fc_service sv;
	fc_step st;
	char from[64], to[64], pf[16], pt[16], *gates, *closed;

	if (fc_service_read(g->st, s->name, &sv) < 0 || fc_gate_step(&st, g->st, &sv, &g->set.gates, NULL) < 0)
		die(s->name);
	if (st.kind == FC_STEP_NONE) {
		fprintf(stderr, "gen: '%s' has no step to promote\n", s->name);
		exit(1);
	}
	fc_state_format(from, sizeof(from), st.from_phase, st.from_bp);
	fc_state_format(to, sizeof(to), st.to_phase, st.to_bp);
	closed = fc_step_closed_line(&st);
	if (!st.open) {
		*reason = "forced: the needed service is close enough (bench history)";
		g->forced++;
	}
	move_to(&sv, st.to_phase, st.to_bp);
	if (fc_service_write_state(g->st, &sv) < 0)
		die(s->name);
	ch_touch_service(g, s->name);
	fc_pct_format(pf, sizeof(pf), st.from_bp);
	fc_pct_format(pt, sizeof(pt), st.to_bp);
	if (st.kind == FC_STEP_RAMP)
		ch_subject(g, "%s: %s %s -> %s", sv.name, st.action, pf, pt);
	else if (st.to_phase == FC_PHASE_READ_CUTOVER)
		ch_subject(g, "%s: %s -> %s at %s", sv.name, fc_phase_name(st.from_phase), fc_phase_name(st.to_phase), pt);
	else
		ch_subject(g, "%s: %s -> %s", sv.name, fc_phase_name(st.from_phase), fc_phase_name(st.to_phase));
	gates = fc_step_gates_line(&st);
	ch_trailer(g, "Ficus-Service", "%s", s->name);
	ch_trailer(g, "Ficus-Action", "%s", st.kind == FC_STEP_RAMP ? st.action : "promote");
	ch_trailer(g, "Ficus-From", "%s", from);
	ch_trailer(g, "Ficus-To", "%s", to);
	ch_trailer(g, "Ficus-Gates", "%s", gates);
	if (!st.open)
		ch_trailer(g, "Ficus-Forced", "yes (closed: %s)", closed);
	else
		ch_trailer(g, "Ficus-Forced", "no");
	traffic_trailer(g, &sv, st.from_bp, st.to_bp);
	free(gates);
	free(closed);
	fc_step_clear(&st);
	fc_service_clear(&sv);
}

static void fast_rollback(gen *g, svc_t *s)
{
	fc_service sv;
	fc_phase to_phase;
	int to_bp, from_bp;
	char from[64], to[64];

	if (fc_service_read(g->st, s->name, &sv) < 0)
		die(s->name);
	from_bp = sv.bp;
	fc_state_format(from, sizeof(from), sv.phase, sv.bp);
	if (sv.bp > 0) {
		to_phase = FC_PHASE_READ_CUTOVER;
		to_bp = 0;
	} else {
		to_phase = sv.phase - 1;
		to_bp = 0;
	}
	move_to(&sv, to_phase, to_bp);
	fc_state_format(to, sizeof(to), to_phase, to_bp);
	if (fc_service_write_state(g->st, &sv) < 0)
		die(s->name);
	ch_touch_service(g, s->name);
	if (from_bp != to_bp && to_phase == FC_PHASE_READ_CUTOVER && strncmp(from, "read-cutover", 12) == 0) {
		char a[16], b[16];
		fc_pct_format(a, sizeof(a), from_bp);
		fc_pct_format(b, sizeof(b), to_bp);
		ch_subject(g, "%s: rollback %s -> %s", s->name, a, b);
	} else {
		ch_subject(g, "%s: rollback %s -> %s", s->name, from, to);
	}
	ch_trailer(g, "Ficus-Service", "%s", s->name);
	ch_trailer(g, "Ficus-Action", "rollback");
	ch_trailer(g, "Ficus-From", "%s", from);
	ch_trailer(g, "Ficus-To", "%s", to);
	ch_trailer(g, "Ficus-Gates", "none (rollback is never gated)");
	ch_trailer(g, "Ficus-Forced", "no");
	traffic_trailer(g, &sv, from_bp, to_bp);
	fc_service_clear(&sv);
}

static void play_fast(gen *g, const event *e)
{
	svc_t *s = &g->svcs[e->svc];
	const char *actor = actor_of(e->seq);
	const char *reason = reasons[e->seq % (sizeof(reasons) / sizeof(reasons[0]))];
	fc_store *st = g->st;

	switch (e->kind) {
	case EV_ADD: {
		char route[128];
		snprintf(route, sizeof(route), "/api/%s", s->name);
		reason = NULL;
		if (fc_store_exec(st,
			"INSERT INTO service (name, description, route, flag, phase, bp, shadow, rev, phase_since, "
			"step_since, routers, gates, checks) VALUES (?, '', ?, ?, 'planned', 0, 0, 0, ?, ?, '', '{}', '{}')",
			"sssII", s->name, e->arg ? route : "", s->name, (long long)sim_now, (long long)sim_now) < 0)
			die(s->name);
		for (size_t k = 0; k < s->ndom; k++)
			if (fc_store_exec(st, "INSERT OR IGNORE INTO service_domain (service, domain) VALUES (?, ?)", "ss",
					  s->name, g->map.dnames[s->dom[k]]) < 0)
				die(s->name);
		ch_touch_service(g, s->name);
		ch_subject(g, "%s: add service (%s)", s->name, e->arg ? route : "no route yet");
		ch_trailer(g, "Ficus-Service", "%s", s->name);
		ch_trailer(g, "Ficus-Action", "service-add");
		ch_trailer(g, "Ficus-To", "planned 0%%");
		break;
	}
	case EV_SET_ROUTE:
	case EV_SET_NEEDS:
		reason = NULL;
		if (e->kind == EV_SET_ROUTE) {
			char route[128];
			snprintf(route, sizeof(route), "/api/%s", s->name);
			if (fc_store_exec(st, "UPDATE service SET route = ? WHERE name = ?", "ss", route, s->name) < 0)
				die(s->name);
		} else if (fc_store_exec(st, "DELETE FROM service_need WHERE service = ?", "s", s->name) < 0 ||
			   fc_store_exec(st, "INSERT INTO service_need (service, need) VALUES (?, ?)", "ss", s->name,
					 g->svcs[e->arg].name) < 0) {
			die(s->name);
		}
		ch_touch_service(g, s->name);
		ch_subject(g, "%s: edit service", s->name);
		ch_trailer(g, "Ficus-Service", "%s", s->name);
		ch_trailer(g, "Ficus-Action", "service-set");
		break;
	case EV_PROMOTE:
		fast_promote(g, s, &reason);
		break;
	case EV_ROLLBACK:
		fast_rollback(g, s);
		break;
	case EV_SHADOW: {
		fc_service sv;
		reason = NULL;
		if (fc_service_read(st, s->name, &sv) < 0)
			die(s->name);
		sv.shadow = e->arg;
		sv.rev++;
		if (fc_service_write_state(st, &sv) < 0)
			die(s->name);
		fc_service_clear(&sv);
		ch_touch_service(g, s->name);
		ch_subject(g, "%s: shadow %s", s->name, e->arg ? "on" : "off");
		ch_trailer(g, "Ficus-Service", "%s", s->name);
		ch_trailer(g, "Ficus-Action", "shadow");
		ch_trailer(g, "Ficus-From", "shadow %s", e->arg ? "off" : "on");
		ch_trailer(g, "Ficus-To", "shadow %s", e->arg ? "on" : "off");
		break;
	}
	case EV_CHECK: {
		char detail[160], *name, *email;
		reason = NULL;
		check_detail(detail, sizeof(detail), e->arg);
		split_actor(actor, &name, &email);
		/* fc_life's store_result */
		if (fc_store_exec(st, "INSERT INTO check_result (service, name, pass, detail, at, actor) "
				      "VALUES (?, 'reconcile', ?, ?, ?, ?)", "sisIs", s->name, e->arg, detail,
				  (long long)sim_now, name) < 0 ||
		    fc_store_exec(st,
			"DELETE FROM check_result WHERE service = ?1 AND name = ?2 AND id NOT IN "
			"(SELECT id FROM check_result WHERE service = ?1 AND name = ?2 ORDER BY at DESC, id DESC LIMIT ?3)",
			"ssi", s->name, "reconcile", FC_CHECKS_KEPT) < 0 ||
		    (!e->arg && fc_store_exec(st, "INSERT INTO check_state (service, name, last_fail) VALUES (?, ?, ?) "
						  "ON CONFLICT (service, name) DO UPDATE SET last_fail = excluded.last_fail",
					      "ssI", s->name, "reconcile", (long long)sim_now) < 0))
			die(s->name);
		free(name);
		free(email);
		ch_touch_service(g, s->name);
		ch_subject(g, "%s: check %s %s", s->name, "reconcile", e->arg ? "passed" : "FAILED");
		ch_trailer(g, "Ficus-Service", "%s", s->name);
		ch_trailer(g, "Ficus-Action", "check");
		ch_trailer(g, "Ficus-Check", "%s %s%s%s", "reconcile", e->arg ? "pass" : "fail", ": ", detail);
		break;
	}
	}
	g->keep_summary = e->kind == EV_CHECK;
	commit_fast(g, actor, reason, sim_now);
}

/* ---- main ---- */

static void usage(void)
{
	fputs("usage: gen --dir DIR [--domains N] [--deps N] [--services N] [--commits N] [--seed N]\n"
	      "           [--end TIME] [--mode fast|real] [--quiet]\n", stderr);
	exit(2);
}

static size_t num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end)
		usage();
	return (size_t)v;
}

int main(int argc, char **argv)
{
	opts o = { NULL, 5000, 50000, 5000, 100000, 1, 1790000000, 1, 0 };
	fc_write_opts w = FC_WRITE_OPTS_INIT;
	fc_open_opts oo = FC_OPEN_OPTS_INIT;
	fc_outcome out;
	gen g;
	sched s = { NULL, 0, 0, 0 };
	size_t budget, total = 0, nadds, *used;
	double t0 = now_s(), t_setup, t_hist;
	fc_time start;
	char *doc;
	size_t len;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet")) {
			o.quiet = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--dir"))
			o.dir = v;
		else if (!strcmp(a, "--domains"))
			o.domains = num(v);
		else if (!strcmp(a, "--deps"))
			o.deps = num(v);
		else if (!strcmp(a, "--services"))
			o.services = num(v);
		else if (!strcmp(a, "--commits"))
			o.commits = num(v);
		else if (!strcmp(a, "--seed"))
			o.seed = num(v);
		else if (!strcmp(a, "--end")) {
			if (fc_time_parse(&o.end, v) < 0)
				usage();
		} else if (!strcmp(a, "--mode")) {
			if (strcmp(v, "fast") && strcmp(v, "real"))
				usage();
			o.fast = !strcmp(v, "fast");
		} else
			usage();
	}
	if (!o.dir || o.domains < 1 || o.services > o.domains * 3 || o.commits < o.services + 2)
		usage();
	rng_state ^= o.seed * 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 8; i++)
		rnd();
	memset(&g, 0, sizeof(g));
	g.o = &o;
	start = o.end - 420 * DAY;

	/* the plan and its map: the real pipeline */
	fc_clock_set(sim_clock);
	sim_now = start - 2 * DAY;
	w.actor = actors[0];
	memset(&out, 0, sizeof(out));
	if (fc_session_init(&g.plan, o.dir, &w, &out) < 0)
		die("creating the plan");
	fc_outcome_clear(&out);
	make_map(&g.map, &o);
	doc = map_document(&g.map, &len);
	sim_now = start - DAY;
	w.reason = "the domain map from the monolith's call graph and table ownership";
	if (fc_map_import(g.plan, doc, len, 0, &w, &out) < 0)
		die("importing the map");
	fc_outcome_clear(&out);
	free(doc);
	t_setup = now_s() - t0;

	/* the services and their schedules */
	g.nsvcs = o.services;
	g.svcs = fc_calloc(g.nsvcs + 1, sizeof(svc_t));
	used = fc_calloc(o.domains + 1, sizeof(size_t));
	for (size_t i = 0; i < g.nsvcs; i++) {
		svc_t *sv = &g.svcs[i];
		snprintf(sv->name, sizeof(sv->name), "svc-%s-%04zu", words[rnd_below(NWORDS)], i);
		sv->ndom = 1 + (rnd_below(4) == 0) + (rnd_below(8) == 0);
		for (size_t k = 0; k < sv->ndom; k++) {
			size_t d = rnd_below(o.domains), tries = 0;
			while (used[d] && tries++ < 8)
				d = rnd_below(o.domains);
			for (size_t q = 0; q < k; q++)
				if (sv->dom[q] == d)
					d = (size_t)-1;
			if (d == (size_t)-1) {
				sv->ndom = k;
				break;
			}
			used[d]++;
			sv->dom[k] = d;
		}
		if (!sv->ndom) {
			sv->dom[0] = rnd_below(o.domains);
			sv->ndom = 1;
		}
		sv->route_at_add = rnd_below(10) != 0;
		pick_final(sv);
	}
	free(used);
	budget = o.commits - 2;
	nadds = g.nsvcs;
	/* fit the schedule in the budget: fewer services get far */
	for (;;) {
		total = 0;
		for (size_t i = 0; i < g.nsvcs; i++)
			total += plan_service(&s, &g.svcs[i], i, start, o.end, 1);
		if (total <= budget * 9 / 10 || total <= nadds)
			break;
		for (size_t k = 0; k < g.nsvcs / 10 + 1; k++) {
			svc_t *sv = &g.svcs[rnd_below(g.nsvcs)];
			if (sv->final_phase > FC_PHASE_PLANNED)
				sv->final_phase--;
		}
	}
	/* place each service's schedule in time; too long: fewer get far */
	for (;;) {
		s.n = 0;
		for (size_t i = 0; i < g.nsvcs; i++)
			place_service(&s, &g.svcs[i], i, start, o.end);
		if (s.n <= budget)
			break;
		for (size_t k = 0; k < g.nsvcs / 10 + 1; k++) {
			svc_t *sv = &g.svcs[rnd_below(g.nsvcs)];
			if (sv->final_phase > FC_PHASE_PLANNED)
				sv->final_phase--;
		}
	}
	/* needs: some services that enter read-cutover need one that got to 100% before */
	for (size_t i = 0; i < g.nsvcs && s.n < budget; i++) {
		svc_t *x = &g.svcs[i];
		if (!chance(0.05))
			continue;
		for (size_t tries = 0; tries < 50; tries++) {
			size_t j = rnd_below(g.nsvcs);
			svc_t *y = &g.svcs[j];
			fc_time lo, hi;
			if (j == i)
				continue;
			if (x->t_cutover && !(y->t_full && y->t_full + HOUR < x->t_cutover))
				continue;
			if (!x->t_cutover && y->add_at > o.end - DAY)
				continue;
			lo = (x->add_at > y->add_at ? x->add_at : y->add_at) + 60;
			hi = x->t_cutover ? x->t_cutover - 60 : o.end - 60;
			if (hi <= lo)
				continue;
			ev_push(&s, rnd_span(lo, hi), i, EV_SET_NEEDS, (int)j);
			break;
		}
	}
	/* padding: more reconcile results while services are active */
	{
		size_t *active = fc_malloc((g.nsvcs + 1) * sizeof(size_t)), na = 0;
		for (size_t i = 0; i < g.nsvcs; i++)
			if (g.svcs[i].active_from && g.svcs[i].active_to > g.svcs[i].active_from + 2)
				active[na++] = i;
		while (s.n < budget) {
			size_t i = na ? active[rnd_below(na)] : rnd_below(g.nsvcs);
			svc_t *sv = &g.svcs[i];
			fc_time lo = na ? sv->active_from + 1 : sv->add_at + 1, hi = na ? sv->active_to - 1 : o.end - 1;
			ev_push(&s, rnd_span(lo, hi), i, EV_CHECK, 1);
		}
		free(active);
	}
	qsort(s.v, s.n, sizeof(event), cmp_event);
	if (!o.quiet)
		fprintf(stderr, "gen: %zu domains, %zu dependencies, %zu services, %zu events; setup %.1fs\n",
			g.map.nd, g.map.ne, g.nsvcs, s.n, t_setup);

	/* play */
	if (o.fast) {
		char *db;
		fc_plan_free(g.plan);
		g.plan = NULL;
		git_libgit2_init();
		if (git_repository_open(&g.repo, o.dir) < 0 || git_repository_odb(&g.odb, g.repo) < 0 ||
		    git_mempack_new(&g.mempack) < 0 || git_odb_add_backend(g.odb, g.mempack, 999) < 0 ||
		    git_reference_name_to_id(&g.head, g.repo, "HEAD") < 0)
			die_git("opening the plan repository");
		db = fc_asprintf("%s/.git/ficus/plan.db", o.dir);
		if (fc_store_open(&g.st, db, 0, 10000) < 0 ||
		    fc_store_exec(g.st, "PRAGMA cache_size = -400000", NULL) < 0 ||
		    fc_settings_get(g.st, &g.set) < 0 ||
		    fc_store_begin(g.st, 1) < 0)
			die("opening the database");
		free(db);
	} else if (!g.plan) {
		if (fc_session_open(&g.plan, &oo) < 0)
			die("opening the plan");
	}
	for (size_t k = 0; k < s.n; k++) {
		sim_now = s.v[k].at;
		if (o.fast)
			play_fast(&g, &s.v[k]);
		else
			play_real(&g, &s.v[k]);
		if (!o.quiet && k && k % 10000 == 0)
			fprintf(stderr, "gen: %zu of %zu events, %.1fs\n", k, s.n, now_s() - t0);
	}
	if (o.fast) {
		git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
		flush_fast(&g, 0);
		co.checkout_strategy = GIT_CHECKOUT_FORCE;
		if (git_checkout_head(g.repo, &co) < 0)
			die_git("checking out the plan");
		fc_settings_clear(&g.set);
		fc_store_exec(g.st, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
		fc_store_free(g.st);
		git_odb_free(g.odb);
		git_repository_free(g.repo);
		git_libgit2_shutdown();
	}
	fc_plan_free(g.plan);
	t_hist = now_s() - t0 - t_setup;
	{
		size_t phases[FC_PHASE_COUNT] = { 0 };
		for (size_t i = 0; i < g.nsvcs; i++)
			phases[g.svcs[i].final_phase]++;
		printf("generated: %zu domains, %zu dependencies, %zu services (planned %zu, dual-write %zu, backfill %zu, "
		       "read-cutover %zu, decommission %zu, done %zu), %zu commits (%zu forced), mode %s, "
		       "setup %.1fs, history %.1fs\n",
		       g.map.nd, g.map.ne, g.nsvcs, phases[0], phases[1], phases[2], phases[3], phases[4], phases[5],
		       g.commits + 2, g.forced, o.fast ? "fast" : "real", t_setup, t_hist);
	}
	for (size_t i = 0; i < g.map.nd; i++)
		free(g.map.dnames[i]);
	free(g.map.dnames);
	free(g.map.from);
	free(g.map.to);
	free(g.map.kind);
	free(g.map.weight);
	free(g.svcs);
	free(s.v);
	free(g.objs);
	free(g.obj_names);
	ch_reset(&g);
	free(g.paths);
	fc_buf_free(&g.subject);
	fc_buf_free(&g.trailers);
	return 0;
}
