/*
 * The history view: the plan repository's log, newest first, with the
 * Ficus-* trailers as columns (service, action, from, to, forced), who
 * made it and why (the reason's first line; below the table on narrow
 * screens).  Enter shows the whole commit, its trailers once.  The log is read in chunks of
 * DASH_HISTORY_CHUNK commits; reaching the end reads more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "tui.h"

static size_t hist_count(dash *d)
{
	return d->m.nhist;
}

static char *hist_row_text(dash *d, size_t i)
{
	const hist_row *h = &d->m.hist[i];
	return fc_asprintf("%.12s %s %s %s %s %s %s %s", h->oid, h->author, h->subject, h->service ? h->service : "",
			   h->action ? h->action : "", h->from ? h->from : "", h->to ? h->to : "",
			   h->forced ? h->forced : "");
}

static void hist_prepare(dash *d)
{
	dash_model *m = &d->m;
	list_state *l = &d->lists[V_history];

	if (!m->hist_loaded) {
		model_load_history(d);
		d->list_dirty[V_history] = 1;
	} else if (!m->hist_complete && l->nidx && l->cur + 1 >= l->nidx && !l->filter[0]) {
		/* at the end of what is loaded: read further back */
		size_t cur = l->cur;
		m->hist_limit += DASH_HISTORY_CHUNK;
		model_load_history(d);
		list_rebuild(d, V_history);
		l->cur = cur;
	}
}

static void hist_note(dash *d, char *buf, size_t size)
{
	snprintf(buf, size, "%zu commit%s%s", d->m.nhist, d->m.nhist == 1 ? "" : "s",
		 d->m.hist_complete ? "" : " loaded (more at the end)");
}

static const char *forced_text(const hist_row *h)
{
	if (!h->forced)
		return "-";
	return !strncmp(h->forced, "yes", 3) ? "YES" : "no";
}

/* The reason's first line, into buf ("-" without one). */
static void why_text(const hist_row *h, char *buf, size_t size)
{
	const char *b = h->body ? h->body : "";
	size_t n;

	while (*b == '\n')
		b++;
	n = strcspn(b, "\n");
	if (!n)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), b);
}

/* Who made a commit: the author's name, else the email. */
static const char *who_text(const hist_row *h)
{
	return h->author && *h->author ? h->author : h->email ? h->email : "-";
}

