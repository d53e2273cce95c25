/*
 * The routers' state: the desired rows (service table) and the recorded
 * ones (router_state), and the result types.  No network, no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_store.h"
#include "fc_rconf.h"
#include "fc_rstate.h"
#include "fc_service.h"
#include "fc_settings.h"


int fc_rstate_confs(fc_store *s, fc_router_conf **out, size_t *n)
{
	fc_settings st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_settings_get(s, &st)) < 0)
		return rc;
	rc = fc_rconf_parse(out, n, cJSON_GetObjectItemCaseSensitive(st.doc, "routers"), "settings");
	fc_settings_clear(&st);
	return rc;
}

void fc_rstate_svcs_free(fc_rstate_svc *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].service);
		free(v[i].flag);
		free(v[i].compare);
		for (size_t k = 0; k < v[i].nrouters; k++)
			free(v[i].routers[k]);
		free(v[i].routers);
		fc_tenants_clear(&v[i].pin_in);
		fc_tenants_clear(&v[i].pin_out);
	}
	free(v);
}

/* One row of "SELECT name, flag, bp, shadow, rev, routers, phase, compare FROM service". */
static void svc_from_row(fc_rstate_svc *r, sqlite3_stmt *st)
{
	const char *binding = fc_col_text(st, 5);

	memset(r, 0, sizeof(*r));
	r->service = fc_strdup(fc_col_text(st, 0));
	r->flag = fc_strdup(fc_col_text(st, 1));
	r->bp = sqlite3_column_int(st, 2);
	r->shadow = sqlite3_column_int(st, 3);
	r->rev = sqlite3_column_int64(st, 4);
	if (*fc_col_text(st, 7))
		r->compare = fc_strdup(fc_col_text(st, 7));
	if (!*binding) {
		r->all = 1;
	} else {
		cJSON *arr = cJSON_Parse(binding), *c;
		if (cJSON_IsArray(arr)) {
			r->routers = fc_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
			cJSON_ArrayForEach(c, arr)
				if (cJSON_IsString(c))
					r->routers[r->nrouters++] = fc_strdup(c->valuestring);
		} else if (cJSON_IsString(arr)) {
			r->routers = fc_calloc(1, sizeof(char *));
			r->routers[r->nrouters++] = fc_strdup(arr->valuestring);
		} else {
			r->all = 1; /* unreadable binding: safest is every router */
		}
		cJSON_Delete(arr);
	}
}

/*
 * The pins each row's routers hold now (fc_service_pins_live of its
 * phase and bp), and their digest.  A plan without pins costs one count.
 */
static int load_pins(fc_store *s, fc_rstate_svc *v, size_t n)
{
	sqlite3_stmt *q = NULL;
	int rc, any;

	if ((rc = fc_store_prepare(s, &q, "SELECT EXISTS (SELECT 1 FROM service_pin)")) < 0)
		return rc;
	any = fc_store_step(s, q) == 1 && sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (!any)
		return 0;
	if ((rc = fc_store_prepare(s, &q, "SELECT tenant, side FROM service_pin WHERE service = ? "
				   "ORDER BY side, tenant")) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		fc_service probe;
		int in_live, out_live;
		memset(&probe, 0, sizeof(probe));
		probe.phase = (fc_phase)v[i].phase;
		probe.bp = v[i].bp;
		fc_service_pins_live(&probe, &in_live, &out_live);
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, v[i].service, -1, SQLITE_STATIC);
		while ((rc = fc_store_step(s, q)) == 1) {
			int in = !strcmp(fc_col_text(q, 1), "in");
			if (in ? in_live : out_live)
				fc_tenants_add(in ? &v[i].pin_in : &v[i].pin_out, fc_col_text(q, 0));
		}
		if (rc < 0)
			break;
		v[i].pin_crc = fc_pins_digest(v[i].pin_in.v, v[i].pin_in.n, v[i].pin_out.v, v[i].pin_out.n);
	}
	sqlite3_finalize(q);
	return rc < 0 ? rc : 0;
}

/*
 * The services (all, or with `names`, those whose flag or name is one of
 * them: a change pushes a flag or two, and must not read five thousand).
 */
