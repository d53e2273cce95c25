/*
 * `ficus dash`: the main loop, the screen layout (header, tab bar, view,
 * footer with key hints, status line), the '/' and ':' prompts, the
 * minimum-size screen, and the results of actions.
 *
 * The loop: adopt what the helper threads finished, draw everything from
 * state, then wait for a key, a helper, or the clock (once a second).
 * Keys are looked up in the one binding table (keys.c) for the contexts of
 * the current mode, innermost first: prompt, picker, dialog, pager, view.
 */
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_name.h"
#include "tui.h"

#define DASH_VIEW_PTR(name) &view_##name,
static const view_ops *const views[] = { DASH_VIEWS(DASH_VIEW_PTR) NULL };
#undef DASH_VIEW_PTR

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

long long dash_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dash_status(dash *d, int bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof(d->status), fmt, ap);
	va_end(ap);
	d->status_bad = bad;
}

/* ---- lists ---- */

void list_rebuild(dash *d, int v)
{
	const view_ops *ops = views[v];
	list_state *l = &d->lists[v];
	size_t n = ops->count(d);
	char keep[256] = "";

	if (l->keep[0])
		snprintf(keep, sizeof(keep), "%s", l->keep);
	else if (l->cur < l->nidx && l->idx[l->cur] < n)
		snprintf(keep, sizeof(keep), "%s", ops->row_key(d, l->idx[l->cur]));
	free(l->idx);
	l->idx = fc_calloc(n + 1, sizeof(size_t));
	l->nidx = 0;
	l->nall = n;
	for (size_t i = 0; i < n; i++) {
		if (l->filter[0]) {
			char *t = ops->row_text(d, i), *c = dash_clean(t);
			int match = strcasestr(c, l->filter) != NULL;
			free(t);
			free(c);
			if (!match)
				continue;
		}
		l->idx[l->nidx++] = i;
	}
	if (keep[0]) {
		for (size_t k = 0; k < l->nidx; k++)
			if (!strcmp(ops->row_key(d, l->idx[k]), keep)) {
				l->cur = k;
				break;
			}
	}
	if (l->cur >= l->nidx)
		l->cur = l->nidx ? l->nidx - 1 : 0;
	l->keep[0] = '\0';
	d->list_dirty[v] = 0;
}

int list_move(list_state *l, dash_action a, int page)
{
	size_t pg = page > 1 ? (size_t)page : 1;

	switch (a) {
	case DA_DOWN:
		if (l->cur + 1 < l->nidx)
			l->cur++;
		return 1;
	case DA_UP:
		if (l->cur > 0)
			l->cur--;
		return 1;
	case DA_PGDN:
		l->cur = l->cur + pg < l->nidx ? l->cur + pg : (l->nidx ? l->nidx - 1 : 0);
		return 1;
	case DA_PGUP:
		l->cur = l->cur > pg ? l->cur - pg : 0;
		return 1;
	case DA_TOP:
		l->cur = 0;
		return 1;
	case DA_BOTTOM:
		l->cur = l->nidx ? l->nidx - 1 : 0;
		return 1;
	default:
		return 0;
	}
}

void list_scroll(list_state *l, int h)
{
	size_t rows = h > 0 ? (size_t)h : 1;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + rows)
		l->top = l->cur - rows + 1;
	if (l->top > 0 && l->top + rows > l->nidx)
		l->top = l->nidx > rows ? l->nidx - rows : 0;
}

long list_selected(const list_state *l)
{
	return l->cur < l->nidx ? (long)l->idx[l->cur] : -1;
}

svc_row *dash_selected_service(dash *d)
{
	long i = list_selected(&d->lists[V_services]);
	return i >= 0 && (size_t)i < d->m.nsvcs ? &d->m.svcs[i] : NULL;
}

void dash_reload(dash *d)
{
	/* remember each view's selection by name: the rows move */
	for (int v = 0; v < V_COUNT; v++) {
		list_state *l = &d->lists[v];
		size_t n = 0;
		if (v == V_services)
			n = d->m.nsvcs;
		else if (v == V_map)
			n = d->m.map_loaded ? d->m.nmrows : 0;
		else
			n = d->m.hist_loaded ? d->m.nhist : 0;
		if (!l->keep[0] && l->cur < l->nidx && l->idx[l->cur] < n)
			snprintf(l->keep, sizeof(l->keep), "%s", views[v]->row_key(d, l->idx[l->cur]));
	}
	model_load(d);
	for (int v = 0; v < V_COUNT; v++)
		d->list_dirty[v] = 1;
	if (d->pager && d->pager->regen)
		d->pager->width = -1; /* rebuilt from the new data */
	d->last_head_check_ms = d->last_step_eval_ms = dash_ms();
}

/* ---- the screen ---- */

