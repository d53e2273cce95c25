/*
 * gate-open events: the next gate of every service, as fc_gate_step (the
 * one gate function) judges it, compared with what was last seen.
 * Reads in one read transaction, then writes what changed in one write
 * transaction: a gate never opens twice for the same step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_json.h"
#include "fc_notify.h"
#include "fc_notify_gate.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_store.h"

typedef struct {
	char *service;
	char step[64];
	char from[64];
	char *gates;
	int open;
} seen;

typedef struct {
	fc_plan *p;
	const fc_settings *set;
	seen *v;
	size_t n;
} walk;

static int judge_one(fc_service *sv, void *ctx)
{
	walk *w = ctx;
	fc_step st;
	seen *s;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = fc_gate_step(&st, fc_plan_store(w->p), sv, &w->set->gates, NULL)) < 0)
		return rc;
	w->v = fc_realloc(w->v, (w->n + 1) * sizeof(*w->v));
	s = &w->v[w->n++];
	memset(s, 0, sizeof(*s));
	s->service = fc_strdup(sv->name);
	if (st.kind == FC_STEP_NONE) {
		snprintf(s->step, sizeof(s->step), "-");
	} else {
		fc_state_format(s->step, sizeof(s->step), st.to_phase, st.to_bp);
		fc_state_format(s->from, sizeof(s->from), st.from_phase, st.from_bp);
		s->open = st.open;
		s->gates = fc_step_gates_line(&st);
	}
	fc_step_clear(&st);
	return 0;
}

/* Whether some webhook wants gate-open events. */
static int wanted(const fc_settings *set)
{
	fc_webhook *hooks = NULL;
	size_t n = 0;
	int want = 0;

	if (fc_webhooks_parse(&hooks, &n, cJSON_GetObjectItemCaseSensitive(set->doc, "webhooks"), "settings") < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		want |= (hooks[i].events & FC_EVENT_GATE_OPEN) != 0;
	fc_webhooks_free(hooks, n);
	return want;
}

int fc_notify_gates(fc_plan *p, int *opened)
{
	fc_store *s = fc_plan_store(p);
	fc_settings set;
	walk w = { p, &set, NULL, 0 };
	sqlite3_stmt *q = NULL;
	int rc, n = 0;

	if (opened)
		*opened = 0;
	if (!s || (rc = fc_settings_get(s, &set)) < 0) {
		fc_error_clear();
		return 0;
	}
	if (!wanted(&set)) {
		fc_settings_clear(&set);
		return 0;
	}
	rc = fc_service_each(p, 1, judge_one, &w);
	if (rc >= 0 && (rc = fc_store_begin(s, 1)) >= 0) {
		for (size_t i = 0; rc >= 0 && i < w.n; i++) {
			seen *v = &w.v[i];
			int had = 0, was_open = 0, same_step = 0;
			if ((rc = fc_store_preparef(s, &q, "SELECT open, step FROM notify_gate WHERE service = ?", "s",
						    v->service)) < 0)
				break;
			if (fc_store_step(s, q) == 1) {
				had = 1;
				was_open = sqlite3_column_int(q, 0);
				same_step = !strcmp(fc_col_text(q, 1), v->step);
			}
			sqlite3_finalize(q);
			if (had && same_step && was_open == v->open)
				continue;
			if (had && v->open && (!was_open || !same_step)) {
				cJSON *d = fc_json_obj();
				char *text = fc_asprintf("%s: the gate to %s is open (%s)", v->service, v->step,
							 v->gates ? v->gates : "");
				fc_json_add_str(d, "action", "gate-open");
				fc_json_add_str(d, "from", v->from);
				fc_json_add_str(d, "to", v->step);
				fc_json_add_str(d, "gates", v->gates ? v->gates : "");
				rc = fc_notify_emit(s, "gate-open", v->service, NULL, text, d);
				cJSON_Delete(d);
				free(text);
				n++;
			}
			if (rc >= 0)
				rc = fc_store_exec(s, "INSERT INTO notify_gate (service, open, step) VALUES (?, ?, ?) "
						   "ON CONFLICT (service) DO UPDATE SET open = excluded.open, step = excluded.step",
						   "sis", v->service, v->open, v->step);
		}
		/* services that are gone */
		if (rc >= 0)
			rc = fc_store_exec(s, "DELETE FROM notify_gate WHERE service NOT IN (SELECT name FROM service)", NULL);
		if (rc < 0)
			fc_store_rollback(s);
		else
			rc = fc_store_commit(s);
	}
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].service);
		free(w.v[i].gates);
	}
	free(w.v);
	fc_settings_clear(&set);
	if (rc < 0)
		return rc;
	if (opened)
		*opened = n;
	if (n)
		fc_notify_kick(p);
	return 0;
}
