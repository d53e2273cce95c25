/*
 * The domain map view: the domains in extraction order (fc_order_compute,
 * strategy switched with a key), their dependencies, and the cycles
 * (fc_map_cycles) marked on every row they touch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "tui.h"

static const fc_rank *row_rank(dash *d, size_t i)
{
	return &d->m.ranks[d->m.mrow_rank[i]];
}

static size_t map_count(dash *d)
{
	return d->m.nmrows;
}

static char *map_row_text(dash *d, size_t i)
{
	const fc_domain *dom = d->m.mrow_dom[i];
	return fc_asprintf("%s %s %s %s", d->m.mrow_name[i], dom && dom->owner ? dom->owner : "",
			   row_rank(d, i)->cycle ? "cycle" : "", row_rank(d, i)->explain ? row_rank(d, i)->explain : "");
}

static void map_prepare(dash *d)
{
	if (!d->m.map_loaded) {
		model_load_map(d);
		d->list_dirty[V_map] = 1;
	}
}

static void map_note(dash *d, char *buf, size_t size)
{
	snprintf(buf, size, "order: %s (o switches)  %zu domains, %zu cycle%s", fc_order_strategy_name(d->m.strategy),
		 d->m.ndoms, d->m.ncycles, d->m.ncycles == 1 ? "" : "s");
}

static void cycle_text(const fc_rank *c, fc_buf *b)
{
	const dash_syms *sy = draw_syms();
	for (size_t k = 0; k < c->ndomains; k++)
		fc_buf_printf(b, "%s%s", k ? " " : "", c->domains[k]);
	fc_buf_printf(b, " %s", sy->cycle);
}

static void domain_detail(dash *d, size_t row, rtext *t, int width)
{
	const dash_model *m = &d->m;
	const char *name = m->mrow_name[row];
	const fc_domain *dom = m->mrow_dom[row];
	const fc_rank *rk = row_rank(d, row);
	const dash_syms *sy = draw_syms();
	size_t nout = 0, nin = 0;

	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "%s", name);
	if (dom)
		rt_add(t, A_NORMAL, "  owner %s  %.0f req/s", dom->owner && *dom->owner ? dom->owner : "-", dom->rps);
	rt_add(t, A_NORMAL, "  rank %d", rk->rank);
	if (rk->cycle) {
		fc_buf b = FC_BUF_INIT;
		cycle_text(rk, &b);
		rt_add(t, draw_attr(S_CYCLE), "  %s in a cycle: %s", sy->cycle, fc_buf_cstr(&b));
		fc_buf_free(&b);
	}
	if (rk->explain) {
		rt_nl(t);
		rt_add(t, draw_attr(S_DIM), "why     ");
		rt_add_wrapped(t, draw_attr(S_DIM), rk->explain, width, 8);
	}
	if (dom && dom->description && *dom->description) {
		rt_nl(t);
		rt_add_wrapped(t, A_NORMAL, dom->description, width, 0);
	}
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "uses    ");
	for (size_t i = 0; i < m->ndeps; i++)
		if (!strcmp(m->deps[i].from, name))
			rt_add(t, A_NORMAL, "%s%s %s (%s, %d)", nout++ ? "  " : "", sy->arrow, m->deps[i].to, m->deps[i].kind,
			       m->deps[i].weight);
	if (!nout)
		rt_add(t, draw_attr(S_DIM), "nothing");
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "used by ");
	for (size_t i = 0; i < m->ndeps; i++)
		if (!strcmp(m->deps[i].to, name))
			rt_add(t, A_NORMAL, "%s%s (%s, %d)", nin++ ? "  " : "", m->deps[i].from, m->deps[i].kind,
			       m->deps[i].weight);
	if (!nin)
		rt_add(t, draw_attr(S_DIM), "nobody");
	if (dom && dom->ntables) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "tables  ");
		for (size_t i = 0; i < dom->ntables; i++)
			rt_add(t, A_NORMAL, "%s%s", i ? ", " : "", dom->tables[i]);
	}
	for (size_t i = 0; dom && i < dom->nsignals; i++) {
		rt_nl(t);
		rt_add(t, draw_attr(S_TITLE), "%s", i ? "        " : "signals ");
		rt_add(t, A_BOLD, "%s", dom->signal_keys[i]);
		rt_add(t, A_NORMAL, ": %s", dom->signal_values[i]);
	}
	rt_nl(t);
	rt_add(t, draw_attr(S_TITLE), "services");
	{
		size_t ns = 0;
		for (size_t i = 0; i < m->nsvcs; i++)
			for (size_t k = 0; k < m->svcs[i].sv.ndomains; k++)
				if (!strcmp(m->svcs[i].sv.domains[k], name)) {
					char st[64];
					fc_state_format(st, sizeof(st), m->svcs[i].sv.phase, m->svcs[i].sv.bp);
					rt_add(t, A_NORMAL, "%s%s (%s)", ns++ ? "  " : " ", m->svcs[i].sv.name, st);
				}
		if (!ns)
			rt_add(t, draw_attr(S_DIM), " none yet");
	}
}

static void map_draw(dash *d, int y, int x, int h, int w)
{
	dash_model *m = &d->m;
	list_state *l = &d->lists[V_map];
	const dash_syms *sy = draw_syms();
	int name_w = 8, owner_w = 14, th, col;
	long sel;

	if (m->map_error) {
		draw_str(y, x + 1, w - 2, draw_attr(S_BAD), m->map_error);
		return;
	}
	/* the cycles, always in sight */
	{
		fc_buf b = FC_BUF_INIT;
		if (!m->ncycles) {
			draw_printf(y, x + 1, w - 2, draw_attr(S_DIM), "cycles: none");
		} else {
			fc_buf_printf(&b, "cycles (%zu): ", m->ncycles);
			for (size_t c = 0; c < m->ncycles; c++) {
				if (c)
					fc_buf_puts(&b, "; ");
				cycle_text(&m->cycles[c], &b);
			}
			draw_str(y, x + 1, w - 2, draw_attr(S_CYCLE), fc_buf_cstr(&b));
		}
		fc_buf_free(&b);
	}
	y++;
	h--;
	if (m->map_name_w > name_w)
		name_w = m->map_name_w;
	if (name_w > 24)
		name_w = 24;
	th = (int)l->nidx + 1;
	if (th < 4)
		th = 4;
	if (th > h / 2)
		th = h / 2;
	draw_fill(y, x, w, A_UNDERLINE);
	col = x + 2;
	draw_str(y, col, 5, A_UNDERLINE | A_BOLD, "RANK");
	col += 7;
	draw_str(y, col, name_w, A_UNDERLINE | A_BOLD, "DOMAIN");
	col += name_w + 1;
	draw_str(y, col, owner_w, A_UNDERLINE | A_BOLD, "OWNER");
	col += owner_w + 1;
	draw_str(y, col, 9, A_UNDERLINE | A_BOLD, "REQ/S");
	col += 10;
	draw_str(y, col, 9, A_UNDERLINE | A_BOLD, "IN/OUT");
	col += 10;
	draw_str(y, col, x + w - col, A_UNDERLINE | A_BOLD, "WHY THIS RANK");
	if (!l->nidx) {
		draw_str(y + 1, x + 2, w - 2, draw_attr(S_DIM),
			 m->nmrows ? "no domain matches the filter (Esc clears it)"
				   : "no domains yet: 'ficus map import FILE' or 'ficus domain add NAME'");
		return;
	}
	list_scroll(l, th - 1);
	for (int row = 0; row < th - 1 && l->top + (size_t)row < l->nidx; row++) {
		size_t i = l->idx[l->top + (size_t)row];
		const fc_rank *rk = row_rank(d, i);
		const fc_domain *dom = m->mrow_dom[i];
		int s = l->top + (size_t)row == l->cur, yy = y + 1 + row;
		unsigned ra = s ? draw_attr(S_SEL) : A_NORMAL, ca = rk->cycle ? ra | draw_attr(S_CYCLE) : ra;

		draw_fill(yy, x, w, ra);
		draw_str(yy, x, 2, ra, s ? sy->sel : " ");
		col = x + 2;
		draw_printf(yy, col, 4, ca, "%4d", rk->rank);
		draw_str(yy, col + 5, 1, ca, rk->cycle ? sy->cycle : " ");
		col += 7;
		draw_strpad(yy, col, name_w, ca | A_BOLD, m->mrow_name[i]);
		col += name_w + 1;
		draw_strpad(yy, col, owner_w, ra, dom && dom->owner && *dom->owner ? dom->owner : "-");
		col += owner_w + 1;
		draw_printf(yy, col, 9, ra, "%9.0f", dom ? dom->rps : 0.0);
		col += 10;
		draw_printf(yy, col, 9, ra, "%3d/%-3d", m->mrow_in[i], m->mrow_out[i]);
		col += 10;
		draw_str(yy, col, x + w - col, rk->cycle ? ca : ra | (s ? 0 : A_DIM), rk->explain ? rk->explain : "");
	}
	sel = list_selected(l);
	if (sel >= 0) {
		rtext t = { NULL, 0 };
		draw_hline(y + th, x, w, A_DIM);
		draw_printf(y + th, x + 2, w - 4, A_BOLD, " %s ", m->mrow_name[sel]);
		domain_detail(d, (size_t)sel, &t, w - 2);
		draw_rtext(&t, 0, y + th + 1, x + 1, h - th - 1, w - 2, 0);
		rt_free(&t);
	}
}

