/*
 * The services view: a table of services (phase pipeline, traffic bar,
 * next step and whether its gates are open) and a detail pane for the
 * selected one (gates with their evidence, recent checks, the ramp
 * timeline from history, router state per replica).  The next step and
 * its gates are fc_gate_step()'s answer, cached in the model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_name.h"
#include "tui.h"

static const char *const phase_names[3][FC_PHASE_COUNT] = {
	{ "pl", "dw", "bf", "rc", "dc", "dn" },
	{ "plan", "dual", "fill", "read", "dcom", "done" },
	{ "planned", "dual-write", "backfill", "read-cutover", "decommission", "done" },
};

static int pipeline_width(int level)
{
	int w = 1 + (FC_PHASE_COUNT - 1); /* marker and separators */
	for (int i = 0; i < FC_PHASE_COUNT; i++)
		w += (int)strlen(phase_names[level][i]);
	return w;
}

/* The pipeline; the current phase has the marker and its own attribute. */
static void draw_pipeline(int y, int x, int w, int level, fc_phase cur, unsigned row_attr)
{
	const dash_syms *sy = draw_syms();
	int col = 0;

	for (int i = 0; i < FC_PHASE_COUNT && col < w; i++) {
		unsigned a = row_attr;
		if (i > 0)
			col += draw_str(y, x + col, w - col, row_attr | A_DIM, sy->sep);
		if (i == (int)cur) {
			/* reverse+bold, or bold on the (reversed) cursor row: always distinct */
			a = (row_attr ^ A_REVERSE) | A_BOLD;
			col += draw_str(y, x + col, w - col, a, sy->cur);
		} else if (i > (int)cur) {
			a = row_attr | A_DIM;
		}
		col += draw_str(y, x + col, w - col, a, phase_names[level][i]);
	}
	if (col < w)
		draw_fill(y, x + col, w - col, row_attr);
}

/* "10-11 09:00Z": when a soak ends, short enough for the table */
static void short_time(char *buf, size_t size, fc_time t)
{
	char full[32];

	fc_time_format(full, sizeof(full), t); /* 2026-10-11T09:00:00Z */
	snprintf(buf, size, "%.5s %.5sZ", full + 5, full + 11);
}

/* A closed step that only waits for time (a soak) is waiting, not failing. */
static int soaking(const fc_step *st)
{
	return st->kind != FC_STEP_NONE && !st->open && st->opens_at > 0;
}

void services_phase_legend(char *buf, size_t size)
{
	const char *sep = draw_syms()->sep;
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < FC_PHASE_COUNT; i++) {
		int n = snprintf(buf + len, size - len, "%s%s %s", i ? " " : "", phase_names[0][i], phase_names[2][i]);
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
		if (i + 1 < FC_PHASE_COUNT) {
			n = snprintf(buf + len, size - len, " %s", sep);
			if (n < 0 || (size_t)n >= size - len)
				return;
			len += (size_t)n;
		}
	}
}

/* Columns the table needs with names of `name_w` and pipeline `level`. */
static int table_need(int name_w, int level)
{
	return 2 + name_w + 1 + pipeline_width(level) + 1 + 10 + 1 + 6 + 1 + 17 + 1 + 8 + 1;
}

static void next_text(const svc_row *r, char *buf, size_t size)
{
	if (!r->st_ok)
		snprintf(buf, size, "error");
	else if (r->st.kind == FC_STEP_NONE)
		snprintf(buf, size, "-");
	else
		fc_state_format(buf, size, r->st.to_phase, r->st.to_bp);
}

static size_t svc_count(dash *d)
{
	return d->m.nsvcs;
}

static char *svc_row_text(dash *d, size_t i)
{
	const svc_row *r = &d->m.svcs[i];
	char state[64], next[64];

	fc_state_format(state, sizeof(state), r->sv.phase, r->sv.bp);
	next_text(r, next, sizeof(next));
	return fc_asprintf("%s %s %s %s", r->sv.name, state, next,
			   !r->st_ok ? "error" : r->st.kind == FC_STEP_NONE ? "none" : r->st.open ? "open" : "closed");
}

