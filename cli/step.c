/*
 * Presenting a step and its gates (promote, status, dry runs).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_json.h"
#include "fc_clock.h"
#include "fc_life.h"
#include "fc_name.h"

cJSON *cli_step_json(const fc_step *st)
{
	cJSON *o = fc_json_obj(), *gates = fc_json_arr();
	char to[64];

	fc_json_add_str(o, "kind", st->kind == FC_STEP_NONE ? "none" : st->kind == FC_STEP_RAMP ? "ramp" : "phase");
	if (st->kind == FC_STEP_NONE) {
		fc_json_add_str(o, "note", st->why_none ? st->why_none : "");
		return (cJSON_Delete(gates), o);
	}
	fc_state_format(to, sizeof(to), st->to_phase, st->to_bp);
	fc_json_add_str(o, "action", st->action ? st->action : "");
	fc_json_add_str(o, "to", to);
	fc_json_add_str(o, "to_phase", fc_phase_name(st->to_phase));
	fc_json_add_num(o, "to_bp", st->to_bp);
	fc_json_add_bool(o, "open", st->open);
	fc_json_add_bool(o, "irreversible", st->irreversible);
	fc_json_add_num(o, "rps_moved", st->rps_moved);
	for (size_t i = 0; i < st->ngates; i++) {
		cJSON *g = fc_json_obj();
		fc_json_add_str(g, "name", st->gates[i].name);
		fc_json_add_bool(g, "open", st->gates[i].open);
		fc_json_add_str(g, "reason", st->gates[i].reason);
		fc_json_add_str(g, "evidence", st->gates[i].evidence);
		fc_json_push(gates, g);
	}
	fc_json_add(o, "gates", gates);
	return o;
}

void cli_step_print(FILE *f, const fc_step *st, const char *indent)
{
	char from[64], to[64];

	if (st->kind == FC_STEP_NONE) {
		fprintf(f, "%snext: none (%s)\n", indent, st->why_none ? st->why_none : "");
		return;
	}
	fc_state_format(from, sizeof(from), st->from_phase, st->from_bp);
	fc_state_format(to, sizeof(to), st->to_phase, st->to_bp);
	fprintf(f, "%snext: %s -> %s%s, gates %s\n", indent, from, to, st->irreversible ? " (irreversible)" : "",
		st->open ? "open" : "CLOSED");
	for (size_t i = 0; i < st->ngates; i++)
		fprintf(f, "%s  [%s] %s\n", indent, st->gates[i].open ? "open" : "CLOSED", st->gates[i].reason);
	if (st->rps_moved != 0)
		fprintf(f, "%s  traffic: %+.0f req/s to the new service\n", indent, st->rps_moved);
	if (!st->open) {
		char when[96];
		cli_step_opens(when, sizeof(when), st);
		fprintf(f, "%s  opens: %s\n", indent, when);
	}
}

void cli_step_opens(char *buf, size_t size, const fc_step *st)
{
	char at[32], in[32];

	if (st->kind == FC_STEP_NONE)
		snprintf(buf, size, "-");
	else if (st->opens_at == 0 || st->open)
		snprintf(buf, size, "now");
	else if (st->opens_at < 0) {
		char *closed = fc_step_closed_line(st);
		snprintf(buf, size, "when the evidence is in (closed: %s)", closed);
		free(closed);
	}
	else {
		fc_time_format(at, sizeof(at), st->opens_at);
		fc_duration_format(in, sizeof(in), st->opens_at > fc_now() ? st->opens_at - fc_now() : 0);
		snprintf(buf, size, "%s (in %s)", at, in);
	}
}

void cli_next_after(struct cli *c, fc_plan *p, const char *service)
{
	fc_step st;
	char to[64], when[96];

	if (!c->tty || c->json || c->quiet || c->w.dry_run)
		return;
	if (fc_next_step(p, service, &st) < 0) {
		fc_error_clear();
		return;
	}
	if (st.kind == FC_STEP_NONE) {
		printf("next: none (%s)\n", st.why_none ? st.why_none : "");
	} else {
		fc_state_format(to, sizeof(to), st.to_phase, st.to_bp);
		cli_step_opens(when, sizeof(when), &st);
		if (st.open)
			printf("next: %s, gates open now ('ficus promote %s')\n", to, service);
		else
			printf("next: %s, gates open %s\n", to, when);
	}
	fc_step_clear(&st);
}