static void hist_draw(dash *d, int y, int x, int h, int w)
{
	dash_model *m = &d->m;
	list_state *l = &d->lists[V_history];
	int wide = w >= 120, when_w = wide ? 16 : 11, id_w = wide ? 7 : 0, svc_w = 7, act_w = 11, st_w, f_w = 6, col;
	int who_w = wide ? 14 : w >= 100 ? 10 : 0; /* WHO and WHY where there is room */
	int why_w = w >= 160 ? 40 : 0;              /* and the subject after them, wider still */

	/* FROM and TO keep their percentage: the commit id goes first on narrow screens */
	if (m->hist_svc_w > svc_w)
		svc_w = m->hist_svc_w;
	if (svc_w > (wide ? 20 : 13))
		svc_w = wide ? 20 : 13;
	st_w = wide ? 17 : who_w ? 16 : (w - 2 - (when_w + 1) - (svc_w + 1) - (act_w + 1) - (f_w + 1)) / 2;
	if (st_w < 8)
		st_w = 8;
	draw_fill(y, x, w, A_UNDERLINE);
	col = x + 2;
	draw_str(y, col, when_w, A_UNDERLINE | A_BOLD, "WHEN");
	col += when_w + 1;
	if (id_w) {
		draw_str(y, col, id_w, A_UNDERLINE | A_BOLD, "COMMIT");
		col += id_w + 1;
	}
	draw_str(y, col, svc_w, A_UNDERLINE | A_BOLD, "SERVICE");
	col += svc_w + 1;
	draw_str(y, col, act_w, A_UNDERLINE | A_BOLD, "ACTION");
	col += act_w + 1;
	draw_str(y, col, st_w, A_UNDERLINE | A_BOLD, "FROM");
	col += st_w + 1;
	draw_str(y, col, st_w, A_UNDERLINE | A_BOLD, "TO");
	col += st_w + 1;
	draw_str(y, col, f_w, A_UNDERLINE | A_BOLD, "FORCED");
	col += f_w + 1;
	if (who_w) {
		draw_str(y, col, who_w, A_UNDERLINE | A_BOLD, "WHO");
		col += who_w + 1;
		draw_str(y, col, why_w ? why_w : x + w - col, A_UNDERLINE | A_BOLD, "WHY");
		if (why_w)
			draw_str(y, col + why_w + 1, x + w - col - why_w - 1, A_UNDERLINE | A_BOLD, "SUBJECT");
	}
	if (m->hist_error) {
		draw_str(y + 1, x + 2, w - 2, draw_attr(S_BAD), m->hist_error);
		return;
	}
	if (!l->nidx) {
		draw_str(y + 1, x + 2, w - 2, draw_attr(S_DIM),
			 m->nhist ? "no commit matches the filter (Esc clears it)" : "no commits yet");
		return;
	}
	list_scroll(l, who_w ? h - 1 : h - 2);
	for (int row = 0; row < (who_w ? h - 1 : h - 2) && l->top + (size_t)row < l->nidx; row++) {
		const hist_row *r = &m->hist[l->idx[l->top + (size_t)row]];
		int sel = l->top + (size_t)row == l->cur, yy = y + 1 + row;
		unsigned ra = sel ? draw_attr(S_SEL) : A_NORMAL;
		char when[32], why[256];

		fc_time_format(when, sizeof(when), r->when);
		draw_fill(yy, x, w, ra);
		draw_str(yy, x, 2, ra, sel ? draw_syms()->sel : " ");
		col = x + 2;
		if (wide)
			draw_printf(yy, col, when_w, ra, "%.10s %.5s", when, when + 11);
		else
			draw_printf(yy, col, when_w, ra, "%.5s %.5s", when + 5, when + 11);
		col += when_w + 1;
		if (id_w) {
			draw_printf(yy, col, id_w, ra | A_DIM, "%.7s", r->oid);
			col += id_w + 1;
		}
		draw_strpad(yy, col, svc_w, ra | A_BOLD, r->service ? r->service : "-");
		col += svc_w + 1;
		draw_strpad(yy, col, act_w, ra, r->action ? r->action : "-");
		col += act_w + 1;
		draw_strpad(yy, col, st_w, ra, r->from ? r->from : "");
		col += st_w + 1;
		draw_strpad(yy, col, st_w, ra, r->to ? r->to : "");
		col += st_w + 1;
		draw_strpad(yy, col, f_w, !strcmp(forced_text(r), "YES") ? ra | draw_attr(S_BAD) : ra, forced_text(r));
		col += f_w + 1;
		if (who_w) {
			draw_strpad(yy, col, who_w, ra, who_text(r));
			col += who_w + 1;
			why_text(r, why, sizeof(why));
			if (why_w) {
				draw_strpad(yy, col, why_w, ra, why);
				draw_str(yy, col + why_w + 1, x + w - col - why_w - 1, ra, r->subject);
			} else {
				draw_str(yy, col, x + w - col, ra, why);
			}
		}
	}
	/* the selected commit: id, who and why, under the table on narrow screens */
	if (!who_w && h > 3) {
		long sel = list_selected(l);
		if (sel >= 0) {
			char why[256];
			why_text(&m->hist[sel], why, sizeof(why));
			draw_hline(y + h - 1, x, w, A_DIM);
			draw_printf(y + h - 1, x + 2, w - 4, A_BOLD, " %.7s %s: %s ", m->hist[sel].oid, who_text(&m->hist[sel]),
				    why[0] != '-' || why[1] ? why : m->hist[sel].subject);
		}
	}
}

static int hist_action(dash *d, dash_action a)
{
	long sel = list_selected(&d->lists[V_history]);
	const hist_row *h;
	rtext t = { NULL, 0 };
	char when[32], title[64];

	if (a != DA_ENTER || sel < 0)
		return 0;
	h = &d->m.hist[sel];
	fc_time_format(when, sizeof(when), h->when);
	rt_nl(&t);
	rt_add(&t, draw_attr(S_WARN), "commit %s", h->oid);
	rt_nl(&t);
	rt_add(&t, A_NORMAL, "Author: %s <%s>", h->author, h->email);
	rt_nl(&t);
	rt_add(&t, A_NORMAL, "Date:   %s", when);
	rt_nl(&t);
	/* subject and reason; the trailers once, below (the message holds them too) */
	rt_add_lines(&t, A_NORMAL, "    ", h->subject);
	if (h->body && *h->body) {
		rt_nl(&t);
		rt_add_lines(&t, A_NORMAL, "    ", h->body);
	}
	if (h->ntrailers) {
		rt_nl(&t);
		rt_nl(&t);
		rt_add(&t, draw_attr(S_TITLE), "Trailers");
		for (size_t k = 0; k < h->ntrailers; k++) {
			rt_nl(&t);
			rt_add(&t, A_BOLD, "    %-16s", h->keys[k]);
			rt_add(&t, A_NORMAL, " %s", h->values[k]);
		}
	}
	snprintf(title, sizeof(title), "commit %.12s", h->oid);
	pager_open(d, title, &t, PAGER_TEXT);
	return 1;
}

static const char *hist_row_key(dash *d, size_t i)
{
	return d->m.hist[i].oid;
}

const view_ops view_history = {
	"history", "History", CX_HISTORY, hist_count, hist_row_text, hist_row_key, hist_draw, hist_action, hist_prepare, hist_note,
};
