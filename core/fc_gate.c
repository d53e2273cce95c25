/*
 * Gate rules (SPEC section 1).  Defaults come from the plan settings,
 * overridden per service.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_store.h"

void fc_step_clear(fc_step *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ngates; i++) {
		free(s->gates[i].reason);
		free(s->gates[i].evidence);
	}
	free(s->gates);
	free(s->why_none);
	for (size_t i = 0; i < s->nskipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	memset(s, 0, sizeof(*s));
}

void fc_state_format(char *buf, size_t size, fc_phase phase, int bp)
{
	char pct[16];

	if (!size)
		return;
	buf[0] = '\0';
	fc_fmt_cat(buf, size, fc_phase_name(phase));
	if (phase == FC_PHASE_READ_CUTOVER || phase == FC_PHASE_DECOMMISSION) {
		fc_pct_format(pct, sizeof(pct), bp);
		fc_fmt_cat(buf, size, " ");
		fc_fmt_cat(buf, size, pct);
	}
}

static void add_gate(fc_step *s, const char *name, int open, char *reason, char *evidence)
{
	fc_gate *g;

	s->gates = fc_realloc(s->gates, (s->ngates + 1) * sizeof(fc_gate));
	g = &s->gates[s->ngates++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->open = open;
	g->reason = reason;
	g->evidence = evidence;
	g->opens = 0;
}

/* A gate that waits for `need` seconds since `since`. */
static void time_gate(fc_step *s, const char *name, const char *what, fc_time since, int64_t need)
{
	char have_s[32], need_s[32], left_s[32];
	int64_t have = fc_now() - since;

	if (have < 0)
		have = 0;
	fc_duration_format(have_s, sizeof(have_s), have);
	fc_duration_format(need_s, sizeof(need_s), need);
	if (have >= need) {
		add_gate(s, name, 1, fc_asprintf("%s: %s %s >= %s", name, what, have_s, need_s),
			 fc_asprintf("open (%s >= %s)", have_s, need_s));
	} else {
		fc_duration_format(left_s, sizeof(left_s), need - have);
		add_gate(s, name, 0, fc_asprintf("%s: %s %s of %s, %s left", name, what, have_s, need_s, left_s),
			 fc_asprintf("closed (%s of %s, %s left)", have_s, need_s, left_s));
	}
	s->gates[s->ngates - 1].opens = since + need;
}

static fc_time last_fail(const fc_service *sv, const char *check)
{
	for (size_t i = 0; i < sv->nfails; i++)
		if (!strcmp(sv->fail_names[i], check))
			return sv->fail_at[i];
	return -1;
}

/*
 * The summary of a check's kept results: read with the service, or, for a
 * service made in memory without it, counted from its results the way the
 * database's triggers count them (migration 0006).  0: no result kept.
 */
static int streak_of(const fc_service *sv, const char *check, fc_check_streak *out)
{
	memset(out, 0, sizeof(*out));
	out->newest = -1;
	for (size_t i = 0; i < sv->nstreaks; i++)
		if (!strcmp(sv->streaks[i].name, check)) {
			*out = sv->streaks[i];
			return out->kept > 0;
		}
	if (sv->nstreaks)
		return 0;
	for (size_t i = sv->nresults, failed = 0; i-- > 0;) {
		if (strcmp(sv->results[i].name, check))
			continue;
		if (!out->kept++)
			out->newest = sv->results[i].at;
		/* no-data and error neither pass nor fail (migration 0009) */
		if (fc_check_result_outcome(&sv->results[i]) == FC_CHECK_FAIL)
			failed = 1;
		else if (!failed && fc_check_result_outcome(&sv->results[i]) == FC_CHECK_PASS)
			out->streak++;
	}
	return out->kept > 0;
}