/* ---- the ramp timeline: Ficus-To of the service's commits ---- */

size_t services_timeline(dash *d, const char *name, ramp_point *pts, size_t max, int *partial)
{
	dash_model *m = &d->m;
	size_t n = 0;
	long first = -1;

	*partial = !m->hist_complete;
	if (!max)
		return 0;
	/* history is newest first: walk it backwards for time order */
	for (size_t k = m->nhist; k-- > 0;) {
		const hist_row *h = &m->hist[k];
		int bp;
		if (!h->service || strcmp(h->service, name) || !h->to || model_state_bp(h->to, &bp) < 0)
			continue;
		if (first < 0) {
			int from_bp = 0;
			first = (long)k;
			if (h->from)
				model_state_bp(h->from, &from_bp);
			pts[n].at = h->when;
			pts[n].bp = from_bp;
			n++;
		}
		if (bp == pts[n - 1].bp)
			continue; /* only changes of traffic */
		if (n == max) {
			memmove(pts + 1, pts + 2, (max - 2) * sizeof(*pts));
			n--;
		}
		pts[n].at = h->when;
		pts[n].bp = bp;
		n++;
	}
	return n;
}

static void timeline_lines(dash *d, const svc_row *r, rtext *t, int width)
{
	ramp_point pts[64];
	int partial;
	size_t n = services_timeline(d, r->sv.name, pts, 64, &partial);
	const dash_syms *sy = draw_syms();
	fc_time now = fc_now(), t0;
	int w = width - 8;
	fc_buf spark = FC_BUF_INIT;
	char a[32], b[32];

	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "ramp    ");
	if (!d->m.hist_loaded) {
		rt_add(t, draw_attr(S_DIM), "reading history%s", sy->ellipsis);
		return;
	}
	if (!n) {
		rt_add(t, draw_attr(S_DIM), "no phase or traffic change in %s history yet",
		       partial ? "the loaded" : "the");
		return;
	}
	if (w < 10)
		w = 10;
	if (w > 120)
		w = 120;
	t0 = pts[0].at;
	if (now <= t0)
		now = t0 + 1;
	for (int c = 0; c < w; c++) {
		fc_time tc = t0 + (fc_time)((double)(now - t0) * (c + 1) / w);
		int bp = 0, lvl;
		for (size_t k = 0; k < n && pts[k].at <= tc; k++)
			bp = pts[k].bp;
		lvl = (bp * 8 + 9999) / 10000;
		fc_buf_puts(&spark, sy->spark[lvl]);
	}
	if (partial)
		rt_add(t, draw_attr(S_DIM), "%s", sy->ellipsis);
	rt_add(t, draw_attr(S_OK), "%s", fc_buf_cstr(&spark));
	fc_buf_free(&spark);
	fc_time_format(a, sizeof(a), t0);
	fc_time_format(b, sizeof(b), now);
	rt_nl(t);
	{
		/* the scale of one column, as a duration */
		char dur[32];
		fc_duration_format(dur, sizeof(dur), (now - t0) / w > 0 ? (now - t0) / w : 1);
		rt_add(t, draw_attr(S_DIM), "        %.10s %s %.10s (0..100%%, one column = %s)", a, sy->arrow, b, dur);
	}
	rt_nl(t);
	rt_add(t, A_NORMAL, "        ");
	{
		/* the steps themselves, newest last, as many as fit */
		fc_buf steps = FC_BUF_INIT;
		size_t from = n > 1 ? 1 : 0;
		for (size_t k = from; k < n; k++) {
			char when[32], pct[16];
			fc_time_format(when, sizeof(when), pts[k].at);
			fc_pct_format(pct, sizeof(pct), pts[k].bp);
			fc_buf_printf(&steps, "%s%.10s %s", steps.len ? "  " : "", when, pct);
		}
		while (draw_width(fc_buf_cstr(&steps)) > width - 10) {
			char *sp = strstr(steps.ptr, "  ");
			if (!sp)
				break;
			memmove(steps.ptr, sp + 2, strlen(sp + 2) + 1);
			steps.len = strlen(steps.ptr);
		}
		rt_add(t, A_NORMAL, "%s", fc_buf_cstr(&steps));
		fc_buf_free(&steps);
	}
}

