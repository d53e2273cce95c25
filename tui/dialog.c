/*
 * Action dialogs: promote, rollback, shadow, run checks, record a check;
 * and the service picker that makes rollback reachable from anywhere.
 *
 * A dialog shows what core says the action would do: the step and its
 * gates from fc_gate_step() (promote), or the same call as a dry run
 * (rollback, shadow): the effect before and after, the traffic moved, the
 * equivalent CLI command, and asks for the reason that becomes the commit
 * message.  Confirming queues the very call the CLI verb makes, with the
 * same fc_write_opts (the typed reason, force and yes as chosen).
 *
 * Enter does what the highlighted button says.  Cancel is highlighted
 * until a reason is typed: Enter on a fresh dialog, or on Cancel, cancels.
 * With a reason typed, Enter confirms; a closed gate then still refuses
 * unless "force" is ticked, an irreversible step unless the service name
 * is typed.  Esc always cancels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_name.h"
#include "fc_repo.h"
#include "tui.h"

static void dlg_free(dialog *g)
{
	if (!g)
		return;
	free(g->service);
	free(g->title);
	free(g->verb);
	fc_step_clear(&g->st);
	free(g->from);
	free(g->to);
	free(g->traffic);
	free(g->note);
	free(g->blocked);
	free(g->expect);
	for (size_t i = 0; i < g->nchecks; i++)
		free(g->checks[i]);
	free(g->checks);
	free(g->msg);
	free(g);
}

void dialog_close(dash *d)
{
	dlg_free(d->dlg);
	d->dlg = NULL;
}

static void dlg_msg(dialog *g, int bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void dlg_msg(dialog *g, int bad, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(g->msg);
	g->msg = fc_strdup(buf);
	g->msg_bad = bad;
}

/* The effect of a dry run: Ficus-From, Ficus-To, Ficus-Traffic of its message. */
static void effect_from_dry_run(dialog *g, const fc_outcome *o)
{
	fc_commit_info ci;
	const char *v;

	memset(&ci, 0, sizeof(ci));
	if (!o->message || fc_commit_parse_message(&ci, o->message) < 0) {
		fc_error_clear();
		return;
	}
	if ((v = fc_commit_trailer(&ci, "Ficus-From")))
		g->from = fc_strdup(v);
	if ((v = fc_commit_trailer(&ci, "Ficus-To")))
		g->to = fc_strdup(v);
	if ((v = fc_commit_trailer(&ci, "Ficus-Traffic")))
		g->traffic = fc_strdup(v);
	fc_commit_info_clear(&ci);
}

static int dry_run(dash *d, dialog *g, int force, fc_outcome *o)
{
	fc_write_opts w = FC_WRITE_OPTS_INIT;

	w.dry_run = 1;
	w.actor = d->opts->actor;
	w.force = force;
	memset(o, 0, sizeof(*o));
	if (g->kind == DLG_ROLLBACK)
		return fc_rollback(d->p, g->service, NULL, &w, o);
	return fc_shadow(d->p, g->service, g->shadow_on, &w, o);
}

static void add_checks(dialog *g, const cJSON *obj, const char *where)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, obj)
	{
		const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(c, "command");
		int dup = 0;
		for (size_t i = 0; i < g->nchecks; i++)
			dup |= !strncmp(g->checks[i], c->string, strlen(c->string)) && g->checks[i][strlen(c->string)] == ':';
		if (dup)
			continue;
		g->checks = fc_realloc(g->checks, (g->nchecks + 1) * sizeof(char *));
		g->checks[g->nchecks++] = fc_asprintf("%s: %s (%s)", c->string,
						      cJSON_IsString(cmd) ? cmd->valuestring : "?", where);
	}
}

static void set_fields(dialog *g)
{
	g->nfields = 0;
	if (g->blocked) {
		g->fields[g->nfields++] = FLD_CANCEL;
		g->focus = 0;
		return;
	}
	if (g->kind == DLG_CHECK_RECORD) {
		g->fields[g->nfields++] = FLD_CHECK;
		g->fields[g->nfields++] = FLD_RESULT;
		g->fields[g->nfields++] = FLD_DETAIL;
	}
	g->fields[g->nfields++] = FLD_REASON;
	if (g->closed || g->force_needed)
		g->fields[g->nfields++] = FLD_FORCE;
	if (g->irreversible)
		g->fields[g->nfields++] = FLD_CONFIRM;
	g->fields[g->nfields++] = FLD_CANCEL;
	g->fields[g->nfields++] = FLD_OK;
	/* start in the first field: the reason (check record: the check's name) */
	g->focus = 0;
}