/* backfill -> read-cutover: the last N results all pass, newest fresh. */
static void reconcile_passes_gate(fc_step *s, const fc_service *sv, const fc_gate_settings *g)
{
	const char *check = g->reconcile_check;
	int need = g->reconcile_passes, seen, passes;
	fc_check_streak k;
	fc_time newest;
	char age[32], max[32];

	if (need == 0) {
		add_gate(s, "reconcile", 1, fc_asprintf("reconcile: no passes required (reconcile_passes = 0)"),
			 fc_asprintf("open (none required)"));
		return;
	}
	/* of the last `need` results, newest first: the passes before a failure, and how many were looked at */
	streak_of(sv, check, &k);
	newest = k.newest;
	passes = k.streak < need ? k.streak : need;
	seen = passes < need && k.kept > passes ? passes + 1 : passes;
	fc_duration_format(max, sizeof(max), g->reconcile_max_age);
	if (passes < need) {
		if (seen > passes)
			add_gate(s, "reconcile", 0,
				 fc_asprintf("reconcile: check '%s' failed within its last %d results; %d consecutive passes of %d",
					     check, need, passes, need),
				 fc_asprintf("closed (%d/%d pass, latest run failed)", passes, need));
		else
			add_gate(s, "reconcile", 0,
				 fc_asprintf("reconcile: check '%s' has %d passing result%s of the %d needed",
					     check, passes, passes == 1 ? "" : "s", need),
				 fc_asprintf("closed (%d/%d pass)", passes, need));
		return;
	}
	if (newest > fc_now() + FC_GATE_SKEW) {
		char when[32];
		fc_time_format(when, sizeof(when), newest);
		fc_duration_format(age, sizeof(age), newest - fc_now());
		add_gate(s, "reconcile", 0,
			 fc_asprintf("reconcile: the newest result of '%s' is dated %s, %s after now: "
				     "evidence from the future never opens a gate", check, when, age),
			 fc_asprintf("closed (newest result dated %s, %s in the future)", when, age));
		return;
	}
	if (newest > fc_now())
		newest = fc_now(); /* within the skew allowance: as if now */
	fc_duration_format(age, sizeof(age), fc_now() - newest);
	if (fc_now() - newest > g->reconcile_max_age) {
		add_gate(s, "reconcile", 0,
			 fc_asprintf("reconcile: the newest pass of '%s' is %s old, more than %s", check, age, max),
			 fc_asprintf("closed (%d/%d pass, newest %s old > %s)", passes, need, age, max));
		return;
	}
	add_gate(s, "reconcile", 1,
		 fc_asprintf("reconcile: last %d results of '%s' passed, newest %s old", need, check, age),
		 fc_asprintf("open (%d/%d pass, newest %s old)", passes, need, age));
}

/* During the ramp: the reconcile check has not failed since `since`. */
/*
 * `strict`: a failure in the very second `since` counts as before it.  A
 * pause begins with the rollback that a failure triggered, often in the
 * same second; a ramp step that fails in its first second has failed.
 */
static void reconcile_clean_gate(fc_step *s, const fc_service *sv, const fc_gate_settings *g, fc_time since,
				 const char *since_what, int strict)
{
	fc_time lf = last_fail(sv, g->reconcile_check);
	char when[32];

	if (strict ? lf > since : lf >= since) {
		fc_time_format(when, sizeof(when), lf);
		add_gate(s, "reconcile", 0,
			 fc_asprintf("reconcile: check '%s' failed at %s, since %s", g->reconcile_check, when, since_what),
			 fc_asprintf("closed (failed at %s)", when));
	} else {
		add_gate(s, "reconcile", 1,
			 fc_asprintf("reconcile: no failure of '%s' since %s", g->reconcile_check, since_what),
			 fc_asprintf("open (no failure since %s)", since_what));
	}
}

int fc_gate_shadow_judge(const fc_gate_settings *g, const fc_compare_counts *k, char **why)
{
	long long min = g->shadow_min_compared > 0 ? g->shadow_min_compared : FC_SHADOW_MIN_COMPARED;
	double rate = fc_compare_rate(k);

	if (!g->shadow_gate) {
		*why = fc_strdup(!k->compared ? "nothing compared yet" : k->mismatched ? "mismatches found" : "no mismatch");
		return k->compared > 0 && !k->mismatched;
	}
	if (rate > g->shadow_max_mismatch) {
		*why = fc_asprintf("> %g%%", g->shadow_max_mismatch);
		return 0;
	}
	if (k->compared < min) {
		*why = fc_asprintf("<= %g%%, but %lld compared < %lld", g->shadow_max_mismatch, k->compared, min);
		return 0;
	}
	*why = fc_asprintf("<= %g%%", g->shadow_max_mismatch);
	return 1;
}

/*
 * backfill -> read-cutover, when gates.shadow_max_mismatch is set: the
 * newest 'shadow' result recorded after compare went on passes the rule
 * (results from before, of an earlier compare, do not count; nor one of
 * the very second it went on, which may have read the earlier counters).
 */