static void router_lines(dash *d, const svc_row *r, rtext *t)
{
	const router_snap *s = d->snap;
	const dash_syms *sy = draw_syms();
	size_t shown = 0;

	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "routers ");
	if (!s) {
		rt_add(t, draw_attr(S_DIM), "checking%s", sy->ellipsis);
		return;
	}
	if (s->res.none) {
		rt_add(t, A_NORMAL, "none: decisions are recorded, nothing is pushed");
		return;
	}
	for (size_t i = 0; i < s->res.nflags; i++) {
		const fc_router_flag_state *f = &s->res.flags[i];
		int ok = !strcmp(f->state, "synced") || !strcmp(f->state, "newer");
		char want[16], seen[16];
		if (strcmp(f->service ? f->service : "", r->sv.name) && strcmp(f->flag ? f->flag : "", r->sv.flag))
			continue;
		fc_pct_format(want, sizeof(want), f->want_bp);
		if (f->seen)
			fc_pct_format(seen, sizeof(seen), f->seen_bp);
		else
			snprintf(seen, sizeof(seen), "?");
		rt_nl(t);
		rt_add(t, A_NORMAL, "  ");
		rt_add(t, draw_attr(ok ? S_OK : S_BAD), "%s %-11s", ok ? sy->open : sy->closed, f->state);
		rt_add(t, A_NORMAL, " %s/%s  plan %s, router %s%s%s", f->router, f->replica, want, seen,
		       f->error && *f->error ? ": " : "", f->error ? f->error : "");
		shown++;
	}
	if (!shown) {
		if (s->rc < 0 && s->error)
			rt_add(t, draw_attr(S_BAD), "%s %s", sy->closed, s->error);
		else
			rt_add(t, A_NORMAL, "no router is bound to flag '%s'", r->sv.flag);
	}
}

/*
 * The live demo's traffic generator writes the share of requests each
 * side served and the share of 5xx answers of the new side ("tracking
 * 0.103 400 0.000" per line; older generators write no fourth column) to
 * FICUS_DASH_TRAFFIC: show it beside the plan's percentage, so the
 * observed share can be seen following a promotion, and a failing new
 * service before the watcher rolls it back.
 */