void dialog_open(dash *d, dlg_kind kind, const char *service)
{
	dialog *g;
	fc_service sv;
	int rc;

	if (bg_busy(d)) {
		dash_status(d, 1, "busy: the previous action is still running; wait for its result");
		return;
	}
	memset(&sv, 0, sizeof(sv));
	if ((rc = fc_service_get(d->p, service, &sv)) < 0) {
		dash_status(d, 1, "%s", fc_error_last());
		fc_error_clear();
		return;
	}
	g = fc_calloc(1, sizeof(*g));
	g->kind = kind;
	g->service = fc_strdup(service);
	g->pass = 1;
	switch (kind) {
	case DLG_PROMOTE: {
		char from[64], to[64];
		g->title = fc_asprintf("promote '%s'", service);
		g->verb = fc_strdup("Promote");
		/* the answer fc_promote will act on: fresh settings, fresh service */
		if (fc_next_step_of(d->p, &sv, NULL, &g->st) < 0) {
			g->blocked = fc_strdup(fc_error_last());
			break;
		}
		g->have_step = 1;
		if (g->st.kind == FC_STEP_NONE) {
			g->blocked = fc_asprintf("nothing further: %s", g->st.why_none ? g->st.why_none : "done");
			break;
		}
		fc_state_format(from, sizeof(from), g->st.from_phase, g->st.from_bp);
		fc_state_format(to, sizeof(to), g->st.to_phase, g->st.to_bp);
		g->from = fc_strdup(from);
		g->to = fc_strdup(to);
		g->expect = fc_strdup(from);
		g->closed = !g->st.open;
		g->irreversible = g->st.irreversible;
		g->traffic = g->st.rps_moved != 0
				     ? fc_asprintf("%+.0f req/s %s the new service", g->st.rps_moved,
						   g->st.rps_moved > 0 ? "to" : "away from")
				     : fc_strdup("0 req/s: no live traffic changes side");
		if (g->st.kind == FC_STEP_RAMP)
			g->note = fc_asprintf("ramp step inside read-cutover (%s)", g->st.action ? g->st.action : "ramp");
		break;
	}
	case DLG_ROLLBACK:
	case DLG_SHADOW: {
		fc_outcome o;
		if (kind == DLG_ROLLBACK) {
			g->title = fc_asprintf("roll back '%s'", service);
			g->verb = fc_strdup("Roll back");
		} else {
			g->shadow_on = !sv.shadow;
			g->title = fc_asprintf("shadow %s for '%s'", g->shadow_on ? "on" : "off", service);
			g->verb = fc_asprintf("Shadow %s", g->shadow_on ? "on" : "off");
		}
		rc = dry_run(d, g, 0, &o);
		if (rc < 0 && kind == DLG_ROLLBACK && sv.phase == FC_PHASE_DECOMMISSION) {
			/* a one-way door: show what a forced rollback does */
			char *why = fc_strdup(fc_error_last());
			fc_outcome_clear(&o);
			rc = dry_run(d, g, 1, &o);
			if (rc == 0) {
				g->force_needed = 1;
				g->note = why;
				why = NULL;
			}
			free(why);
		}
		if (rc < 0)
			g->blocked = fc_strdup(fc_error_last());
		else if (o.noop)
			g->blocked = fc_asprintf("nothing to do: %s", o.note ? o.note : "already so");
		else
			effect_from_dry_run(g, &o);
		fc_outcome_clear(&o);
		if (!g->traffic && kind == DLG_ROLLBACK && !g->blocked)
			g->traffic = fc_strdup("0 req/s: no live traffic changes side");
		break;
	}
	case DLG_CHECK_RUN:
		g->title = fc_asprintf("run the checks of '%s'", service);
		g->verb = fc_strdup("Run checks");
		add_checks(g, sv.checks, "service");
		if (d->m.have_set)
			add_checks(g, cJSON_GetObjectItemCaseSensitive(d->m.set.doc, "checks"), "plan");
		if (!g->nchecks)
			g->blocked = fc_asprintf("no check command is configured for '%s' "
						 "(ficus service set %s --check NAME=COMMAND)",
						 service, service);
		break;
	case DLG_CHECK_RECORD: {
		fc_gate_settings gs = d->m.set.gates;
		g->title = fc_asprintf("record a check for '%s'", service);
		g->verb = fc_strdup("Record");
		if (sv.gates)
			fc_gate_settings_apply(&gs, sv.gates, "service");
		edit_set(&g->check, gs.reconcile_check[0] ? gs.reconcile_check : "reconcile");
		break;
	}
	}
	fc_error_clear();
	fc_service_clear(&sv);
	set_fields(g);
	dialog_close(d);
	d->dlg = g;
	free(d->last_service);
	d->last_service = fc_strdup(service);
}