int fc_rstate_load_named(fc_store *s, fc_rstate_svc **out, size_t *n, const char *const *names, size_t nnames)
{
	sqlite3_stmt *st = NULL;
	fc_rstate_svc *v = NULL;
	size_t k = 0, cap = 0, next = 0;
	fc_phase phase = FC_PHASE_PLANNED;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_prepare(s, &st, names ?
		"SELECT name, flag, bp, shadow, rev, routers, phase, compare FROM service WHERE flag = ?1 OR name = ?1" :
		"SELECT name, flag, bp, shadow, rev, routers, phase, compare FROM service ORDER BY flag")) < 0)
		return rc;
	if (names) {
		if (!nnames)
			goto done;
		sqlite3_bind_text(st, 1, names[next++], -1, SQLITE_STATIC);
	}
	for (;;) {
		if ((rc = fc_store_step(s, st)) != 1) {
			if (rc == 0 && names && next < nnames) {
				sqlite3_reset(st);
				sqlite3_bind_text(st, 1, names[next++], -1, SQLITE_STATIC);
				continue;
			}
			break;
		}
		for (size_t i = 0; names && i < k; i++)
			if (!strcmp(v[i].service, fc_col_text(st, 0)))
				goto next_row; /* named twice */
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			v = fc_realloc(v, cap * sizeof(*v));
		}
		svc_from_row(&v[k], st);
		fc_phase_parse(&phase, fc_col_text(st, 6));
		v[k++].phase = (int)phase;
next_row:;
	}
done:
	sqlite3_finalize(st);
	if (rc >= 0)
		rc = load_pins(s, v, k);
	if (rc < 0) {
		fc_rstate_svcs_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

int fc_rstate_load(fc_store *s, fc_rstate_svc **out, size_t *n)
{
	return fc_rstate_load_named(s, out, n, NULL, 0);
}

int fc_rstate_is_bound(const fc_rstate_svc *v, const char *router)
{
	if (v->all)
		return 1;
	for (size_t i = 0; i < v->nrouters; i++)
		if (!strcmp(v->routers[i], router))
			return 1;
	return 0;
}

/* Mark the selected services; names are flags or service names. */
int fc_rstate_select(fc_rstate_svc *v, size_t n, const char *const *names, size_t nnames, int strict)
{
	if (!names || !nnames) {
		for (size_t i = 0; i < n; i++)
			v[i].selected = 1;
		return 0;
	}
	for (size_t k = 0; k < nnames; k++) {
		int found = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].flag, names[k]) || !strcmp(v[i].service, names[k])) {
				v[i].selected = 1;
				found = 1;
			}
		if (!found && strict) {
			char *shown = fc_sanitize(names[k], 0);
			int rc = fc_error_set(FC_ENOTFOUND, "no service has the flag or name '%.60s'", shown);
			free(shown);
			return rc;
		}
	}
	return 0;
}

/* ---- results ---- */

void fc_rstate_result_clear(fc_router_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nreplicas; i++) {
		fc_router_replica_result *x = &r->replicas[i];
		free(x->router);
		free(x->replica);
		free(x->driver);
		free(x->error);
		for (size_t k = 0; k < x->nextra; k++)
			free(x->extra[k]);
		free(x->extra);
	}
	free(r->replicas);
	for (size_t i = 0; i < r->nflags; i++) {
		fc_router_flag_state *f = &r->flags[i];
		free(f->router);
		free(f->replica);
		free(f->flag);
		free(f->service);
		free(f->error);
	}
	free(r->flags);
	free(r->report);
	free(r->calls);
	memset(r, 0, sizeof(*r));
}

fc_router_flag_state *fc_rstate_add_flag(fc_router_result *res, size_t *cap)
{
	fc_router_flag_state *f;

	if (res->nflags == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		res->flags = fc_realloc(res->flags, *cap * sizeof(*res->flags));
	}
	f = &res->flags[res->nflags++];
	memset(f, 0, sizeof(*f));
	f->seen_rev = -1;
	return f;
}