static void shadow_gate(fc_step *s, const fc_service *sv, const fc_gate_settings *g)
{
	const fc_check_result *r = NULL;
	fc_compare_counts k;
	char since[32], *why = NULL;
	int pass;

	if (!g->shadow_gate)
		return;
	if (!sv->shadow || !sv->compare.sample_bp) {
		add_gate(s, "shadow", 0,
			 fc_asprintf("shadow: compare is off; the gate needs a mismatch rate <= %g%% "
				     "(ficus shadow %s on --compare, then ficus check run %s shadow)",
				     g->shadow_max_mismatch, sv->name, sv->name),
			 fc_asprintf("closed (compare off)"));
		return;
	}
	fc_time_format(since, sizeof(since), sv->compare.since);
	for (size_t i = sv->nresults; i-- > 0 && !r;)
		if (!strcmp(sv->results[i].name, "shadow") && sv->results[i].at > sv->compare.since &&
		    sv->results[i].at <= fc_now() + FC_GATE_SKEW)
			r = &sv->results[i];
	if (!r) {
		add_gate(s, "shadow", 0,
			 fc_asprintf("shadow: no 'shadow' result since compare went on at %s (ficus check run %s shadow)",
				     since, sv->name),
			 fc_asprintf("closed (no result since %s)", since));
		return;
	}
	if (fc_compare_counts_parse(&k, r->detail) < 0) {
		add_gate(s, "shadow", 0,
			 fc_asprintf("shadow: the newest 'shadow' result holds no counts (\"%.80s\")", r->detail),
			 fc_asprintf("closed (no counts)"));
		return;
	}
	pass = fc_gate_shadow_judge(g, &k, &why);
	if (pass && !r->pass) {
		/* counts that pass, from a measurement that failed (a replica unread): not trusted */
		free(why);
		why = fc_strdup("but the measurement failed");
		pass = 0;
	}
	add_gate(s, "shadow", pass,
		 fc_asprintf("shadow: mismatch %.2f%% (%lld/%lld compared since %s) %s", fc_compare_rate(&k), k.mismatched,
			     k.compared, since, why),
		 fc_asprintf("%s (%lld/%lld mismatched, %.2f%% %s)", pass ? "open" : "closed", k.mismatched, k.compared,
			     fc_compare_rate(&k), why));
	free(why);
}

/* ---- analysis checks (SPEC section 9) ---- */

/* What the gate read of one analysis check's results since the step began. */
typedef struct {
	int passes, failures, future;
	fc_time newest_at;  /* the newest measurement of any outcome (-1: none) */
	int newest_fail;    /* ... and whether it was a failure */
	fc_time newest_pass;
	char newest[160];  /* the newest pass's measurement, "0.0031 <= 0.01" */
	int collect;       /* keep the failures' details (the watcher's rollback) */
	char **fails;
	size_t nfails;
} analysis_seen;

static void analysis_take(analysis_seen *a, const char *check, int pass, int outcome_null, const char *detail,
			  fc_time at)
{
	size_t n, k = strlen(check);

	if (at > fc_now() + FC_GATE_SKEW) {
		a->future++; /* evidence from the future never opens a gate */
		return;
	}
	if (at >= a->newest_at) {
		a->newest_at = at;
		a->newest_fail = !pass && outcome_null;
	}
	if (pass) {
		a->passes++;
		if (at >= a->newest_pass) {
			a->newest_pass = at;
			/* "error_rate=0.0031 <= 0.01; query: ..." -> "0.0031 <= 0.01" */
			if (!strncmp(detail, check, k) && detail[k] == '=')
				detail += k + 1;
			n = strcspn(detail, ";");
			snprintf(a->newest, sizeof(a->newest), "%.*s", (int)(n > 120 ? 120 : n), detail);
		}
	} else if (outcome_null) {
		a->failures++; /* no-data and error neither pass nor fail */
		if (a->collect) {
			char when[32];
			fc_time_format(when, sizeof(when), at);
			a->fails = fc_realloc(a->fails, (a->nfails + 1) * sizeof(char *));
			a->fails[a->nfails++] = fc_asprintf("%s fail at %s: %s", check, when, detail);
		}
	}
}