/* ---- the equivalent command, as the CLI would take it ---- */

static char *equivalent(dash *d, dialog *g)
{
	fc_buf b = FC_BUF_INIT;
	char *reason = edit_text(&g->reason), *q;

	fc_buf_puts(&b, "ficus ");
	if (d->opts->actor) {
		q = dash_shquote(d->opts->actor);
		fc_buf_printf(&b, "--actor %s ", q);
		free(q);
	}
	q = dash_shquote(g->service);
	switch (g->kind) {
	case DLG_PROMOTE:
		fc_buf_printf(&b, "promote %s", q);
		if (g->expect) {
			char *e = dash_shquote(g->expect);
			fc_buf_printf(&b, " --expect %s", e);
			free(e);
		}
		if (g->force)
			fc_buf_puts(&b, " --force");
		if (g->irreversible)
			fc_buf_puts(&b, " --yes");
		break;
	case DLG_ROLLBACK:
		fc_buf_printf(&b, "rollback %s%s", q, g->force ? " --force" : "");
		break;
	case DLG_SHADOW:
		fc_buf_printf(&b, "shadow %s %s", q, g->shadow_on ? "on" : "off");
		break;
	case DLG_CHECK_RUN:
		fc_buf_printf(&b, "check run %s", q);
		break;
	case DLG_CHECK_RECORD: {
		char *c = edit_text(&g->check), *cq = dash_shquote(*c ? c : "NAME");
		char *det = edit_text(&g->detail);
		fc_buf_printf(&b, "check record %s %s %s", q, cq, g->pass ? "--pass" : "--fail");
		if (*det) {
			char *dq = dash_shquote(det);
			fc_buf_printf(&b, " --detail %s", dq);
			free(dq);
		}
		free(c);
		free(cq);
		free(det);
		break;
	}
	}
	free(q);
	if (*reason) {
		q = dash_shquote(reason);
		fc_buf_printf(&b, " -m %s", q);
		free(q);
	} else {
		fc_buf_puts(&b, " -m REASON");
	}
	free(reason);
	return fc_buf_detach(&b);
}

/* ---- keys ---- */

static int reason_typed(const dialog *g)
{
	for (size_t i = 0; i < g->reason.len; i++)
		if (!iswspace((wint_t)g->reason.buf[i]))
			return 1;
	return 0;
}

/*
 * What Enter does now: FLD_OK only on the action button, FLD_CANCEL on
 * Cancel, 0 in a field (it moves to the buttons, on Cancel).  No run of
 * printable keys and Enter confirms: reaching the action takes Tab, Down
 * or Right, none of which is typed into a field.
 */
static int enter_target(const dialog *g)
{
	int f = g->fields[g->focus];
	if (g->blocked || f == FLD_CANCEL)
		return FLD_CANCEL;
	return f == FLD_OK ? FLD_OK : 0;
}

static void focus_on(dialog *g, int field)
{
	for (int i = 0; i < g->nfields; i++)
		if (g->fields[i] == field)
			g->focus = i;
}

static void cancel(dash *d)
{
	dialog_close(d);
	dash_status(d, 0, "cancelled: nothing changed");
}