static void routers_summary(dash *d, char *buf, size_t size, int *bad)
{
	const router_snap *s = d->snap;
	size_t n[5] = { 0 };
	static const char *names[5] = { "synced", "pending", "drift", "unreachable", "newer" };
	size_t len;

	*bad = 0;
	if (!s) {
		snprintf(buf, size, "routers: checking%s", draw_syms()->ellipsis);
		return;
	}
	if (s->res.none) {
		snprintf(buf, size, "routers: none");
		return;
	}
	if (s->rc < 0 && !s->res.nreplicas) {
		snprintf(buf, size, "routers: %s error", draw_syms()->closed);
		*bad = 1;
		return;
	}
	for (size_t i = 0; i < s->res.nreplicas; i++)
		for (int k = 0; k < 5; k++)
			if (!strcmp(s->res.replicas[i].state, names[k]))
				n[k]++;
	n[0] += n[4];
	*bad = n[1] || n[2] || n[3];
	len = (size_t)snprintf(buf, size, "routers: %s", *bad ? draw_syms()->closed : draw_syms()->open);
	for (int k = 0; k < 4 && len < size; k++)
		if (n[k] || (k == 0 && !*bad))
			len += (size_t)snprintf(buf + len, size - len, " %zu %s", n[k], names[k]);
	if (!s->live && len < size)
		snprintf(buf + len, size - len, " (recorded)");
}

static void draw_header(dash *d)
{
	unsigned head = draw_attr(S_HEAD);
	int col = 0, right, bad;
	char when[32], routers[160], *plan, *remote;

	fc_time_format(when, sizeof(when), fc_now());
	when[10] = ' ';
	draw_fill(0, 0, COLS, head);
	right = COLS - (int)strlen(when) - 1;
	draw_str(0, right, (int)strlen(when), head, when);
	if (d->opts->readonly) {
		right -= 12;
		draw_str(0, right, 11, draw_attr(S_BADGE), " READ-ONLY ");
	}
	col += draw_str(0, 1, right - 2, head | A_BOLD, "ficus");
	col += 1;
	routers_summary(d, routers, sizeof(routers), &bad);
	if (d->m.watch.known) {
		/* the watcher, once one ran here: running, stopped, or dead (its row says running, its process is gone) */
		char last[32] = "no round yet";
		size_t len = strlen(routers);
		if (d->m.watch.last_round) {
			fc_time_format(last, sizeof(last), d->m.watch.last_round);
			memmove(last, last + 11, 9); /* HH:MM:SS */
			last[8] = '\0';
		}
		snprintf(routers + len, sizeof(routers) - len, "  watch: %s, %s", d->m.watch.state, last);
		if (!strcmp(d->m.watch.state, "dead"))
			bad = 1;
	}
	plan = fc_asprintf("  plan: %s", d->plan_dir);
	remote = fc_asprintf("  remote: %s", d->m.remote ? d->m.remote : "-");
	{
		/* what does not fit goes: the remote first, then the plan path shrinks from the left */
		int avail = right - 2 - col, rw = draw_width(routers) + 2, mw = draw_width(remote);
		if (mw + rw > avail) {
			free(remote);
			remote = fc_strdup("");
			mw = 0;
		}
		if (draw_width(plan) + mw + rw > avail) {
			int keep = avail - mw - rw - 10;
			const char *dir = d->plan_dir;
			size_t len = strlen(dir);
			free(plan);
			if (keep > 4 && (size_t)keep < len)
				plan = fc_asprintf("  plan: %s%s", draw_syms()->ellipsis, dir + len - (size_t)keep);
			else
				plan = fc_strdup("");
		}
		col += draw_str(0, 1 + col, right - 2 - col, head, plan);
		col += draw_str(0, 1 + col, right - 2 - col, head, remote);
		col += draw_str(0, 1 + col, 2, head, "  ");
		draw_str(0, 1 + col, right - 2 - col, bad ? head | A_BOLD : head, routers);
	}
	free(plan);
	free(remote);
}

static void draw_tabs(dash *d)
{
	int col = 0;
	char note[256] = "";

	draw_fill(1, 0, COLS, A_NORMAL);
	for (int v = 0; v < V_COUNT; v++) {
		char label[64];
		int cur = v == d->view && !d->pager;
		snprintf(label, sizeof(label), " %d %s%s ", v + 1, cur ? draw_syms()->cur : "", views[v]->title);
		col += draw_str(1, col, COLS - col, cur ? A_REVERSE | A_BOLD : (v == d->view ? A_BOLD : A_NORMAL), label);
		col += draw_str(1, col, COLS - col, A_DIM, v + 1 < V_COUNT ? draw_syms()->vl : " ");
	}
	if (d->lists[d->view].filter[0]) {
		char *f = fc_asprintf(" filter: %s ", d->lists[d->view].filter);
		col += draw_str(1, col + 1, COLS - col - 1, A_BOLD | A_UNDERLINE, f) + 1;
		free(f);
	}
	if (views[d->view]->note)
		views[d->view]->note(d, note, sizeof(note));
	draw_str(1, col + 2, COLS - col - 3, A_DIM, note);
}