static void observed_line(const fc_service *sv, rtext *t)
{
	const char *path = getenv("FICUS_DASH_TRAFFIC");
	char line[256], name[128];
	double share, errors = 0;
	int total, got;
	FILE *f;

	if (!path || !*path || !(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		got = sscanf(line, "%127s %lf %d %lf", name, &share, &total, &errors);
		if (got >= 3 && !strcmp(name, sv->name)) {
			char pct[16];
			fc_pct_format(pct, sizeof(pct), sv->bp);
			rt_nl(t);
			rt_add(t, draw_attr(S_TITLE), "observed");
			rt_add(t, A_BOLD, " %.1f%%", share * 100.0);
			rt_add(t, A_NORMAL, " of the last %d requests went to the new service (plan: %s)", total, pct);
			if (got == 4 && errors > 0)
				rt_add(t, draw_attr(S_BAD), ", %.1f%% of its answers 5xx", errors * 100.0);
			break;
		}
	}
	fclose(f);
}

/* Shadow compare: its configuration, and the counters the router thread read. */
static void shadow_lines(dash *d, const fc_service *sv, rtext *t)
{
	const router_snap *s = d->snap;
	const fc_shadow_report *rep = NULL;
	const dash_syms *sy = draw_syms();
	char since[32], *desc;

	if (!sv->shadow || !sv->compare.sample_bp)
		return;
	desc = fc_compare_describe(&sv->compare);
	fc_time_format(since, sizeof(since), sv->compare.since);
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "compare ");
	rt_add(t, A_NORMAL, "%s, since %.16s", desc, since);
	free(desc);
	for (size_t i = 0; s && i < s->nshadow && !rep; i++)
		if (!strcmp(s->shadow[i].service, sv->name))
			rep = &s->shadow[i];
	rt_nl(t);
	if (!rep) {
		rt_add(t, draw_attr(S_DIM), "        counters: %s%s",
		       d->opts->readonly ? "not read (--readonly reads no router)" : "reading",
		       d->opts->readonly ? "" : sy->ellipsis);
		return;
	}
	{
		fc_buf b = FC_BUF_INIT;
		fc_compare_counts_format(&b, &rep->k);
		rt_add(t, draw_attr(rep->k.mismatched ? S_WARN : S_OK), "        %s",
		       rep->k.mismatched ? sy->warn : sy->open);
		rt_add(t, A_NORMAL, " %s, %zu/%zu replicas", fc_buf_cstr(&b), rep->nread, rep->nreplicas);
		fc_buf_free(&b);
	}
	if (rep->problem) {
		rt_nl(t);
		rt_add(t, draw_attr(S_BAD), "        %s %s", sy->closed, rep->problem);
	}
	for (size_t i = 0; i < rep->nrecent && i < 5; i++) {
		char at[32];
		fc_time_format(at, sizeof(at), rep->recent[i].at);
		rt_nl(t);
		rt_add(t, draw_attr(S_DIM), "        %.8s ", at + 11);
		rt_add(t, A_NORMAL, "%s  %s", rep->recent[i].path, rep->recent[i].reason);
	}
}

/*
 * The measured value of an analysis result: its detail begins
 * "NAME=VALUE ..." ("error-rate=0.0031 <= 0.01; query: ...").  0 when it
 * holds none (no-data, error).
 */
static int analysis_value(const fc_check_result *c, double *v)
{
	size_t k = strlen(c->name);
	char *end;

	if (!c->detail || strncmp(c->detail, c->name, k) || c->detail[k] != '=')
		return 0;
	*v = strtod(c->detail + k + 1, &end);
	return end != c->detail + k + 1 && isfinite(*v);
}

/*
 * One line per analysis check of the service (SPEC section 9): its recent
 * values, oldest first, as a sparkline scaled from 0 (or the lower bound)
 * to twice the upper bound or the highest value, each bar coloured by its
 * outcome, no-data and error as a gap; then the bounds and the newest.
 */