static void confirm(dash *d)
{
	dialog *g = d->dlg;
	job *j;
	char *reason;

	if (!reason_typed(g)) {
		dlg_msg(g, 1, "type a reason first: it becomes the commit message");
		for (int i = 0; i < g->nfields; i++)
			if (g->fields[i] == FLD_REASON)
				g->focus = i;
		return;
	}
	if (g->kind == DLG_PROMOTE && g->closed && !g->force) {
		const char *why = "";
		for (size_t i = 0; i < g->st.ngates; i++)
			if (!g->st.gates[i].open) {
				why = g->st.gates[i].reason;
				break;
			}
		dlg_msg(g, 1, "nothing changed: gate closed (%s); to pass it tick 'force' (the commit records it)", why);
		return;
	}
	if (g->force_needed && !g->force) {
		dlg_msg(g, 1, "nothing changed: %s; tick 'force' to roll back anyway", g->note ? g->note : "needs force");
		return;
	}
	if (g->irreversible) {
		char *typed = edit_text(&g->confirm);
		int ok = !strcmp(typed, g->service);
		free(typed);
		if (!ok) {
			dlg_msg(g, 1, "irreversible (only a forced rollback undoes it): type '%s' to confirm", g->service);
			for (int i = 0; i < g->nfields; i++)
				if (g->fields[i] == FLD_CONFIRM)
					g->focus = i;
			return;
		}
	}
	reason = edit_text(&g->reason);
	j = fc_calloc(1, sizeof(*j));
	j->service = fc_strdup(g->service);
	j->reason = reason;
	j->actor = d->opts->actor ? fc_strdup(d->opts->actor) : NULL;
	j->force = g->force;
	j->yes = g->irreversible; /* the typed name is the confirmation */
	switch (g->kind) {
	case DLG_PROMOTE:
		j->kind = JOB_PROMOTE;
		j->expect = g->expect ? fc_strdup(g->expect) : NULL;
		j->title = fc_asprintf("promote '%s' %s -> %s", g->service, g->from, g->to);
		break;
	case DLG_ROLLBACK:
		j->kind = JOB_ROLLBACK;
		j->title = fc_asprintf("rollback '%s' %s -> %s", g->service, g->from ? g->from : "?", g->to ? g->to : "?");
		break;
	case DLG_SHADOW:
		j->kind = JOB_SHADOW;
		j->on = g->shadow_on;
		j->title = fc_asprintf("shadow %s for '%s'", g->shadow_on ? "on" : "off", g->service);
		break;
	case DLG_CHECK_RUN:
		j->kind = JOB_CHECK_RUN;
		j->title = fc_asprintf("checks of '%s'", g->service);
		break;
	case DLG_CHECK_RECORD: {
		char *c = edit_text(&g->check);
		if (fc_name_check("check", c) < 0) {
			dlg_msg(g, 1, "%s", fc_error_last());
			fc_error_clear();
			free(c);
			job_free(j);
			return;
		}
		j->kind = JOB_CHECK_RECORD;
		j->check = c;
		j->pass = g->pass;
		j->detail = edit_text(&g->detail);
		j->title = fc_asprintf("check '%s' %s for '%s'", c, g->pass ? "pass" : "fail", g->service);
		break;
	}
	}
	if (bg_submit(d, j) < 0) {
		job_free(j);
		dlg_msg(g, 1, "busy: the previous action is still running");
		return;
	}
	dash_status(d, 0, "working: %s%s", j->title, draw_syms()->ellipsis);
	dialog_close(d);
}

void dialog_key(dash *d, dash_action a, dkey k)
{
	dialog *g = d->dlg;
	int f = g->fields[g->focus];
	line_edit *e = f == FLD_REASON ? &g->reason : f == FLD_CONFIRM ? &g->confirm : f == FLD_CHECK ? &g->check
		     : f == FLD_DETAIL ? &g->detail : NULL;

	switch (a) {
	case DA_D_CANCEL:
		cancel(d);
		return;
	case DA_D_NEXT:
		g->focus = (g->focus + 1) % g->nfields;
		return;
	case DA_D_PREV:
		g->focus = (g->focus + g->nfields - 1) % g->nfields;
		return;
	case DA_D_LEFT:
	case DA_D_RIGHT:
		if (f == FLD_OK || f == FLD_CANCEL) {
			for (int i = 0; i < g->nfields; i++)
				if (g->fields[i] == (f == FLD_OK ? FLD_CANCEL : FLD_OK))
					g->focus = i;
		} else if (f == FLD_RESULT) {
			g->pass = !g->pass;
		}
		return;
	case DA_D_TOGGLE:
		if (f == FLD_FORCE) {
			g->force = !g->force;
			free(g->msg);
			g->msg = NULL;
			return;
		}
		if (f == FLD_RESULT) {
			g->pass = !g->pass;
			return;
		}
		if (f == FLD_OK) {
			confirm(d);
			return;
		}
		if (f == FLD_CANCEL) {
			cancel(d);
			return;
		}
		break; /* a space in a text field */
	case DA_D_SUBMIT:
		if (enter_target(g) == FLD_CANCEL)
			cancel(d);
		else if (enter_target(g) == FLD_OK)
			confirm(d);
		else
			focus_on(g, FLD_CANCEL); /* out of a field: to the buttons, Cancel selected */
		return;
	default:
		break;
	}
	if (e && edit_key(e, a == DA_D_TOGGLE ? DA_NONE : a, k)) {
		free(g->msg);
		g->msg = NULL;
	}
}