/* Hints: "key word" pairs, keys in bold; an item that does not fit ends the line. */
static int draw_hints(int y, int x, int w, const char *hints)
{
	int col = 0;
	const char *p = hints;

	while (*p) {
		const char *sp = strchr(p, ' ');
		const char *end = strstr(p, "  ");
		char key[32], word[64];
		int need;
		if (!sp)
			break;
		if (!end)
			end = p + strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)(sp - p), p);
		snprintf(word, sizeof(word), "%.*s", (int)(end - sp - 1), sp + 1);
		need = (col ? 2 : 0) + draw_width(key) + 1 + draw_width(word);
		if (col + need > w)
			break;
		if (col)
			col += draw_str(y, x + col, w - col, A_NORMAL, "  ");
		col += draw_str(y, x + col, w - col, draw_attr(S_KEY), key);
		col += draw_str(y, x + col, w - col, A_NORMAL, " ");
		col += draw_str(y, x + col, w - col, A_DIM, word);
		p = *end ? end + 2 : end;
	}
	return col;
}

static int text_focus(const dialog *g)
{
	int f = g->fields[g->focus];
	return f == FLD_REASON || f == FLD_CONFIRM || f == FLD_CHECK || f == FLD_DETAIL;
}

/* The key contexts of the current mode, innermost first. */
static size_t mode_contexts(dash *d, unsigned *ctx)
{
	if (d->small) {
		ctx[0] = CX_SMALL;
		return 1;
	}
	if (d->prompt != PROMPT_NONE) {
		ctx[0] = CX_EDIT;
		ctx[1] = CX_PROMPT;
		return 2;
	}
	if (d->pick) {
		ctx[0] = CX_PICKER;
		return 1;
	}
	if (d->dlg) {
		if (text_focus(d->dlg)) {
			ctx[0] = CX_EDIT;
			ctx[1] = CX_DIALOG;
			return 2;
		}
		ctx[0] = CX_DIALOG;
		return 1;
	}
	if (d->pager) {
		ctx[0] = CX_PAGER;
		ctx[1] = CX_LIST;
		ctx[2] = CX_MAIN;
		return 3;
	}
	ctx[0] = views[d->view]->ctx;
	ctx[1] = CX_LIST;
	ctx[2] = CX_MAIN;
	return 3;
}

static void draw_footer(dash *d)
{
	char left[512], right[256];
	unsigned ctx[4];
	size_t n = mode_contexts(d, ctx);
	int rw = 0, y = LINES - 2;

	draw_fill(y, 0, COLS, A_NORMAL);
	if (d->dlg || d->pick || d->prompt != PROMPT_NONE) {
		/* the innermost context's hints only (text editing keys are in ?) */
		unsigned inner = n > 1 && ctx[0] == CX_EDIT ? ctx[1] : ctx[0];
		keys_hints(left, sizeof(left), &inner, 1, d->opts->readonly, 0);
		right[0] = '\0';
	} else {
		unsigned lc[2] = { ctx[0], CX_MAIN };
		keys_hints(left, sizeof(left), lc, 2, d->opts->readonly, 1);
		keys_hints(right, sizeof(right), lc, 2, d->opts->readonly, 2);
	}
	if (right[0]) {
		rw = draw_width(right) + 1;
		draw_hints(y, COLS - rw, rw, right);
	}
	draw_hints(y, 1, COLS - rw - 3, left);
	if (bg_busy(d))
		draw_str(y, COLS - rw - 9, 8, draw_attr(S_WARN), " busy ");
}

static void draw_status(dash *d)
{
	int y = LINES - 1;

	draw_fill(y, 0, COLS, A_NORMAL);
	if (d->prompt != PROMPT_NONE) {
		const char *p = d->prompt == PROMPT_FILTER ? "/" : ":";
		draw_str(y, 0, 1, A_BOLD, p);
		edit_draw(&d->pedit, y, 1, COLS - 2, A_NORMAL, 1);
		return;
	}
	if (d->status[0])
		draw_str(y, 1, COLS - 2, d->status_bad ? draw_attr(S_BAD) : A_NORMAL, d->status);
}

static void draw_small(dash *d)
{
	char need[128], have[128];
	rtext t = { NULL, 0 };
	int y;

	erase();
	snprintf(need, sizeof(need), "ficus dash needs a terminal of at least %dx%d;", DASH_MIN_COLS, DASH_MIN_LINES);
	snprintf(have, sizeof(have), "this one is %dx%d. Enlarge it to go on (q quits).", COLS, LINES);
	rt_add_wrapped(&t, A_BOLD, need, COLS - 2, 0);
	rt_nl(&t);
	rt_add_wrapped(&t, A_NORMAL, have, COLS - 2, 0);
	y = (LINES - (int)t.nlines) / 2;
	draw_rtext(&t, 0, y > 0 ? y : 0, 1, LINES, COLS - 2, 0);
	rt_free(&t);
	(void)d;
}