static void analysis_lines(const fc_service *sv, rtext *t)
{
	const dash_syms *sy = draw_syms();
	const cJSON *c;

	cJSON_ArrayForEach(c, sv->checks) {
		const cJSON *mn = cJSON_GetObjectItemCaseSensitive(c, "min");
		const cJSON *mx = cJSON_GetObjectItemCaseSensitive(c, "max");
		double lo = 0, hi = 0, v;
		size_t idx[24], n = 0;
		int have = 0;

		if (!cJSON_GetObjectItemCaseSensitive(c, "prometheus"))
			continue;
		for (size_t k = sv->nresults; k-- > 0 && n < 24;)
			if (!strcmp(sv->results[k].name, c->string))
				idx[n++] = k;
		if (cJSON_IsNumber(mn))
			lo = mn->valuedouble < 0 ? mn->valuedouble : 0;
		if (cJSON_IsNumber(mx))
			hi = mx->valuedouble * 2;
		for (size_t i = 0; i < n; i++)
			if (analysis_value(&sv->results[idx[i]], &v)) {
				have = 1;
				if (v > hi)
					hi = v;
				if (v < lo)
					lo = v;
			}
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "analysis");
		rt_add(t, A_NORMAL, " %-10s ", c->string);
		if (!n) {
			rt_add(t, draw_attr(S_DIM), "not measured yet");
			continue;
		}
		for (size_t i = n; i-- > 0;) {
			const fc_check_result *r = &sv->results[idx[i]];
			int lvl;
			if (!analysis_value(r, &v)) {
				rt_add(t, draw_attr(S_DIM), "%s", sy->spark[0]);
				continue;
			}
			lvl = hi > lo ? 1 + (int)((v - lo) / (hi - lo) * 7.0 + 0.5) : 1;
			if (lvl > 8)
				lvl = 8;
			rt_add(t, draw_attr(fc_check_result_outcome(r) == FC_CHECK_PASS ? S_OK : S_BAD), "%s", sy->spark[lvl]);
		}
		rt_add(t, draw_attr(S_DIM), " ");
		if (cJSON_IsNumber(mn))
			rt_add(t, draw_attr(S_DIM), "min %g ", mn->valuedouble);
		if (cJSON_IsNumber(mx))
			rt_add(t, draw_attr(S_DIM), "max %g ", mx->valuedouble);
		{
			const fc_check_result *r = &sv->results[idx[0]];
			int out = fc_check_result_outcome(r);
			if (have && analysis_value(r, &v))
				rt_add(t, draw_attr(out == FC_CHECK_PASS ? S_OK : S_BAD), " newest %g %s", v,
				       out == FC_CHECK_PASS ? "pass" : "FAIL");
			else
				rt_add(t, draw_attr(S_DIM), " newest %s", fc_check_outcome_name(out));
		}
	}
}