/* The results of `check` since `since`: from the service when read whole, else from the store. */
static void analysis_count(analysis_seen *a, fc_store *st, const fc_service *sv, const char *check, fc_time since)
{
	sqlite3_stmt *q = NULL;
	int collect = a->collect;

	memset(a, 0, sizeof(*a));
	a->collect = collect;
	a->newest_pass = -1;
	a->newest_at = -1;
	/* a brief read has no results (and no summary of a check never measured when it was read): ask the store */
	if (sv->nresults || !st) {
		for (size_t i = 0; i < sv->nresults; i++) {
			const fc_check_result *r = &sv->results[i];
			if (!strcmp(r->name, check) && r->at >= since)
				analysis_take(a, check, fc_check_result_outcome(r) == FC_CHECK_PASS,
					      fc_check_result_outcome(r) == FC_CHECK_FAIL,
					      r->detail ? r->detail : "", r->at);
		}
		return;
	}
	if (fc_store_kept(st, &q, "SELECT pass, outcome IS NULL, detail, at FROM check_result "
				  "WHERE service = ? AND name = ? AND at >= ?") == 0 &&
	    sqlite3_bind_text(q, 1, sv->name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(q, 2, check, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_int64(q, 3, since) == SQLITE_OK)
		while (fc_store_step(st, q) == 1)
			analysis_take(a, check, sqlite3_column_int(q, 0), sqlite3_column_int(q, 1), fc_col_text(q, 2),
				      sqlite3_column_int64(q, 3));
	if (q)
		fc_store_release(q);
	fc_error_clear();
}

static int analysis_limit(const cJSON *def)
{
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(def, "failure_limit");
	return cJSON_IsNumber(limit) && limit->valuedouble >= 1 ? (int)limit->valuedouble : 3;
}

/*
 * The resume after a rollback (read-cutover at 0%): no analysis check's
 * newest measurement since the pause began is a failure.  At 0% the new
 * side has no traffic, so its checks soon answer no-data; a failure still
 * being measured (a rate window that holds the errors that caused the
 * rollback) means the evidence is fresh: not yet.  One gate per check.
 */
static void analysis_resume_gates(fc_step *s, fc_store *st, const fc_service *sv, fc_time since)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, sv->checks) {
		char name[32], when[32];
		analysis_seen a;

		if (!cJSON_GetObjectItemCaseSensitive(c, "prometheus"))
			continue;
		memset(&a, 0, sizeof(a));
		snprintf(name, sizeof(name), "analysis %s", c->string);
		analysis_count(&a, st, sv, c->string, since);
		if (a.newest_at >= 0 && a.newest_fail) {
			fc_time_format(when, sizeof(when), a.newest_at);
			add_gate(s, name, 0,
				 fc_asprintf("%s: its newest measurement since the pause began (%s) is a failure: "
					     "the new service still fails", name, when),
				 fc_asprintf("closed (newest since the pause: fail at %s)", when));
		} else {
			add_gate(s, name, 1,
				 fc_asprintf("%s: no failure in its newest measurement since the pause began", name),
				 fc_asprintf("open (newest since the pause: %s)",
					     a.newest_at < 0 ? "none" : "not a failure"));
		}
	}
}

int fc_gate_analysis_failed(fc_store *st, const fc_service *sv, char ***failed, size_t *n)
{
	const cJSON *c;
	int checks = 0;

	*failed = NULL;
	*n = 0;
	cJSON_ArrayForEach(c, sv->checks) {
		analysis_seen a;
		if (!cJSON_GetObjectItemCaseSensitive(c, "prometheus"))
			continue;
		memset(&a, 0, sizeof(a));
		a.collect = 1;
		analysis_count(&a, st, sv, c->string, sv->step_since);
		if (a.failures >= analysis_limit(c)) {
			checks++;
			*failed = fc_realloc(*failed, (*n + a.nfails + 1) * sizeof(char *));
			memcpy(*failed + *n, a.fails, a.nfails * sizeof(char *));
			*n += a.nfails;
		} else {
			for (size_t i = 0; i < a.nfails; i++)
				free(a.fails[i]);
		}
		free(a.fails);
	}
	return checks;
}

/*
 * A ramp step and read-cutover -> decommission: each analysis check of
 * the service passed at least analysis_passes times since `since` (the
 * step began) and failed fewer times than its failure_limit.  One gate
 * per check, named "analysis NAME".
 */
