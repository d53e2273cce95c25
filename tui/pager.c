/*
 * The pager: full-screen, scrollable text over the current view (help,
 * a service or domain in full, a whole commit, the output of a ':'
 * command).  Closing it returns to the view as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "tui.h"

void pager_open(dash *d, const char *title, rtext *text, int kind)
{
	pager_close(d);
	d->pager = fc_calloc(1, sizeof(*d->pager));
	d->pager->title = dash_clean(title);
	d->pager->text = *text;
	d->pager->kind = kind;
	memset(text, 0, sizeof(*text));
}

void pager_open_regen(dash *d, const char *title, int kind, pager_regen regen, const char *arg)
{
	rtext t = { NULL, 0 };

	pager_open(d, title, &t, kind);
	d->pager->regen = regen;
	d->pager->arg = arg ? fc_strdup(arg) : NULL;
	d->pager->width = -1; /* built at the first draw */
}

void pager_close(dash *d)
{
	if (!d->pager)
		return;
	free(d->pager->arg);
	free(d->pager->title);
	rt_free(&d->pager->text);
	free(d->pager);
	d->pager = NULL;
}

void pager_draw(dash *d, int y, int x, int h, int w)
{
	dash_pager *pg = d->pager;
	size_t n = pg->text.nlines;
	char pos[64];

	if (h < 2)
		return;
	if (pg->regen && pg->width != w) {
		rt_free(&pg->text);
		pg->regen(d, &pg->text, w - 2, pg->arg);
		pg->width = w;
		n = pg->text.nlines;
	}
	if (n > (size_t)(h - 1) && pg->top > n - (size_t)(h - 1))
		pg->top = n - (size_t)(h - 1);
	if (n <= (size_t)(h - 1))
		pg->top = 0;
	snprintf(pos, sizeof(pos), "%zu-%zu/%zu", n ? pg->top + 1 : 0,
		 pg->top + (size_t)(h - 1) < n ? pg->top + (size_t)(h - 1) : n, n);
	draw_fill(y, x, w, draw_attr(S_TITLE) | A_UNDERLINE);
	draw_str(y, x + 1, w - (int)strlen(pos) - 3, draw_attr(S_TITLE) | A_UNDERLINE, pg->title);
	draw_str(y, x + w - (int)strlen(pos) - 1, (int)strlen(pos), draw_attr(S_TITLE) | A_UNDERLINE, pos);
	draw_rtext(&pg->text, pg->top, y + 1, x + 1, h - 1, w - 2, 0);
}

int pager_action(dash *d, dash_action a, int h)
{
	dash_pager *pg = d->pager;
	size_t page = h > 2 ? (size_t)(h - 2) : 1, n = pg->text.nlines;

	switch (a) {
	case DA_CLOSE:
	case DA_QUIT:
		pager_close(d);
		return 1;
	case DA_DOWN:
		if (pg->top + 1 < n)
			pg->top++;
		return 1;
	case DA_UP:
		if (pg->top > 0)
			pg->top--;
		return 1;
	case DA_PGDN:
		pg->top = pg->top + page < n ? pg->top + page : pg->top;
		return 1;
	case DA_PGUP:
		pg->top = pg->top > page ? pg->top - page : 0;
		return 1;
	case DA_TOP:
		pg->top = 0;
		return 1;
	case DA_BOTTOM:
		pg->top = n > page ? n - page : 0;
		return 1;
	default:
		return 0;
	}
}