void services_detail(dash *d, svc_row *r, rtext *t, int width)
{
	const fc_service *sv = model_service_full(d, r);
	const fc_step *st = &r->st;
	const dash_syms *sy = draw_syms();
	char state[64], since[32], dur[32], from[64], to[64];

	fc_state_format(state, sizeof(state), sv->phase, sv->bp);
	/* since the current step began: a ramp step is newer than its phase */
	fc_time_format(since, sizeof(since), sv->step_since > sv->phase_since ? sv->step_since : sv->phase_since);
	fc_duration_format(dur, sizeof(dur),
			   fc_now() - (sv->step_since > sv->phase_since ? sv->step_since : sv->phase_since));
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "%s", sv->name);
	rt_add(t, A_NORMAL, "  %s ", sy->cur);
	rt_add(t, A_BOLD, "%s", state);
	rt_add(t, A_NORMAL, "  since %.16s (%s)  shadow %s", since, dur, sv->shadow ? "on" : "off");
	rt_nl(t);
	{
		fc_buf doms = FC_BUF_INIT, needs = FC_BUF_INIT;
		for (size_t i = 0; i < sv->ndomains; i++)
			fc_buf_printf(&doms, "%s%s", i ? "," : "", sv->domains[i]);
		for (size_t i = 0; i < sv->nneeds; i++)
			fc_buf_printf(&needs, "%s%s", i ? "," : "", sv->needs[i]);
		rt_add(t, draw_attr(S_DIM), "route %s  flag %s  domains %s (%.0f req/s)  needs %s", sv->route, sv->flag,
		       fc_buf_cstr(&doms), sv->rps, needs.len ? needs.ptr : "-");
		fc_buf_free(&doms);
		fc_buf_free(&needs);
	}
	observed_line(sv, t);
	if (sv->description && *sv->description) {
		rt_nl(t);
		rt_add_wrapped(t, A_NORMAL, sv->description, width, 0);
	}
	/* the next step: fc_gate_step's answer */
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "next    ");
	if (!r->st_ok) {
		rt_add(t, draw_attr(S_BAD), "%s %s", sy->closed, r->st_err ? r->st_err : "cannot plan the next step");
	} else if (st->kind == FC_STEP_NONE) {
		rt_add(t, A_NORMAL, "%s none: %s", sy->none, st->why_none ? st->why_none : "");
	} else {
		fc_state_format(from, sizeof(from), st->from_phase, st->from_bp);
		fc_state_format(to, sizeof(to), st->to_phase, st->to_bp);
		rt_add(t, A_NORMAL, "%s %s %s (%s)  ", from, sy->arrow, to, st->action ? st->action : "advance");
		if (soaking(st)) {
			rt_add(t, draw_attr(S_WARN), "%s soaking", sy->ellipsis);
		} else {
			rt_add(t, draw_attr(st->open ? S_OK : S_BAD), "%s gates %s", st->open ? sy->open : sy->closed,
			       st->open ? "open" : "closed");
		}
		if (st->irreversible)
			rt_add(t, draw_attr(S_WARN), "  %s irreversible", sy->warn);
		if (st->rps_moved != 0)
			rt_add(t, A_NORMAL, "  %+.0f req/s", st->rps_moved);
		if (soaking(st)) {
			/* waiting for time: when it opens, on a line of its own to fit 80 columns */
			char when[32], in[32];
			fc_time_format(when, sizeof(when), st->opens_at);
			fc_duration_format(in, sizeof(in), st->opens_at - fc_now());
			rt_nl(t);
			rt_add(t, draw_attr(S_WARN), "        opens %.10s %.5sZ (in %s)", when, when + 11, in);
		}
		for (size_t i = 0; i < st->ngates; i++) {
			const fc_gate *g = &st->gates[i];
			rt_nl(t);
			rt_add(t, A_NORMAL, "  ");
			if (!g->open && g->opens > 0) /* waiting for time, not failing */
				rt_add(t, draw_attr(S_WARN), "%s ", sy->ellipsis);
			else
				rt_add(t, draw_attr(g->open ? S_OK : S_BAD), "%s ", g->open ? sy->open : sy->closed);
			rt_add(t, g->open ? A_NORMAL : A_BOLD, "%s", g->reason);
			rt_add(t, draw_attr(S_DIM), "  [evidence: %s]", g->evidence);
		}
	}
	analysis_lines(sv, t);
	/* recent checks, newest first */
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "checks  ");
	if (!sv->nresults)
		rt_add(t, draw_attr(S_DIM), "none recorded");
	for (size_t k = sv->nresults, shown = 0; k-- > 0 && shown < 5; shown++) {
		const fc_check_result *c = &sv->results[k];
		char at[32];
		fc_time_format(at, sizeof(at), c->at);
		if (shown)
			rt_nl(t), rt_add(t, A_NORMAL, "        ");
		if (fc_check_result_outcome(c) > FC_CHECK_PASS)
			rt_add(t, draw_attr(S_DIM), "? %s", fc_check_outcome_name(fc_check_result_outcome(c)));
		else
			rt_add(t, draw_attr(c->pass ? S_OK : S_BAD), "%s %s", c->pass ? sy->open : sy->closed,
			       c->pass ? "pass" : "FAIL");
		rt_add(t, A_NORMAL, " %-10s %.16s %s", c->name, at, c->detail ? c->detail : "");
	}
	shadow_lines(d, sv, t);
	timeline_lines(d, r, t, width);
	router_lines(d, r, t);
}

/* ---- drawing ---- */