/* ---- drawing ---- */

static void info_lines(dash *d, dialog *g, rtext *t, int width)
{
	const dash_syms *sy = draw_syms();
	char *cmd;

	if (g->blocked) {
		rt_nl(t);
		rt_add(t, draw_attr(S_BAD), "%s ", sy->closed);
		rt_add_wrapped(t, draw_attr(S_BAD), g->blocked, width, 2);
	}
	if (g->from || g->to) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "effect   ");
		rt_add(t, A_NORMAL, "%s ", g->from ? g->from : "?");
		rt_add(t, A_NORMAL, "%s ", sy->arrow);
		rt_add(t, A_BOLD, "%s", g->to ? g->to : "?");
		if (g->irreversible)
			rt_add(t, draw_attr(S_WARN), "  %s irreversible", sy->warn);
	}
	if (g->traffic) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "traffic  ");
		rt_add(t, A_NORMAL, "%s", g->traffic);
	}
	if (g->note) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "note     ");
		rt_add_wrapped(t, A_NORMAL, g->note, width, 9);
	}
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "gates    ");
	if (g->kind == DLG_PROMOTE && g->have_step && g->st.kind != FC_STEP_NONE) {
		for (size_t i = 0; i < g->st.ngates; i++) {
			const fc_gate *gt = &g->st.gates[i];
			if (i) {
				rt_nl(t);
				rt_add(t, A_NORMAL, "         ");
			}
			char *text = fc_asprintf("%s [evidence: %s]", gt->reason, gt->evidence);
			rt_add(t, draw_attr(gt->open ? S_OK : S_BAD), "%s %s ", gt->open ? sy->open : sy->closed,
			       gt->open ? "open  " : "CLOSED");
			rt_add_wrapped(t, gt->open ? A_NORMAL : A_BOLD, text, width, 18);
			free(text);
		}
		if (!g->st.ngates)
			rt_add(t, A_NORMAL, "none for this step");
	} else if (g->kind == DLG_ROLLBACK) {
		rt_add(t, A_NORMAL, "none: rollback is never gated");
	} else if (g->kind == DLG_PROMOTE) {
		rt_add(t, draw_attr(S_DIM), "-");
	} else {
		rt_add(t, A_NORMAL, "none for %s", g->kind == DLG_SHADOW ? "shadow traffic" : "checks (they are the gates' evidence)");
	}
	for (size_t i = 0; i < g->nchecks; i++) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "%s", i ? "         " : "runs     ");
		rt_add(t, A_NORMAL, "%s", g->checks[i]);
	}
	if (!g->blocked) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "command  ");
		cmd = equivalent(d, g);
		rt_add_wrapped(t, draw_attr(S_DIM), cmd, width, 9);
		free(cmd);
	}
}

static void draw_button(int y, int x, const char *label, int focused, int target)
{
	char buf[64];
	snprintf(buf, sizeof(buf), target ? "< %s >" : "[ %s ]", label);
	draw_str(y, x, (int)strlen(buf) + 4, focused ? A_REVERSE | A_BOLD : target ? A_BOLD | A_UNDERLINE : A_NORMAL,
		 buf);
}