static void draw(dash *d)
{
	int by = 2, bh = LINES - 4;

	d->small = COLS < DASH_MIN_COLS || LINES < DASH_MIN_LINES;
	if (d->small) {
		draw_small(d);
		refresh();
		return;
	}
	erase();
	if (views[d->view]->prepare)
		views[d->view]->prepare(d);
	for (int v = 0; v < V_COUNT; v++)
		if (d->list_dirty[v] && (v == d->view || v == V_services))
			list_rebuild(d, v);
	draw_header(d);
	draw_tabs(d);
	if (d->pager)
		pager_draw(d, by, 0, bh, COLS);
	else
		views[d->view]->draw(d, by, 0, bh, COLS);
	draw_footer(d);
	draw_status(d);
	if (d->pick)
		picker_draw(d);
	if (d->dlg)
		dialog_draw(d);
	refresh();
	d->frames++;
}

/* ---- the ':' command line ---- */

/* Split a command line into words: '...' and "..." quote, \ escapes. */
static char **split_words(const char *s, size_t *n, char **err)
{
	char **v = NULL;
	fc_buf w = FC_BUF_INIT;
	int inword = 0;

	*n = 0;
	*err = NULL;
	for (const char *p = s;; p++) {
		if (!*p || *p == ' ' || *p == '\t') {
			if (inword) {
				v = fc_realloc(v, (*n + 2) * sizeof(char *));
				v[(*n)++] = fc_buf_detach(&w);
				v[*n] = NULL;
				inword = 0;
			}
			if (!*p)
				break;
			continue;
		}
		inword = 1;
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e) {
				*err = fc_strdup("unterminated ' quote");
				break;
			}
			fc_buf_put(&w, p + 1, (size_t)(e - p - 1));
			p = e;
		} else if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				fc_buf_putc(&w, *p++);
			}
			if (!*p) {
				*err = fc_strdup("unterminated \" quote");
				break;
			}
		} else if (*p == '\\' && p[1]) {
			fc_buf_putc(&w, *++p);
		} else {
			fc_buf_putc(&w, *p);
		}
	}
	fc_buf_free(&w);
	if (*err) {
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		*n = 0;
		return NULL;
	}
	return v;
}

/* Under --readonly: verbs that only read (and any --dry-run). */
static int readonly_ok(char **v, size_t n)
{
	static const char *const read_verbs[] = { "status", "log", "order", "tenant", "help", "version", "verify", NULL };
	static const char *const read_subs[][3] = {
		{ "domain", "list", "show" }, { "service", "list", "show" }, { "map", "show", "export" },
		{ "router", "list", "status" }, { "check", "", "" }, { NULL, NULL, NULL }
	};
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i], "--dry-run") || !strcmp(v[i], "--help") || !strcmp(v[i], "-h"))
			return 1;
	for (size_t i = 0; read_verbs[i]; i++)
		if (!strcmp(v[0], read_verbs[i]))
			return 1;
	for (size_t i = 0; read_subs[i][0]; i++)
		if (!strcmp(v[0], read_subs[i][0]) && n > 1 && read_subs[i][1][0] &&
		    (!strcmp(v[1], read_subs[i][1]) || !strcmp(v[1], read_subs[i][2])))
			return 1;
	return 0;
}

static void run_command_line(dash *d, const char *line)
{
	char *err = NULL, **v;
	size_t n, skip = 0;
	job *j;

	v = split_words(line, &n, &err);
	if (err) {
		dash_status(d, 1, "command line: %s", err);
		free(err);
		return;
	}
	if (n && !strcmp(v[0], "ficus"))
		skip = 1;
	if (n <= skip) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return;
	}
	if (!strcmp(v[skip], "dash")) {
		dash_status(d, 1, "':dash': the dashboard is already running");
		goto out;
	}
	if (d->opts->readonly && !readonly_ok(v + skip, n - skip)) {
		dash_status(d, 1, "read-only (--readonly): ':%s' would change the plan (reading verbs and --dry-run work)",
			    v[skip]);
		goto out;
	}
	/* remember it */
	d->cmd_hist = fc_realloc(d->cmd_hist, (d->ncmd_hist + 1) * sizeof(char *));
	d->cmd_hist[d->ncmd_hist++] = fc_strdup(line);
	j = fc_calloc(1, sizeof(*j));
	j->kind = JOB_COMMAND;
	j->argc = n - skip;
	j->argv = fc_calloc(j->argc + 1, sizeof(char *));
	for (size_t i = 0; i < j->argc; i++)
		j->argv[i] = fc_strdup(v[skip + i]);
	j->actor = d->opts->actor ? fc_strdup(d->opts->actor) : NULL;
	j->cols = COLS - 2;
	{
		fc_buf t = FC_BUF_INIT;
		fc_buf_puts(&t, "ficus");
		for (size_t i = 0; i < j->argc; i++) {
			char *q = dash_shquote(j->argv[i]);
			fc_buf_printf(&t, " %s", q);
			free(q);
		}
		j->title = fc_buf_detach(&t);
	}
	if (bg_submit(d, j) < 0) {
		dash_status(d, 1, "busy: the previous action is still running");
		job_free(j);
		goto out;
	}
	dash_status(d, 0, "running: %s%s", j->title, draw_syms()->ellipsis);
out:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void prompt_open(dash *d, prompt_kind k)
{
	d->prompt = k;
	if (k == PROMPT_FILTER) {
		snprintf(d->saved_filter, sizeof(d->saved_filter), "%s", d->lists[d->view].filter);
		edit_set(&d->pedit, d->lists[d->view].filter);
	} else {
		edit_set(&d->pedit, "");
		d->cmd_hist_pos = d->ncmd_hist;
	}
}

static void set_filter(dash *d, const char *f)
{
	list_state *l = &d->lists[d->view];
	char *c = dash_clean(f);
	snprintf(l->filter, sizeof(l->filter), "%s", c);
	free(c);
	list_rebuild(d, d->view);
}

static void prompt_key(dash *d, dash_action a, dkey k)
{
	if (a == DA_P_CANCEL) {
		if (d->prompt == PROMPT_FILTER)
			set_filter(d, d->saved_filter);
		d->prompt = PROMPT_NONE;
		return;
	}
	if (a == DA_P_ACCEPT) {
		char *text = edit_text(&d->pedit);
		prompt_kind kind = d->prompt;
		d->prompt = PROMPT_NONE;
		if (kind == PROMPT_FILTER) {
			set_filter(d, text);
			if (text[0])
				dash_status(d, 0, "filter '%s': %zu of %zu rows (Esc clears it)", text, d->lists[d->view].nidx,
					    d->lists[d->view].nall);
			else
				dash_status(d, 0, "filter cleared");
		} else {
			run_command_line(d, text);
		}
		free(text);
		return;
	}
	if (d->prompt == PROMPT_COMMAND && (a == DA_P_OLDER || a == DA_P_NEWER)) {
		if (a == DA_P_OLDER && d->cmd_hist_pos > 0)
			d->cmd_hist_pos--;
		else if (a == DA_P_NEWER && d->cmd_hist_pos < d->ncmd_hist)
			d->cmd_hist_pos++;
		edit_set(&d->pedit, d->cmd_hist_pos < d->ncmd_hist ? d->cmd_hist[d->cmd_hist_pos] : "");
		return;
	}
	if (edit_key(&d->pedit, a, k) && d->prompt == PROMPT_FILTER) {
		char *text = edit_text(&d->pedit);
		set_filter(d, text); /* live */
		free(text);
	}
}

/* ---- results of the worker ---- */

void dash_job_done(dash *d, job *j)
{
	if (j->kind == JOB_COMMAND) {
		rtext t = { NULL, 0 };
		char *title;
		if (j->err) {
			dash_status(d, 1, "%s: %s", j->title, j->err);
		} else {
			/* tabs to spaces (8-column stops): the sanitizer would show them as '?' */
			fc_buf exp = FC_BUF_INIT;
			int col = 0;
			for (const char *c = j->output; *c; c++) {
				if (*c == '\t') {
					do
						fc_buf_putc(&exp, ' ');
					while (++col % 8);
					continue;
				}
				fc_buf_putc(&exp, *c);
				col = *c == '\n' ? 0 : col + 1;
			}
			rt_add_lines(&t, A_NORMAL, "", fc_buf_cstr(&exp));
			fc_buf_free(&exp);
			rt_nl(&t);
			rt_add(&t, j->status ? draw_attr(S_BAD) : draw_attr(S_DIM), "[exit status %d]", j->status);
			title = fc_asprintf("%s  (exit %d)", j->title, j->status);
			pager_open(d, title, &t, PAGER_TEXT);
			free(title);
			dash_status(d, j->status != 0, "%s: exit status %d", j->title, j->status);
		}
		dash_reload(d);
		return;
	}
	if (j->rc == 0 && j->out.noop) {
		dash_status(d, 0, "nothing to do: %s", j->out.note ? j->out.note : "already so");
	} else if (j->rc == 0 || (j->rc == FC_ESYNC && j->out.commit[0])) {
		char extra[256] = "";
		if (j->kind == JOB_CHECK_RUN) {
			size_t count[4] = { 0 };
			for (size_t i = 0; i < j->nrun; i++)
				count[j->runres[i].outcome & 3]++;
			if (count[FC_CHECK_NO_DATA] + count[FC_CHECK_ERROR])
				snprintf(extra, sizeof(extra), " (%zu pass, %zu fail, %zu no-data, %zu error)",
					 count[FC_CHECK_PASS], count[FC_CHECK_FAIL], count[FC_CHECK_NO_DATA],
					 count[FC_CHECK_ERROR]);
			else
				snprintf(extra, sizeof(extra), " (%zu pass, %zu fail)", count[FC_CHECK_PASS],
					 count[FC_CHECK_FAIL]);
		}
		if (j->rc == FC_ESYNC)
			dash_status(d, 1, "commit %.12s: %s%s; routers not all updated: %s", j->out.commit, j->title, extra,
				    j->err ? j->err : "");
		else
			dash_status(d, 0, "done, commit %.12s: %s%s", j->out.commit, j->title, extra);
	} else {
		dash_status(d, 1, "failed: %s: %s", j->title, j->err ? j->err : fc_strerror(j->rc));
	}
	dash_reload(d);
	bg_refresh_now(d);
}