static int state_rank(const char *s)
{
	if (!strcmp(s, "synced"))
		return 0;
	if (!strcmp(s, "newer"))
		return 1;
	if (!strcmp(s, "pending"))
		return 2;
	if (!strcmp(s, "drift"))
		return 3;
	return 4; /* unreachable */
}

void fc_rstate_count(fc_router_replica_result *x, const char *state)
{
	x->nflags++;
	if (!strcmp(state, "synced"))
		x->nsynced++;
	else if (!strcmp(state, "newer"))
		x->nnewer++;
	else if (!strcmp(state, "pending"))
		x->npending++;
	else if (!strcmp(state, "drift"))
		x->ndrift++;
	else
		x->nunreachable++;
	if (state_rank(state) > state_rank(x->state))
		snprintf(x->state, sizeof(x->state), "%s", state);
}

/* ---- the state table ---- */

int fc_rstate_store(fc_store *s, sqlite3_stmt **st, const fc_router_flag_state *f)
{
	sqlite3_stmt *q;
	int rc;

	if (!*st && (rc = fc_store_prepare(s, st,
		"INSERT INTO router_state (router, replica, flag, want_bp, want_shadow, want_rev, "
		"seen_bp, seen_shadow, seen_rev, state, error, attempts, updated) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
		"ON CONFLICT (router, replica, flag) DO UPDATE SET want_bp = excluded.want_bp, "
		"want_shadow = excluded.want_shadow, want_rev = excluded.want_rev, seen_bp = excluded.seen_bp, "
		"seen_shadow = excluded.seen_shadow, seen_rev = excluded.seen_rev, state = excluded.state, "
		"error = excluded.error, attempts = excluded.attempts, updated = excluded.updated")) < 0)
		return rc;
	q = *st;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	sqlite3_bind_text(q, 1, f->router, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, f->replica, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, f->flag, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, f->want_bp);
	sqlite3_bind_int(q, 5, f->want_shadow);
	sqlite3_bind_int64(q, 6, f->want_rev);
	if (f->seen) {
		sqlite3_bind_int(q, 7, f->seen_bp);
		sqlite3_bind_int(q, 8, f->seen_shadow);
		if (f->seen_rev >= 0)
			sqlite3_bind_int64(q, 9, f->seen_rev);
	}
	sqlite3_bind_text(q, 10, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, f->error ? f->error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 12, f->attempts);
	sqlite3_bind_int64(q, 13, (long long)f->updated);
	rc = fc_store_step(s, q);
	return rc < 0 ? rc : 0;
}

/* Drop rows of routers, replicas and flags the settings and services no longer have. */
int fc_rstate_prune(fc_store *s, const fc_router_conf *confs, size_t nconfs, const fc_rstate_svc *v, size_t nv)
{
	sqlite3_stmt *st = NULL;
	char **dead = NULL;
	size_t ndead = 0, k;
	int rc;

	if ((rc = fc_store_prepare(s, &st, "SELECT router, replica, flag FROM router_state")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		const char *router = fc_col_text(st, 0), *replica = fc_col_text(st, 1), *flag = fc_col_text(st, 2);
		const fc_router_conf *c = NULL;
		int keep = 0;
		for (k = 0; k < nconfs && !c; k++)
			if (!strcmp(confs[k].name, router))
				c = &confs[k];
		if (c) {
			for (k = 0; k < c->nreplicas && !keep; k++)
				keep = !strcmp(c->replicas[k], replica);
			if (keep) {
				keep = 0;
				for (k = 0; k < nv && !keep; k++)
					keep = !strcmp(v[k].flag, flag) && fc_rstate_is_bound(&v[k], router);
			}
		}
		if (!keep) {
			dead = fc_realloc(dead, (ndead + 3) * sizeof(char *));
			dead[ndead++] = fc_strdup(router);
			dead[ndead++] = fc_strdup(replica);
			dead[ndead++] = fc_strdup(flag);
		}
	}
	sqlite3_finalize(st);
	for (k = 0; rc == 0 && k < ndead; k += 3)
		rc = fc_store_exec(s, "DELETE FROM router_state WHERE router = ? AND replica = ? AND flag = ?",
				   "sss", dead[k], dead[k + 1], dead[k + 2]);
	for (k = 0; k < ndead; k++)
		free(dead[k]);
	free(dead);
	return rc;
}

/*
 * The recorded state of one (router, replica, flag) judged against the
 * plan, from a row of ROW_COLUMNS (q positioned on it), or NULL: no row.
 */
#define ROW_COLUMNS "want_bp, want_shadow, want_rev, seen_bp, seen_shadow, seen_rev, state, error, attempts, updated"

static void judge_row(sqlite3_stmt *q, fc_router_flag_state *f)
{
	snprintf(f->state, sizeof(f->state), "pending");
	if (!q) {
		f->error = fc_strdup("never pushed to this replica");
		return;
	}
	if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		f->seen = 1;
		f->seen_bp = sqlite3_column_int(q, 3);
		f->seen_shadow = sqlite3_column_int(q, 4);
		f->seen_rev = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 5);
	}
	f->attempts = sqlite3_column_int(q, 8);
	f->updated = sqlite3_column_int64(q, 9);
	if (sqlite3_column_int(q, 0) != f->want_bp || sqlite3_column_int(q, 1) != f->want_shadow ||
	    sqlite3_column_int64(q, 2) != f->want_rev) {
		f->error = fc_asprintf("the plan changed since the last push (revision %lld, last pushed %lld)",
				       f->want_rev, (long long)sqlite3_column_int64(q, 2));
		return;
	}
	snprintf(f->state, sizeof(f->state), "%s", fc_col_text(q, 6));
	f->error = fc_strdup(fc_col_text(q, 7));
}