static void draw_table(dash *d, int y, int x, int h, int w)
{
	list_state *l = &d->lists[V_services];
	const dash_syms *sy = draw_syms();
	int name_w = 7, level, pipe_w, bar_w = 10, pct_w = 6, next_w = 17, gate_w = 8, fixed, col;

	if (d->m.svc_name_w > name_w)
		name_w = d->m.svc_name_w;
	if (name_w > 24)
		name_w = 24;
	level = w >= table_need(name_w, 2) ? 2 : w >= table_need(name_w, 1) ? 1 : 0;
	pipe_w = pipeline_width(level);
	fixed = 2 + pipe_w + 1 + bar_w + 1 + pct_w + 1 + next_w + 1 + gate_w;
	if (2 + name_w + 1 + fixed - 2 > w)
		name_w = w - fixed - 1;
	if (name_w < 4)
		name_w = 4;
	if (w - (2 + name_w + 1 + fixed - 2) > 0 && level == 2)
		next_w += w - (2 + name_w + 1 + fixed - 2) > 8 ? 8 : 0;
	/* header */
	col = x + 2;
	draw_fill(y, x, w, A_UNDERLINE);
	draw_str(y, col, name_w, A_UNDERLINE | A_BOLD, "SERVICE");
	col += name_w + 1;
	draw_str(y, col, pipe_w, A_UNDERLINE | A_BOLD, "PHASE");
	col += pipe_w + 1;
	draw_str(y, col, bar_w + 1 + pct_w, A_UNDERLINE | A_BOLD, "TRAFFIC");
	col += bar_w + 1 + pct_w + 1;
	draw_str(y, col, next_w, A_UNDERLINE | A_BOLD, "NEXT");
	col += next_w + 1;
	draw_str(y, col, x + w - col, A_UNDERLINE | A_BOLD, "GATE");
	if (d->m.error) {
		draw_str(y + 1, x + 2, w - 2, draw_attr(S_BAD), d->m.error);
		return;
	}
	if (!l->nidx) {
		draw_str(y + 1, x + 2, w - 2, draw_attr(S_DIM),
			 d->m.nsvcs ? "no service matches the filter (Esc clears it)"
				    : "no services yet: 'ficus service add NAME --domain D --route /api/...'");
		return;
	}
	list_scroll(l, h - 1);
	for (int row = 0; row < h - 1 && l->top + (size_t)row < l->nidx; row++) {
		size_t i = l->idx[l->top + (size_t)row];
		const svc_row *r = &d->m.svcs[i];
		int sel = l->top + (size_t)row == l->cur;
		unsigned ra = sel ? draw_attr(S_SEL) : A_NORMAL;
		int yy = y + 1 + row;
		char pct[16], next[64];

		draw_fill(yy, x, w, ra);
		draw_str(yy, x, 2, ra, sel ? sy->sel : " ");
		col = x + 2;
		draw_strpad(yy, col, name_w, ra | A_BOLD, r->sv.name);
		col += name_w + 1;
		draw_pipeline(yy, col, pipe_w, level, r->sv.phase, ra);
		col += pipe_w + 1;
		draw_bar(yy, col, bar_w, r->sv.bp, ra | (r->sv.bp ? draw_attr(S_OK) : 0));
		col += bar_w + 1;
		fc_pct_format(pct, sizeof(pct), r->sv.bp);
		draw_printf(yy, col, pct_w, ra, "%*s", pct_w, pct);
		col += pct_w + 1;
		next_text(r, next, sizeof(next));
		if (r->st_ok && r->st.irreversible)
			strncat(next, " !", sizeof(next) - strlen(next) - 1);
		draw_strpad(yy, col, next_w, ra, next);
		col += next_w + 1;
		if (!r->st_ok)
			draw_printf(yy, col, x + w - col, ra | draw_attr(S_BAD), "%s error", sy->closed);
		else if (r->st.kind == FC_STEP_NONE)
			draw_printf(yy, col, x + w - col, ra, "%s none", sy->none);
		else if (r->st.open)
			draw_printf(yy, col, x + w - col, ra | draw_attr(S_OK), "%s open", sy->open);
		else if (soaking(&r->st)) {
			char when[16];
			short_time(when, sizeof(when), r->st.opens_at);
			/* when it opens where there is room; the detail pane always says */
			if (x + w - col >= 29)
				draw_printf(yy, col, x + w - col, ra | draw_attr(S_WARN), "%s soaking, opens %s", sy->ellipsis, when);
			else
				draw_printf(yy, col, x + w - col, ra | draw_attr(S_WARN), "%s soaking", sy->ellipsis);
		} else
			draw_printf(yy, col, x + w - col, ra | draw_attr(S_BAD), "%s closed", sy->closed);
	}
}