static void analysis_gates(fc_step *s, fc_store *st, const fc_service *sv, const fc_gate_settings *g, fc_time since)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, sv->checks) {
		int limit = analysis_limit(c);
		int need = g->analysis_passes;
		char name[32], extra[64] = "";
		analysis_seen a;

		if (!cJSON_GetObjectItemCaseSensitive(c, "prometheus"))
			continue;
		memset(&a, 0, sizeof(a));
		snprintf(name, sizeof(name), "analysis %s", c->string);
		analysis_count(&a, st, sv, c->string, since);
		if (a.future)
			snprintf(extra, sizeof(extra), "; %d dated in the future, not trusted", a.future);
		if (a.failures >= limit)
			add_gate(s, name, 0,
				 fc_asprintf("%s: %d failure%s since the step began, failure_limit %d%s", name, a.failures,
					     a.failures == 1 ? "" : "s", limit, extra),
				 fc_asprintf("closed (%d fail since step >= limit %d)", a.failures, limit));
		else if (a.passes < need)
			add_gate(s, name, 0,
				 fc_asprintf("%s: %d pass%s since the step began of the %d needed (no-data and error do not "
					     "count)%s", name, a.passes, a.passes == 1 ? "" : "es", need, extra),
				 fc_asprintf("closed (%d/%d pass since step)", a.passes, need));
		else
			add_gate(s, name, 1,
				 fc_asprintf("%s: %d pass%s since the step began, %d fail (limit %d)%s%s%s", name, a.passes,
					     a.passes == 1 ? "" : "es", a.failures, limit, a.newest[0] ? ", newest " : "",
					     a.newest, extra),
				 a.newest[0] ? fc_asprintf("open (%d pass since step, newest %s)", a.passes, a.newest)
					     : fc_asprintf("open (%d pass since step)", a.passes));
	}
}

static void needs_gate(fc_step *s, fc_store *st, const fc_service *sv)
{
	fc_buf bad = FC_BUF_INIT;

	if (!sv->nneeds)
		return;
	for (size_t i = 0; i < sv->nneeds; i++) {
		sqlite3_stmt *q = NULL;
		fc_phase phase;
		int full = 0;
		char state[64] = "missing";
		/* only the phase and the percentage: not the whole service */
		if (fc_store_kept(st, &q, "SELECT phase, bp FROM service WHERE name = ?") == 0 &&
		    sqlite3_bind_text(q, 1, sv->needs[i], -1, SQLITE_STATIC) == SQLITE_OK &&
		    fc_store_step(st, q) == 1 && fc_phase_parse(&phase, fc_col_text(q, 0)) == 0) {
			int bp = sqlite3_column_int(q, 1);
			full = phase == FC_PHASE_DONE || phase == FC_PHASE_DECOMMISSION ||
			       (phase == FC_PHASE_READ_CUTOVER && bp == 10000);
			fc_state_format(state, sizeof(state), phase, bp);
		}
		if (q)
			fc_store_release(q);
		if (!full)
			fc_buf_printf(&bad, "%s'%s' is at %s", bad.len ? ", " : "", sv->needs[i], state);
	}
	fc_error_clear();
	if (bad.len)
		add_gate(s, "needs", 0, fc_asprintf("needs: %s, not serving 100%%", bad.ptr),
			 fc_asprintf("closed (%s)", bad.ptr));
	else
		add_gate(s, "needs", 1, fc_asprintf("needs: every needed service serves 100%%"),
			 fc_asprintf("open (%zu at 100%%)", sv->nneeds));
	fc_buf_free(&bad);
}

/*
 * The names of the plan's routers (NULL for an entry without a string
 * name), parsed once per settings text: status evaluates the gates of
 * every service, and parsing the settings again for each planned one was
 * a good part of its time.  The dashboard evaluates gates from two
 * threads, hence the lock.
 */
static pthread_mutex_t routers_lock = PTHREAD_MUTEX_INITIALIZER;
static char *routers_text;
static char **routers_names;
static size_t routers_n;

static void routers_forget(void)
{
	for (size_t i = 0; i < routers_n; i++)
		free(routers_names[i]);
	free(routers_names);
	free(routers_text);
	routers_names = NULL;
	routers_text = NULL;
	routers_n = 0;
}

/* Under routers_lock: make the cache describe `doc` (NULL: no settings). */
static void routers_load(const char *doc)
{
	cJSON *settings = NULL, *routers, *r;

	if (routers_text && doc && !strcmp(routers_text, doc))
		return;
	routers_forget();
	if (!doc)
		return;
	routers_text = fc_strdup(doc);
	fc_json_parse(&settings, "settings", doc, strlen(doc), 1u << 26);
	routers = settings ? cJSON_GetObjectItemCaseSensitive(settings, "routers") : NULL;
	routers_names = fc_calloc((size_t)cJSON_GetArraySize(routers) + 1, sizeof(char *));
	cJSON_ArrayForEach(r, routers) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
		routers_names[routers_n++] = cJSON_IsString(name) ? fc_strdup(name->valuestring) : NULL;
	}
	cJSON_Delete(settings);
}