/*
 * Judge every wanted flag of one job from the table: one indexed scan of
 * the replica's rows merged with the wants when they are in flag order,
 * else one lookup per flag.
 */
int fc_rstate_judge_rows(fc_store *s, const fc_router_job *j, int sorted, fc_router_flag_state *const *fs)
{
	sqlite3_stmt *q = NULL;
	int rc, have = 0;

	if (sorted) {
		if ((rc = fc_store_preparef(s, &q, "SELECT " ROW_COLUMNS ", flag FROM router_state "
					    "WHERE router = ? AND replica = ? ORDER BY flag", "ss", j->r->name, j->replica)) < 0)
			return rc;
		have = sqlite3_step(q) == SQLITE_ROW;
		for (size_t k = 0; k < j->nwant; k++) {
			int c = 1;
			while (have && (c = strcmp(fc_col_text(q, 10), j->want[k].flag)) < 0)
				have = sqlite3_step(q) == SQLITE_ROW;
			judge_row(have && c == 0 ? q : NULL, fs[k]);
		}
	} else {
		if ((rc = fc_store_prepare(s, &q, "SELECT " ROW_COLUMNS " FROM router_state "
					   "WHERE router = ? AND replica = ? AND flag = ?")) < 0)
			return rc;
		for (size_t k = 0; k < j->nwant; k++) {
			sqlite3_reset(q);
			sqlite3_bind_text(q, 1, j->r->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, j->replica, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, j->want[k].flag, -1, SQLITE_STATIC);
			judge_row(sqlite3_step(q) == SQLITE_ROW ? q : NULL, fs[k]);
		}
	}
	sqlite3_finalize(q);
	return 0;
}

void fc_rstate_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fc_rstate_users(fc_store *s, const char *router, char **out)
{
	fc_rstate_svc *svcs = NULL;
	size_t nsvcs = 0;
	fc_buf users = FC_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = fc_rstate_load(s, &svcs, &nsvcs)) < 0)
		return rc;
	for (size_t i = 0; i < nsvcs; i++)
		if (!svcs[i].all && fc_rstate_is_bound(&svcs[i], router))
			fc_buf_printf(&users, "%s'%s'", users.len ? ", " : "", svcs[i].service);
	fc_rstate_svcs_free(svcs, nsvcs);
	*out = fc_buf_detach(&users);
	return 0;
}

int fc_rstate_forget(fc_store *s, const char *router)
{
	int rc = fc_store_exec(s, "DELETE FROM router_state WHERE router = ?", "s", router);

	return rc < 0 ? rc : 0;
}