void dialog_draw(dash *d)
{
	dialog *g = d->dlg;
	const dash_syms *sy = draw_syms();
	int w = COLS - 4 < 100 ? COLS - 4 : 100, h, x, y, inner, field_lines = 0, avail, row;
	rtext t = { NULL, 0 }, msg = { NULL, 0 };
	int target = enter_target(g), msg_lines;

	if (w < 40)
		w = COLS;
	inner = w - 4;
	info_lines(d, g, &t, inner);
	for (int i = 0; i < g->nfields; i++)
		field_lines += g->fields[i] == FLD_CANCEL || g->fields[i] == FLD_OK ? 0 : 1;
	if (g->msg) {
		rt_nl(&msg);
		rt_add_wrapped(&msg, g->msg_bad ? draw_attr(S_BAD) : A_NORMAL, g->msg, inner, 0);
	}
	msg_lines = msg.nlines ? (msg.nlines > 3 ? 3 : (int)msg.nlines) : 1;
	/* borders, blank, fields, message, blank, buttons */
	h = 2 + (int)t.nlines + 1 + field_lines + msg_lines + 1 + 1;
	if (h > LINES - 2)
		h = LINES - 2;
	avail = h - (2 + 1 + field_lines + msg_lines + 1 + 1);
	if (avail < 1)
		avail = 1;
	x = (COLS - w) / 2;
	y = (LINES - h) / 2;
	draw_box(y, x, h, w, A_BOLD, g->title);
	draw_rtext(&t, 0, y + 1, x + 2, avail, inner, 0);
	if ((int)t.nlines > avail)
		draw_printf(y + avail, x + w - 4, 2, A_BOLD, "%s", sy->ellipsis);
	rt_free(&t);
	row = y + 1 + avail + 1;
	for (int i = 0; i < g->nfields; i++) {
		int f = g->fields[i], foc = i == g->focus;
		switch (f) {
		case FLD_REASON:
			draw_str(row, x + 2, 9, A_BOLD, "reason");
			edit_draw(&g->reason, row, x + 11, inner - 9, A_NORMAL, foc);
			row++;
			break;
		case FLD_CHECK:
			draw_str(row, x + 2, 9, A_BOLD, "check");
			edit_draw(&g->check, row, x + 11, inner - 9, A_NORMAL, foc);
			row++;
			break;
		case FLD_DETAIL:
			draw_str(row, x + 2, 9, A_BOLD, "detail");
			edit_draw(&g->detail, row, x + 11, inner - 9, A_NORMAL, foc);
			row++;
			break;
		case FLD_RESULT:
			draw_str(row, x + 2, 9, A_BOLD, "result");
			draw_printf(row, x + 11, 10, foc ? A_REVERSE : A_NORMAL, "%s pass", g->pass ? sy->radio_on : sy->radio_off);
			draw_printf(row, x + 22, 10, foc ? A_REVERSE : A_NORMAL, "%s fail", g->pass ? sy->radio_off : sy->radio_on);
			row++;
			break;
		case FLD_FORCE:
			draw_str(row, x + 2, 9, A_BOLD, "force");
			draw_str(row, x + 11, 3, foc ? A_REVERSE : g->force ? draw_attr(S_BAD) : A_NORMAL,
				 g->force ? sy->check_on : sy->check_off);
			draw_str(row, x + 15, inner - 13, g->force ? draw_attr(S_BAD) : A_NORMAL,
				 g->kind == DLG_PROMOTE ? "pass the closed gate (Space); the commit records it as forced"
							: "roll back through the one-way door (Space); recorded as forced");
			row++;
			break;
		case FLD_CONFIRM: {
			char *lbl = fc_asprintf("type '%s':", g->service);
			int lw = draw_width(lbl) + 1;
			draw_str(row, x + 2, 9, A_BOLD, "confirm");
			draw_str(row, x + 11, lw, draw_attr(S_WARN), lbl);
			edit_draw(&g->confirm, row, x + 11 + lw, inner - 9 - lw, A_NORMAL, foc);
			free(lbl);
			row++;
			break;
		}
		default:
			break;
		}
	}
	if (msg.nlines)
		row += draw_rtext(&msg, 0, row, x + 2, msg_lines, inner, 0) - 1;
	else
		draw_str(row, x + 2, inner, A_DIM,
			 g->blocked ? "Enter or Esc closes"
			 : target == FLD_OK && (g->closed || g->force_needed) && !g->force
				 ? (g->force_needed ? "one-way door: Enter changes nothing until force is ticked (Tab, Space)"
						    : "gate closed: Enter changes nothing until force is ticked (Tab, Space)")
			 : target == FLD_OK ? "Enter confirms; Left: back to Cancel; Esc cancels"
			 : target == FLD_CANCEL ? "Enter cancels; Right, then Enter: do it; Esc cancels"
						: "Enter: to the buttons (Cancel selected); Tab: next field; Esc cancels");
	row += 2;
	{
		int cf = 0, of = 0, bx;
		char okl[64];
		snprintf(okl, sizeof(okl), "%s%s", g->force ? "Force: " : "", g->verb);
		for (int i = 0; i < g->nfields; i++) {
			if (g->fields[i] == FLD_CANCEL)
				cf = i == g->focus;
			if (g->fields[i] == FLD_OK)
				of = i == g->focus;
		}
		bx = x + (w - (14 + (int)strlen(okl) + 4 + 3)) / 2;
		if (row >= y + h - 1)
			row = y + h - 2;
		/* in a field Enter leads to Cancel: it is the default shown */
		draw_button(row, bx, "Cancel", cf, target != FLD_OK);
		if (!g->blocked)
			draw_button(row, bx + 14, okl, of, target == FLD_OK);
	}
	rt_free(&msg);
}