/* How many of the plan's routers there are, and how many of them `sv` is bound to. */
static void routers_bound(const fc_service *sv, const char *const *names, size_t n, size_t *nplan, size_t *bound)
{
	for (size_t k = 0; k < n; k++) {
		(*nplan)++;
		if (!sv->nrouters) {
			(*bound)++;
			continue;
		}
		for (size_t i = 0; i < sv->nrouters; i++)
			if (names[k] && !strcmp(names[k], sv->routers[i]))
				(*bound)++;
	}
}

static void route_gate(fc_step *s, fc_store *st, const fc_service *sv, const fc_gate_settings *g)
{
	size_t nplan = 0, bound = 0;

	if (sv->route[0])
		add_gate(s, "route", 1, fc_asprintf("route: %s", sv->route), fc_asprintf("open (%s)", sv->route));
	else
		add_gate(s, "route", 0, fc_asprintf("route: service has no route (ficus service set %s --route PREFIX)", sv->name),
			 fc_asprintf("closed (no route)"));
	if (g->routers_known) {
		/* the caller's settings: no query per service */
		const cJSON *r;
		size_t n = (size_t)cJSON_GetArraySize(g->routers), k = 0;
		const char **names = fc_calloc(n + 1, sizeof(char *));
		cJSON_ArrayForEach(r, g->routers) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
			names[k++] = cJSON_IsString(name) ? name->valuestring : NULL;
		}
		routers_bound(sv, names, k, &nplan, &bound);
		free(names);
	} else {
		char *doc = fc_store_setting(st, "plan");
		pthread_mutex_lock(&routers_lock);
		routers_load(doc);
		routers_bound(sv, (const char *const *)routers_names, routers_n, &nplan, &bound);
		pthread_mutex_unlock(&routers_lock);
		free(doc);
	}
	if (!nplan && !sv->nrouters)
		add_gate(s, "routers", 1, fc_asprintf("routers: the plan's routers are none (decisions recorded only)"),
			 fc_asprintf("open (routers: none)"));
	else if (bound && (!sv->nrouters || bound == sv->nrouters))
		add_gate(s, "routers", 1, fc_asprintf("routers: bound to %zu router%s", bound, bound == 1 ? "" : "s"),
			 fc_asprintf("open (%zu bound)", bound));
	else
		add_gate(s, "routers", 0, fc_asprintf("routers: the service names routers the plan does not have"),
			 fc_asprintf("closed (unknown router)"));
}

static int next_ramp(const fc_gate_settings *g, int bp)
{
	for (size_t i = 0; i < g->nramp; i++)
		if (g->ramp[i] > bp)
			return g->ramp[i];
	return 10000;
}

static int first_ramp(const fc_gate_settings *g)
{
	return g->nramp ? g->ramp[0] : 10000;
}

static void finish(fc_step *s, const fc_service *sv)
{
	s->open = 1;
	s->opens_at = 0;
	for (size_t i = 0; i < s->ngates; i++) {
		const fc_gate *g = &s->gates[i];
		s->open &= g->open;
		if (g->open || s->opens_at < 0)
			continue;
		if (g->opens <= 0)
			s->opens_at = -1; /* waits for evidence, not time */
		else if (g->opens > s->opens_at)
			s->opens_at = g->opens;
	}
	s->rps_moved = sv->rps * (double)(s->to_bp - s->from_bp) / 10000.0;
}

/* States in order: a phase, then its percentage. */
static long long state_key(fc_phase phase, int bp)
{
	return (long long)phase * 100000 + bp;
}

/*
 * The next forward step of `sv` (no target) and its gates; FC_STEP_NONE
 * with why_none in done.
 */