static void svc_draw(dash *d, int y, int x, int h, int w)
{
	list_state *l = &d->lists[V_services];
	long sel = list_selected(l);
	int side = w >= 160, th, tw, dy, dx, dh, dw;
	rtext t = { NULL, 0 };

	if (side) {
		/* the table keeps room for the full phase names; the detail takes the rest */
		int name_w = d->m.svc_name_w < 7 ? 7 : d->m.svc_name_w > 24 ? 24 : d->m.svc_name_w;
		int full = table_need(name_w, 2);
		tw = w - full >= 64 ? full : w * 11 / 20;
		th = h;
		dx = x + tw + 1;
		dy = y + 1;
		dw = w - tw - 1;
		dh = h - 1;
		for (int r = 0; r < h; r++)
			draw_str(y + r, x + tw, 1, A_DIM, draw_syms()->vl);
	} else {
		size_t want = l->nidx + 1;
		th = (int)want;
		if (th < 4)
			th = 4;
		if (th > h / 2)
			th = h / 2;
		tw = w;
		dx = x;
		dy = y + th + 1;
		dw = w;
		dh = h - th - 1;
	}
	draw_table(d, y, x, th, tw);
	if (sel < 0)
		return;
	{
		svc_row *r = &d->m.svcs[sel];
		if (!side) {
			draw_hline(y + th, x, w, A_DIM);
			draw_printf(y + th, x + 2, w - 4, A_BOLD, " %s ", r->sv.name);
		} else {
			draw_hline(y, dx, dw, A_DIM);
			draw_printf(y, dx + 2, dw - 4, A_BOLD, " %s ", r->sv.name);
		}
		if (w >= 120) {
			/* what pl·dw·bf·rc·dc·dn means, where there is room: on the rule, or under the table */
			char legend[160];
			int lw;
			services_phase_legend(legend, sizeof(legend));
			lw = draw_width(legend);
			if (!side && lw + 4 < w - 30)
				draw_printf(y + th, x + w - lw - 4, lw + 2, A_DIM, " %s ", legend);
			else if (side && (int)l->nidx + 1 < th && lw < tw - 2)
				draw_str(y + th - 1, x + 2, tw - 2, A_DIM, legend);
		}
		services_detail(d, r, &t, dw - 2);
		draw_rtext(&t, 0, dy, dx + 1, dh, dw - 2, 0);
		rt_free(&t);
	}
}

static void svc_pager_text(dash *d, rtext *t, int width, const char *name)
{
	svc_row *r = model_service(d, name);

	if (!r) {
		rt_nl(t);
		rt_add(t, draw_attr(S_BAD), "service '%s' is no longer in the plan", name);
		return;
	}
	services_detail(d, r, t, width);
	rt_nl(t);
	rt_nl(t);
	rt_add(t, draw_attr(S_DIM), "same answer as: ficus status %s", r->sv.name);
}

static int svc_action(dash *d, dash_action a)
{
	svc_row *r = dash_selected_service(d);

	if (a != DA_ENTER || !r)
		return 0;
	pager_open_regen(d, r->sv.name, PAGER_TEXT, svc_pager_text, r->sv.name);
	return 1;
}

static void svc_prepare(dash *d)
{
	/* the detail pane draws the timeline from history: after the first frame */
	if (!d->m.hist_loaded && d->frames > 0) {
		model_load_history(d);
		d->list_dirty[V_history] = 1;
	}
}

static void svc_note(dash *d, char *buf, size_t size)
{
	size_t open = 0, closed = 0;
	for (size_t i = 0; i < d->m.nsvcs; i++)
		if (d->m.svcs[i].st_ok && d->m.svcs[i].st.kind != FC_STEP_NONE)
			d->m.svcs[i].st.open ? open++ : closed++;
	snprintf(buf, size, "%zu services: next gate open %zu, closed %zu", d->m.nsvcs, open, closed);
}

static const char *svc_row_key(dash *d, size_t i)
{
	return d->m.svcs[i].sv.name;
}

const view_ops view_services = {
	"services", "Services", CX_SERVICES, svc_count, svc_row_text, svc_row_key, svc_draw, svc_action, svc_prepare, svc_note,
};