/* ---- the rollback picker: R from anywhere ---- */

void picker_open(dash *d)
{
	size_t pre = 0;

	if (!d->m.nsvcs) {
		dash_status(d, 1, "no services to roll back");
		return;
	}
	/*
	 * The one an abort is most likely for: the service whose traffic moved
	 * last among those with live traffic (the only one, often); with none
	 * live, the last service selected, else the services view's selection.
	 */
	{
		long live = -1;
		for (size_t i = 0; i < d->m.nsvcs; i++) {
			const fc_service *sv = &d->m.svcs[i].sv;
			if (!sv->bp && !sv->shadow)
				continue;
			if (live < 0 || sv->step_since > d->m.svcs[live].sv.step_since)
				live = (long)i;
		}
		if (live >= 0) {
			pre = (size_t)live;
		} else {
			for (size_t i = 0; d->last_service && i < d->m.nsvcs; i++)
				if (!strcmp(d->m.svcs[i].sv.name, d->last_service))
					pre = i;
			if (!d->last_service && dash_selected_service(d))
				pre = (size_t)(dash_selected_service(d) - d->m.svcs);
		}
	}
	free(d->pick);
	d->pick = fc_calloc(1, sizeof(*d->pick));
	d->pick->cur = pre;
}

void picker_draw(dash *d)
{
	picker *pk = d->pick;
	const dash_syms *sy = draw_syms();
	int w = 60, h = (int)d->m.nsvcs + 4, x, y, rows;

	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 4)
		h = LINES - 4;
	rows = h - 4;
	x = (COLS - w) / 2;
	y = (LINES - h) / 2;
	if (pk->cur >= d->m.nsvcs)
		pk->cur = d->m.nsvcs ? d->m.nsvcs - 1 : 0;
	if (pk->cur < pk->top)
		pk->top = pk->cur;
	if (pk->cur >= pk->top + (size_t)rows)
		pk->top = pk->cur - (size_t)rows + 1;
	draw_box(y, x, h, w, A_BOLD, "roll back which service?");
	for (int r = 0; r < rows && pk->top + (size_t)r < d->m.nsvcs; r++) {
		const svc_row *s = &d->m.svcs[pk->top + (size_t)r];
		int sel = pk->top + (size_t)r == pk->cur;
		char st[64];
		fc_state_format(st, sizeof(st), s->sv.phase, s->sv.bp);
		draw_fill(y + 1 + r, x + 1, w - 2, sel ? A_REVERSE : A_NORMAL);
		draw_str(y + 1 + r, x + 2, 2, sel ? A_REVERSE : A_NORMAL, sel ? sy->sel : " ");
		draw_strpad(y + 1 + r, x + 4, 24, (sel ? A_REVERSE : A_NORMAL) | A_BOLD, s->sv.name);
		draw_str(y + 1 + r, x + 29, w - 31, sel ? A_REVERSE : A_NORMAL, st);
	}
	/* fits the narrowest picker (80 columns: 56 inside) */
	draw_str(y + h - 2, x + 2, w - 4, A_DIM, "Enter: roll back (a reason follows)  Esc: cancel");
}

void picker_key(dash *d, dash_action a)
{
	picker *pk = d->pick;

	switch (a) {
	case DA_DOWN:
		if (pk->cur + 1 < d->m.nsvcs)
			pk->cur++;
		break;
	case DA_UP:
		if (pk->cur > 0)
			pk->cur--;
		break;
	case DA_ENTER: {
		char *name = fc_strdup(d->m.svcs[pk->cur].sv.name);
		free(d->pick);
		d->pick = NULL;
		dialog_open(d, DLG_ROLLBACK, name);
		free(name);
		break;
	}
	case DA_CLOSE:
		free(d->pick);
		d->pick = NULL;
		dash_status(d, 0, "cancelled: nothing changed");
		break;
	default:
		break;
	}
}