/* ---- keys ---- */

static void help_text(dash *d, rtext *t, int width, const char *arg)
{
	(void)arg;
	keys_help(t, d->opts->readonly, width);
}

static void open_help(dash *d)
{
	pager_open_regen(d, "help", PAGER_HELP, help_text, NULL);
}

static void refuse_readonly(dash *d, dash_action a)
{
	const char *what = "this action";
	for (const dash_binding *b = dash_bindings; b->label; b++)
		if (b->act == a) {
			what = b->hint ? b->hint : b->label;
			break;
		}
	dash_status(d, 1, "read-only (--readonly): '%s' would change the plan", what);
}

static void global_action(dash *d, dash_action a, dkey k)
{
	switch (a) {
	case DA_QUIT:
		d->quit = 1;
		break;
	case DA_HELP:
		open_help(d);
		break;
	case DA_NEXT_VIEW:
	case DA_PREV_VIEW:
		pager_close(d);
		d->view = (d->view + (a == DA_NEXT_VIEW ? 1 : V_COUNT - 1)) % V_COUNT;
		break;
	case DA_VIEW1:
	case DA_VIEW2:
	case DA_VIEW3:
		pager_close(d);
		d->view = (int)a - (int)DA_VIEW1;
		break;
	case DA_COMMAND:
		prompt_open(d, PROMPT_COMMAND);
		break;
	case DA_REDRAW:
		clearok(curscr, TRUE);
		break;
	case DA_RELOAD:
		d->m.remote_read = 0;
		dash_reload(d);
		bg_refresh_now(d);
		dash_status(d, 0, "reloaded at HEAD %.12s", d->m.head);
		break;
	case DA_ROLLBACK_ANY:
		picker_open(d);
		break;
	default:
		if (!k.fn && k.key >= ' ' && k.key < 127)
			dash_status(d, 0, "'%c' does nothing here (? lists the keys)", k.key);
		break;
	}
}

static void view_key(dash *d, dash_action a, dkey k)
{
	const view_ops *ops = views[d->view];
	list_state *l = &d->lists[d->view];
	svc_row *r;

	if (list_move(l, a, LINES / 2 - 3))
		return;
	if (ops->action && ops->action(d, a))
		return;
	switch (a) {
	case DA_FILTER:
		prompt_open(d, PROMPT_FILTER);
		return;
	case DA_BACK:
		if (l->filter[0]) {
			set_filter(d, "");
			dash_status(d, 0, "filter cleared");
		}
		return;
	case DA_PROMOTE:
	case DA_ROLLBACK:
	case DA_SHADOW:
	case DA_CHECK_RUN:
	case DA_CHECK_RECORD:
		if (!(r = dash_selected_service(d))) {
			dash_status(d, 1, "no service selected");
			return;
		}
		dialog_open(d, a == DA_PROMOTE ? DLG_PROMOTE : a == DA_ROLLBACK ? DLG_ROLLBACK : a == DA_SHADOW ? DLG_SHADOW
			    : a == DA_CHECK_RUN ? DLG_CHECK_RUN : DLG_CHECK_RECORD, r->sv.name);
		return;
	default:
		global_action(d, a, k);
	}
}