static void map_pager_text(dash *d, rtext *t, int width, const char *name)
{
	for (size_t i = 0; i < d->m.nmrows; i++)
		if (!strcmp(d->m.mrow_name[i], name)) {
			domain_detail(d, i, t, width);
			return;
		}
	rt_nl(t);
	rt_add(t, draw_attr(S_BAD), "domain '%s' is no longer in the map", name);
}

static int map_action(dash *d, dash_action a)
{
	long sel = list_selected(&d->lists[V_map]);

	if (a == DA_STRATEGY) {
		const char *keep = sel >= 0 ? d->m.mrow_name[sel] : NULL;
		char *name = keep ? fc_strdup(keep) : NULL;
		d->m.strategy = d->m.strategy == FC_ORDER_OUTSIDE_IN	 ? FC_ORDER_BLAST_RADIUS
				: d->m.strategy == FC_ORDER_BLAST_RADIUS ? FC_ORDER_LEAST_COUPLED
									 : FC_ORDER_OUTSIDE_IN;
		model_load_map(d);
		list_rebuild(d, V_map);
		/* stay on the same domain */
		for (size_t k = 0; name && k < d->lists[V_map].nidx; k++)
			if (!strcmp(d->m.mrow_name[d->lists[V_map].idx[k]], name))
				d->lists[V_map].cur = k;
		free(name);
		dash_status(d, 0, "extraction order: %s", fc_order_strategy_name(d->m.strategy));
		return 1;
	}
	if (a == DA_ENTER && sel >= 0) {
		pager_open_regen(d, d->m.mrow_name[sel], PAGER_TEXT, map_pager_text, d->m.mrow_name[sel]);
		return 1;
	}
	return 0;
}

static const char *map_row_key(dash *d, size_t i)
{
	return d->m.mrow_name[i];
}

const view_ops view_map = {
	"map", "Map", CX_MAP, map_count, map_row_text, map_row_key, map_draw, map_action, map_prepare, map_note,
};