static void natural_step(fc_step *out, fc_store *st, const fc_service *sv, const fc_gate_settings *g)
{
	switch (sv->phase) {
	case FC_PHASE_PLANNED:
		out->kind = FC_STEP_PHASE;
		out->to_phase = FC_PHASE_DUAL_WRITE;
		out->action = "advance";
		route_gate(out, st, sv, g);
		break;
	case FC_PHASE_DUAL_WRITE:
		out->kind = FC_STEP_PHASE;
		out->to_phase = FC_PHASE_BACKFILL;
		out->action = "advance";
		time_gate(out, "dual_write_min", "dual-write has run", sv->phase_since, g->dual_write_min);
		break;
	case FC_PHASE_BACKFILL:
		/* entering read-cutover sets the first ramp step */
		out->kind = FC_STEP_PHASE;
		out->to_phase = FC_PHASE_READ_CUTOVER;
		out->to_bp = first_ramp(g);
		out->action = "advance";
		reconcile_passes_gate(out, sv, g);
		shadow_gate(out, sv, g);
		needs_gate(out, st, sv);
		break;
	case FC_PHASE_READ_CUTOVER:
		if (sv->bp >= 10000) {
			out->kind = FC_STEP_PHASE;
			out->to_phase = FC_PHASE_DECOMMISSION;
			out->action = "advance";
			out->irreversible = 1;
			time_gate(out, "cutover_soak", "the flag has been at 100% for", sv->step_since, g->cutover_soak);
			reconcile_clean_gate(out, sv, g, sv->step_since, "100% began", 0);
			analysis_gates(out, st, sv, g, sv->step_since);
			break;
		}
		out->kind = FC_STEP_RAMP;
		if (sv->bp == 0) {
			/* paused after a rollback: back to the first step once clean */
			out->action = "resume";
			out->to_bp = first_ramp(g);
			reconcile_clean_gate(out, sv, g, sv->step_since, "the pause began", 1);
			analysis_resume_gates(out, st, sv, sv->step_since);
		} else {
			out->action = "ramp";
			out->to_bp = next_ramp(g, sv->bp);
			time_gate(out, "step_soak", "the step has soaked", sv->step_since, g->step_soak);
			reconcile_clean_gate(out, sv, g, sv->step_since, "the step began", 0);
			analysis_gates(out, st, sv, g, sv->step_since);
		}
		break;
	case FC_PHASE_DECOMMISSION:
		out->kind = FC_STEP_PHASE;
		out->to_phase = FC_PHASE_DONE;
		out->action = "advance";
		out->irreversible = 1;
		break;
	case FC_PHASE_DONE:
	default:
		out->kind = FC_STEP_NONE;
		out->why_none = fc_asprintf("'%s' is done: nothing further", sv->name);
		return;
	}
	if (out->to_phase >= FC_PHASE_DECOMMISSION)
		out->to_bp = 10000;
}

/*
 * A target beyond the next step: walk the steps in between as if each were
 * taken now, and note every state skipped with the gates that would be
 * closed leaving it.
 */
static void note_skipped(fc_step *out, fc_store *st, const fc_service *sv, const fc_gate_settings *g,
			 long long target)
{
	fc_service sim = *sv; /* shallow: only phase, bp and times change */
	fc_buf names = FC_BUF_INIT;
	fc_step next;
	char state[64];

	for (int guard = 0; guard < 64; guard++) {
		memset(&next, 0, sizeof(next));
		next.from_phase = next.to_phase = sim.phase;
		next.from_bp = next.to_bp = sim.bp;
		natural_step(&next, st, &sim, g);
		if (next.kind == FC_STEP_NONE || state_key(next.to_phase, next.to_bp) >= target) {
			fc_step_clear(&next);
			break;
		}
		/* the state reached, entered now: what would close leaving it */
		if (next.to_phase != sim.phase)
			sim.phase_since = fc_now();
		sim.step_since = fc_now();
		sim.phase = next.to_phase;
		sim.bp = next.to_bp;
		fc_step_clear(&next);
		memset(&next, 0, sizeof(next));
		next.from_phase = next.to_phase = sim.phase;
		next.from_bp = next.to_bp = sim.bp;
		natural_step(&next, st, &sim, g);
		{
			fc_buf b = FC_BUF_INIT;
			fc_state_format(state, sizeof(state), sim.phase, sim.bp);
			fc_buf_puts(&b, state);
			fc_buf_puts(&b, ":");
			for (size_t i = 0; i < next.ngates; i++)
				if (!next.gates[i].open)
					fc_buf_printf(&b, "%s %s %s", b.ptr[b.len - 1] == ':' ? "" : ";", next.gates[i].name,
						      next.gates[i].evidence);
			if (b.ptr[b.len - 1] == ':')
				fc_buf_puts(&b, next.irreversible ? " confirmation only" : " no gate closed");
			out->skipped = fc_realloc(out->skipped, (out->nskipped + 1) * sizeof(char *));
			out->skipped[out->nskipped++] = fc_buf_detach(&b);
		}
		fc_buf_printf(&names, "%s%s", names.len ? ", " : "", state);
		fc_step_clear(&next);
	}
	fc_state_format(state, sizeof(state), out->to_phase, out->to_bp);
	add_gate(out, "skip", 0,
		 fc_asprintf("skip: %s would skip %s; take one step at a time (or --force with --reason)", state,
			     names.len ? names.ptr : "a step"),
		 fc_asprintf("closed (skips %s)", names.len ? names.ptr : "a step"));
	fc_buf_free(&names);
}