static void handle_key(dash *d, dkey k)
{
	unsigned ctx[4], flags = 0;
	size_t n = mode_contexts(d, ctx);
	dash_action a = keys_lookup(ctx, n, k, &flags);

	if (d->small) {
		if (a == DA_QUIT)
			d->quit = 1;
		return;
	}
	if ((flags & KB_WRITE) && d->opts->readonly) {
		refuse_readonly(d, a);
		return;
	}
	if (d->prompt != PROMPT_NONE) {
		prompt_key(d, a, k);
		return;
	}
	if (d->pick) {
		picker_key(d, a);
		return;
	}
	if (d->dlg) {
		dialog_key(d, a, k);
		return;
	}
	if (d->pager) {
		if (pager_action(d, a, LINES - 4))
			return;
		global_action(d, a, k);
		return;
	}
	view_key(d, a, k);
	if (d->view == V_services) {
		svc_row *r = dash_selected_service(d);
		if (r && (!d->last_service || strcmp(d->last_service, r->sv.name))) {
			free(d->last_service);
			d->last_service = fc_strdup(r->sv.name);
		}
	}
}

/* Work the clock brings: a plan changed by someone else, gates that opened. */
static void periodic(dash *d)
{
	long long now = dash_ms();
	char head[41];

	if (now - d->last_head_check_ms >= 2000) {
		d->last_head_check_ms = now;
		model_head(d, head);
		if (strcmp(head, d->m.head)) {
			dash_reload(d);
			dash_status(d, 0, "the plan changed (HEAD %.12s): reloaded", d->m.head);
			return;
		}
	}
	if (now - d->last_step_eval_ms >= 30000)
		dash_reload(d); /* soak gates open with time */
}

/* ---- setup ---- */

static int parse_size(const char *s, int *w, int *h)
{
	return s && sscanf(s, "%dx%d", w, h) == 2 && *w > 0 && *h > 0 && *w <= 1000 && *h <= 1000 ? 0 : -1;
}

static void wait_wake(dash *d, int ms)
{
	struct pollfd pfd = { d->wake[0], POLLIN, 0 };
	poll(&pfd, 1, ms);
	bg_drain(d);
}

/* Headless: one script event.  0 to go on, 1 at the end. */
static int script_step(dash *d, script *s)
{
	script_ev ev = script_next(s);

	switch (ev.kind) {
	case EV_END:
		return 1;
	case EV_KEY:
		handle_key(d, ev.key);
		break;
	case EV_RESIZE:
		resize_term(ev.h, ev.w);
		break;
	case EV_WAIT_REFRESH: {
		size_t gen = d->snap ? d->snap->gen : 0;
		long long until = dash_ms() + 30000;
		bg_refresh_now(d);
		while ((!d->snap || d->snap->gen <= gen) && dash_ms() < until) {
			wait_wake(d, 100);
			bg_adopt(d);
		}
		break;
	}
	case EV_DUMP:
	case EV_DUMP_ATTRS:
		draw(d);
		if (screen_dump(ev.path, ev.kind == EV_DUMP_ATTRS) < 0)
			fprintf(stderr, "ficus: %s\n", fc_error_last());
		break;
	case EV_DUMP_KEYS:
		if (keys_dump(ev.path) < 0)
			fprintf(stderr, "ficus: cannot write '%s'\n", ev.path);
		break;
	default:
		break;
	}
	return 0;
}

static int env_true(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0");
}

/* A whole number from the environment in [min, max]; unset or empty leaves *out. */
static int env_long(const char *name, long min, long max, const char *what, long *out)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < min || n > max) {
		fprintf(stderr, "ficus: %s '%s' is not %s (%ld to %ld)\n", name, v, what, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int dash_run(fc_plan *p, const dash_opts *o)
{
	dash d;
	script *scr = NULL;
	SCREEN *scrn = NULL;
	FILE *hout = NULL, *hin = NULL;
	const char *term = getenv("TERM"), *script_path = getenv("FICUS_DASH_SCRIPT");
	struct sigaction sa, old_int, old_term, old_hup;
	int rc = 0, dumb, left;
	long refresh = 5, max_frames = 0;

	/* FICUS_DASH_FRAMES, headless only: stop after that many frames (make bench times the first) */
	if (env_long("FICUS_DASH_REFRESH", 0, 3600, "a number of seconds", &refresh) < 0 ||
	    env_long("FICUS_DASH_FRAMES", 1, 1000000, "a number of frames", &max_frames) < 0)
		return 2;
	memset(&d, 0, sizeof(d));
	d.opts = o;
	d.p = p;
	d.plan_dir = fc_strdup(fc_plan_dir(p));
	d.refresh_secs = (int)refresh;
	dumb = term && !strcmp(term, "dumb");
	if (script_path && *script_path) {
		char *err = NULL;
		int w = 80, h = 24;
		const char *size = getenv("FICUS_DASH_SIZE");
		d.headless = 1;
		if (size && parse_size(size, &w, &h) < 0) {
			fprintf(stderr, "ficus: FICUS_DASH_SIZE '%s' is not WIDTHxHEIGHT (e.g. 80x24)\n", size);
			free(d.plan_dir);
			return 2;
		}
		if (!(scr = script_load(script_path, &err))) {
			fprintf(stderr, "ficus: %s\n", err);
			free(err);
			free(d.plan_dir);
			return 2;
		}
		hout = fopen("/dev/null", "w");
		hin = fopen("/dev/null", "r");
		if (hout && hin)
			scrn = newterm(term && *term ? term : "xterm", hout, hin);
		if (!scrn && hout && hin)
			scrn = newterm("xterm", hout, hin);
		if (scrn)
			resize_term(h, w);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ficus: 'dash' needs a terminal (FICUS_DASH_SCRIPT=FILE runs it from a script)\n");
			free(d.plan_dir);
			return 1;
		}
		/*
		 * A dumb terminal cannot address the cursor: draw with the plainest
		 * description that can (vt100: bold, reverse, underline, no colour).
		 */
		scrn = newterm(dumb ? "vt100" : NULL, stdout, stdin);
	}
	if (!scrn) {
		fprintf(stderr, "ficus: cannot use the terminal '%s' (set TERM)\n", term ? term : "");
		rc = 1;
		goto done;
	}
	set_term(scrn);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	d.color = !o->no_color && !(getenv("NO_COLOR") && *getenv("NO_COLOR")) && !dumb && has_colors();
	d.unicode = !strcmp(nl_langinfo(CODESET), "UTF-8") && !dumb && !env_true("FICUS_DASH_ASCII");
	draw_init(d.color, d.unicode);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	model_load(&d);
	for (int v = 0; v < V_COUNT; v++)
		d.list_dirty[v] = 1;
	d.last_head_check_ms = d.last_step_eval_ms = dash_ms();
	if (o->readonly)
		dash_status(&d, 0, "read-only (--readonly): actions are hidden; ? lists the keys");
	else if (dumb && !d.headless)
		dash_status(&d, 0, "TERM=dumb: no colour, ASCII symbols (drawn as a vt100); ? lists the keys");
	else if (d.m.error)
		dash_status(&d, 1, "%s", d.m.error);
	else
		dash_status(&d, 0, "%zu services at HEAD %.12s; ? lists the keys", d.m.nsvcs, d.m.head);
	if (bg_start(&d) < 0) {
		endwin();
		fprintf(stderr, "ficus: %s\n", fc_error_last());
		rc = 1;
		goto done;
	}

	while (!d.quit && !got_signal) {
		bg_adopt(&d);
		if (!d.headless)
			periodic(&d);
		draw(&d);
		if (d.headless && max_frames && d.frames >= max_frames)
			break; /* the screen holds that frame: dumped as it is */
		if (d.view == V_services && !d.m.hist_loaded && !d.small)
			continue; /* first frame out: now read the history for the timeline */
		if (d.headless) {
			if (bg_busy(&d)) {
				wait_wake(&d, 100);
				continue;
			}
			if (script_step(&d, scr))
				break;
			continue;
		}
		{
			wint_t ch;
			int r = wget_wch(stdscr, &ch);
			if (r == ERR) {
				struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 }, { d.wake[0], POLLIN, 0 } };
				struct timespec now;
				int wait;
				clock_gettime(CLOCK_REALTIME, &now);
				wait = 1000 - (int)(now.tv_nsec / 1000000); /* the clock in the header ticks */
				if (poll(pfd, 2, wait > 0 ? wait : 1) > 0 && (pfd[1].revents & POLLIN))
					bg_drain(&d);
				continue;
			}
			if (r == KEY_CODE_YES && ch == KEY_RESIZE)
				continue; /* the next frame is drawn at the new size */
			handle_key(&d, (dkey){ r == KEY_CODE_YES, (int)ch });
		}
	}
	/* a finished action still reports, even when quitting */
	bg_adopt(&d);
	if (d.headless) {
		const char *dump = getenv("FICUS_DASH_DUMP");
		if (!max_frames || d.frames < max_frames)
			draw(&d);
		if (dump && *dump && screen_dump(dump, 0) < 0)
			fprintf(stderr, "ficus: %s\n", fc_error_last());
	}
	left = bg_stop(&d);
	endwin();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (left) {
		/* the router thread is stuck on a dead router: leave without waiting for it */
		fflush(NULL);
		_exit(rc);
	}
done:
	if (scrn)
		delscreen(scrn);
	if (hout)
		fclose(hout);
	if (hin)
		fclose(hin);
	script_free(scr);
	dialog_close(&d);
	pager_close(&d);
	free(d.pick);
	model_free(&d.m);
	for (int v = 0; v < V_COUNT; v++)
		free(d.lists[v].idx);
	for (size_t i = 0; i < d.ncmd_hist; i++)
		free(d.cmd_hist[i]);
	free(d.cmd_hist);
	free(d.last_service);
	free(d.plan_dir);
	return rc;
}