int fc_gate_step(fc_step *out, fc_store *st, const fc_service *sv, const fc_gate_settings *plan_gates,
		 const char *target)
{
	fc_gate_settings g = *plan_gates;
	fc_phase want_phase = sv->phase;
	int want_bp = -1, rc;
	char cur[64];
	long long want, natural;

	memset(out, 0, sizeof(*out));
	out->from_phase = out->to_phase = sv->phase;
	out->from_bp = out->to_bp = sv->bp;
	if ((rc = fc_gate_settings_apply(&g, sv->gates, "service gates")) < 0)
		return rc;

	if (target) {
		/* for the messages that name the current state */
		fc_state_format(cur, sizeof(cur), sv->phase, sv->bp);
		if (fc_phase_parse(&want_phase, target) < 0) {
			if (fc_pct_parse(&want_bp, target) < 0)
				return fc_error_set(FC_EINVAL, "--to '%.40s' is neither a phase nor a percentage", target);
			want_phase = sv->phase < FC_PHASE_READ_CUTOVER ? FC_PHASE_READ_CUTOVER : sv->phase;
		}
		fc_error_clear();
		if (want_bp >= 0 && sv->phase > FC_PHASE_READ_CUTOVER)
			return fc_error_set(FC_EINVAL, "service '%s' is in '%s': percentages apply in read-cutover",
					    sv->name, fc_phase_name(sv->phase));
		if (want_phase < sv->phase || (want_phase == sv->phase && want_bp >= 0 && want_bp < sv->bp))
			return fc_error_set(FC_EINVAL, "'%s' is at %s: %s is backwards (use 'ficus rollback')",
					    sv->name, cur, target);
		if (want_phase == sv->phase && (want_bp < 0 || want_bp == sv->bp)) {
			out->kind = FC_STEP_NONE;
			out->why_none = fc_asprintf("'%s' is already at %s", sv->name, cur);
			return 0;
		}
		if (want_bp == 0)
			return fc_error_set(FC_EINVAL, "promote to 0%% is not a step forward (use 'ficus rollback')");
	}

	natural_step(out, st, sv, &g);
	if (out->kind == FC_STEP_NONE)
		return 0;
	if (target) {
		/* a phase named alone is entered at its first state */
		if (want_bp < 0)
			want_bp = want_phase == FC_PHASE_READ_CUTOVER ? first_ramp(&g)
				  : want_phase >= FC_PHASE_DECOMMISSION ? 10000 : 0;
		want = state_key(want_phase, want_bp);
		natural = state_key(out->to_phase, out->to_bp);
		if (want < natural && want_phase == out->to_phase) {
			/* a finer step than the next ramp step */
			out->to_bp = want_bp;
		} else if (want > natural) {
			out->to_phase = want_phase;
			out->to_bp = want_bp;
			out->kind = want_phase == sv->phase ? FC_STEP_RAMP : FC_STEP_PHASE;
			out->action = out->kind == FC_STEP_RAMP ? "ramp" : "advance";
			out->irreversible = want_phase >= FC_PHASE_DECOMMISSION;
			note_skipped(out, st, sv, &g, want);
		}
	}
	finish(out, sv);
	return 0;
}

char *fc_step_gates_line(const fc_step *s)
{
	fc_buf b = FC_BUF_INIT;

	for (size_t i = 0; i < s->ngates; i++)
		fc_buf_printf(&b, "%s%s %s", i ? "; " : "", s->gates[i].name, s->gates[i].evidence);
	if (!s->ngates)
		fc_buf_puts(&b, s->irreversible ? "confirmation only" : "none");
	return fc_buf_detach(&b);
}

char *fc_step_closed_line(const fc_step *s)
{
	fc_buf b = FC_BUF_INIT;

	for (size_t i = 0; i < s->ngates; i++)
		if (!s->gates[i].open)
			fc_buf_printf(&b, "%s%s", b.len ? ", " : "", s->gates[i].name);
	return fc_buf_detach(&b);
}
