/*
 * Drawing helpers: sanitized, width-aware text; symbols with ASCII
 * fallbacks; semantic attributes that never rely on colour alone; rich
 * text (lines of attributed segments); text fields.
 *
 * Invariant: every string reaches the screen through draw_str(), which
 * runs fc_sanitize() on it first.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "fc_buf.h"
#include "tui.h"

static int use_color;
static int use_unicode;
static unsigned sem_attr[S_COUNT];

static const dash_syms uni_syms = {
	"\u2713", "\u2717", "\u2013", "\u25b6", "\u00b7", "\u2588", "\u2591", "\u2192", "\u27f3", "\u2026", "!", "\u25b8",
	"\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518", "\u251c", "\u2524",
	{ "\u00b7", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" },
	"[x]", "[ ]", "(\u2022)", "( )"
};

static const dash_syms ascii_syms = {
	"+", "x", "-", ">", ".", "#", "-", "->", "@", "~", "!", ">",
	"-", "|", "+", "+", "+", "+", "+", "+",
	{ "_", ".", ",", ":", ";", "=", "+", "*", "#" },
	"[x]", "[ ]", "(*)", "( )"
};

enum { P_GREEN = 1, P_RED, P_YELLOW, P_CYAN };

void draw_init(int color, int unicode)
{
	use_color = color;
	use_unicode = unicode;
	if (color) {
		start_color();
		use_default_colors();
		init_pair(P_GREEN, COLOR_GREEN, -1);
		init_pair(P_RED, COLOR_RED, -1);
		init_pair(P_YELLOW, COLOR_YELLOW, -1);
		init_pair(P_CYAN, COLOR_CYAN, -1);
	}
	/* the attribute carries the meaning; colour only adds to it */
	sem_attr[S_NORMAL] = A_NORMAL;
	sem_attr[S_OK] = A_NORMAL | (color ? COLOR_PAIR(P_GREEN) : 0);
	sem_attr[S_BAD] = A_BOLD | (color ? COLOR_PAIR(P_RED) : 0);
	sem_attr[S_WARN] = A_UNDERLINE | (color ? COLOR_PAIR(P_YELLOW) : 0);
	sem_attr[S_DIM] = A_DIM;
	sem_attr[S_TITLE] = A_BOLD;
	sem_attr[S_HEAD] = A_REVERSE;
	sem_attr[S_SEL] = A_REVERSE;
	sem_attr[S_CURPHASE] = A_REVERSE | A_BOLD;
	sem_attr[S_CYCLE] = A_BOLD | (color ? COLOR_PAIR(P_RED) : 0);
	sem_attr[S_KEY] = A_BOLD | (color ? COLOR_PAIR(P_CYAN) : 0);
	sem_attr[S_BADGE] = A_BOLD | A_REVERSE | (color ? COLOR_PAIR(P_RED) : 0);
}

unsigned draw_attr(int sem)
{
	return sem >= 0 && sem < S_COUNT ? sem_attr[sem] : A_NORMAL;
}

const dash_syms *draw_syms(void)
{
	return use_unicode ? &uni_syms : &ascii_syms;
}

char *dash_clean(const char *s)
{
	return fc_sanitize(s ? s : "", 0);
}

/* Decode sanitized UTF-8 into wide characters that fit in `w` columns. */
static size_t to_wide(const char *s, wchar_t *out, size_t max, int w, int *used)
{
	mbstate_t st;
	size_t n = 0;
	int cols = 0;

	memset(&st, 0, sizeof(st));
	while (*s && n < max) {
		wchar_t wc;
		size_t len = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		int cw;
		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			len = 1;
		}
		cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (cols + cw > w)
			break;
		out[n++] = wc;
		cols += cw;
		s += len;
	}
	*used = cols;
	return n;
}

int draw_width(const char *s)
{
	char *c = dash_clean(s);
	size_t max = strlen(c) + 1;
	wchar_t *buf = fc_calloc(max, sizeof(wchar_t));
	int used;

	to_wide(c, buf, max, 1 << 30, &used);
	free(buf);
	free(c);
	return used;
}

int draw_str(int y, int x, int w, unsigned attr, const char *s)
{
	char *c;
	wchar_t stackbuf[512], *buf = stackbuf;
	size_t max, n;
	int used;

	if (!s || w <= 0 || y < 0 || y >= LINES || x >= COLS || x < 0)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	c = dash_clean(s);
	max = strlen(c);
	if (max > (size_t)w * 4 + 8)
		max = (size_t)w * 4 + 8;
	if (max + 1 > sizeof(stackbuf) / sizeof(stackbuf[0]))
		buf = fc_calloc(max + 1, sizeof(wchar_t));
	n = to_wide(c, buf, max, w, &used);
	attrset((int)attr);
	if (n)
		mvaddnwstr(y, x, buf, (int)n);
	attrset(A_NORMAL);
	if (buf != stackbuf)
		free(buf);
	free(c);
	return used;
}

int draw_strpad(int y, int x, int w, unsigned attr, const char *s)
{
	int used = draw_str(y, x, w, attr, s);
	if (used < w)
		draw_fill(y, x + used, w - used, attr);
	return w;
}

int draw_printf(int y, int x, int w, unsigned attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return draw_str(y, x, w, attr, buf);
}

void draw_fill(int y, int x, int w, unsigned attr)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	attrset((int)attr);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void draw_hline(int y, int x, int w, unsigned attr)
{
	const char *h = draw_syms()->hl;
	for (int i = 0; i < w; i++)
		draw_str(y, x + i, 1, attr, h);
}

void draw_box(int y, int x, int h, int w, unsigned attr, const char *title)
{
	const dash_syms *sy = draw_syms();

	if (h < 2 || w < 2)
		return;
	for (int r = 1; r < h - 1; r++) {
		draw_str(y + r, x, 1, attr, sy->vl);
		draw_fill(y + r, x + 1, w - 2, A_NORMAL);
		draw_str(y + r, x + w - 1, 1, attr, sy->vl);
	}
	draw_str(y, x, 1, attr, sy->tl);
	draw_hline(y, x + 1, w - 2, attr);
	draw_str(y, x + w - 1, 1, attr, sy->tr);
	draw_str(y + h - 1, x, 1, attr, sy->bl);
	draw_hline(y + h - 1, x + 1, w - 2, attr);
	draw_str(y + h - 1, x + w - 1, 1, attr, sy->br);
	if (title && *title && w > 6) {
		char *t = fc_asprintf(" %s ", title);
		draw_str(y, x + 2, w - 4, attr | A_BOLD, t);
		free(t);
	}
}

void draw_bar(int y, int x, int w, int bp, unsigned attr)
{
	const dash_syms *sy = draw_syms();
	int full;

	if (w <= 0)
		return;
	if (bp < 0)
		bp = 0;
	if (bp > 10000)
		bp = 10000;
	full = (int)(((long)bp * w + 5000) / 10000);
	if (bp > 0 && full == 0)
		full = 1; /* any traffic shows */
	for (int i = 0; i < w; i++)
		draw_str(y, x + i, 1, i < full ? attr : (attr & A_REVERSE) | A_DIM, i < full ? sy->full : sy->empty);
}

/* ---- rich text ---- */

void rt_nl(rtext *t)
{
	t->lines = fc_realloc(t->lines, (t->nlines + 1) * sizeof(rline));
	memset(&t->lines[t->nlines++], 0, sizeof(rline));
}

static void rt_put(rtext *t, unsigned attr, char *owned)
{
	rline *l;

	if (!t->nlines)
		rt_nl(t);
	l = &t->lines[t->nlines - 1];
	l->segs = fc_realloc(l->segs, (l->nsegs + 1) * sizeof(rseg));
	l->segs[l->nsegs].attr = attr;
	l->segs[l->nsegs].text = owned;
	l->nsegs++;
}

void rt_add(rtext *t, unsigned attr, const char *fmt, ...)
{
	fc_buf b = FC_BUF_INIT;
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(tmp)) {
		va_start(ap, fmt);
		fc_buf_grow(&b, (size_t)n + 1);
		vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
		b.len = (size_t)n;
		va_end(ap);
		rt_put(t, attr, fc_buf_detach(&b));
		return;
	}
	rt_put(t, attr, fc_strdup(tmp));
}

void rt_add_lines(rtext *t, unsigned attr, const char *indent, const char *text)
{
	char *c = fc_sanitize(text ? text : "", 1), *line;
	char *p = c;

	/* keep empty lines: split by hand */
	for (;;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line = p;
		rt_nl(t);
		rt_add(t, attr, "%s%s", indent ? indent : "", line);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(c);
}

void rt_add_wrapped(rtext *t, unsigned attr, const char *text, int width, int indent)
{
	char *c = dash_clean(text);
	const char *p = c;
	fc_buf line = FC_BUF_INIT;
	int cols = indent, fresh = 1; /* the first line goes on after a label of `indent` columns */

	if (width < indent + 10)
		width = indent + 10;
	while (*p == ' ')
		p++;
	while (*p) {
		const char *w = p;
		char *word;
		int ww;
		while (*p && *p != ' ')
			p++;
		word = fc_strndup(w, (size_t)(p - w));
		ww = draw_width(word);
		if (!fresh && cols + 1 + ww > width) {
			rt_add(t, attr, "%s", fc_buf_cstr(&line));
			rt_nl(t);
			fc_buf_clear(&line);
			for (int i = 0; i < indent; i++)
				fc_buf_putc(&line, ' ');
			cols = indent;
			fresh = 1;
		}
		if (!fresh) {
			fc_buf_putc(&line, ' ');
			cols++;
		}
		fc_buf_puts(&line, word);
		cols += ww;
		fresh = 0;
		free(word);
		while (*p == ' ')
			p++;
	}
	if (line.len)
		rt_add(t, attr, "%s", fc_buf_cstr(&line));
	fc_buf_free(&line);
	free(c);
}

void rt_free(rtext *t)
{
	for (size_t i = 0; i < t->nlines; i++) {
		for (size_t j = 0; j < t->lines[i].nsegs; j++)
			free(t->lines[i].segs[j].text);
		free(t->lines[i].segs);
	}
	free(t->lines);
	t->lines = NULL;
	t->nlines = 0;
}

int draw_rtext(const rtext *t, size_t first, int y, int x, int h, int w, unsigned base_attr)
{
	int drawn = 0;

	for (size_t i = first; i < t->nlines && drawn < h; i++, drawn++) {
		const rline *l = &t->lines[i];
		int col = 0;
		for (size_t j = 0; j < l->nsegs && col < w; j++)
			col += draw_str(y + drawn, x + col, w - col, l->segs[j].attr | base_attr, l->segs[j].text);
		if (base_attr && col < w)
			draw_fill(y + drawn, x + col, w - col, base_attr);
	}
	return drawn;
}

/* ---- shell quoting for the equivalent command ---- */

char *dash_shquote(const char *s)
{
	char *c = dash_clean(s);
	fc_buf b = FC_BUF_INIT;
	int plain = *c != '\0';

	for (const char *p = c; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || strchr("_./:%@=+,-", *p);
	if (plain)
		return c;
	fc_buf_putc(&b, '\'');
	for (const char *p = c; *p; p++) {
		if (*p == '\'')
			fc_buf_puts(&b, "'\\''");
		else
			fc_buf_putc(&b, *p);
	}
	fc_buf_putc(&b, '\'');
	free(c);
	return fc_buf_detach(&b);
}

/* ---- text fields ---- */

void edit_set(line_edit *e, const char *utf8)
{
	mbstate_t st;
	const char *s = utf8 ? utf8 : "";

	memset(&st, 0, sizeof(st));
	e->len = 0;
	while (*s && e->len < DASH_EDIT_MAX) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			s++;
			continue;
		}
		if (iswprint((wint_t)wc))
			e->buf[e->len++] = wc;
		s += n;
	}
	e->buf[e->len] = L'\0';
	e->cur = e->len;
	e->scroll = 0;
}

int edit_key(line_edit *e, dash_action act, dkey k)
{
	switch (act) {
	case DA_E_LEFT:
		if (e->cur > 0)
			e->cur--;
		return 1;
	case DA_E_RIGHT:
		if (e->cur < e->len)
			e->cur++;
		return 1;
	case DA_E_HOME:
		e->cur = 0;
		return 1;
	case DA_E_END:
		e->cur = e->len;
		return 1;
	case DA_E_BS:
		if (e->cur > 0) {
			memmove(&e->buf[e->cur - 1], &e->buf[e->cur], (e->len - e->cur + 1) * sizeof(wchar_t));
			e->cur--;
			e->len--;
		}
		return 1;
	case DA_E_DEL:
		if (e->cur < e->len) {
			memmove(&e->buf[e->cur], &e->buf[e->cur + 1], (e->len - e->cur) * sizeof(wchar_t));
			e->len--;
		}
		return 1;
	case DA_E_KILL:
		e->len = e->cur = e->scroll = 0;
		e->buf[0] = L'\0';
		return 1;
	default:
		break;
	}
	if (act == DA_NONE && !k.fn && iswprint((wint_t)k.key) && e->len < DASH_EDIT_MAX) {
		memmove(&e->buf[e->cur + 1], &e->buf[e->cur], (e->len - e->cur + 1) * sizeof(wchar_t));
		e->buf[e->cur++] = (wchar_t)k.key;
		e->len++;
		return 1;
	}
	return 0;
}

char *edit_text(const line_edit *e)
{
	fc_buf b = FC_BUF_INIT;
	mbstate_t st;
	char mb[16];

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < e->len; i++) {
		size_t n = wcrtomb(mb, e->buf[i], &st);
		if (n == (size_t)-1) {
			memset(&st, 0, sizeof(st));
			fc_buf_putc(&b, '?');
			continue;
		}
		fc_buf_put(&b, mb, n);
	}
	return fc_buf_detach(&b);
}

void edit_draw(line_edit *e, int y, int x, int w, unsigned attr, int focus)
{
	int cols = 0;
	size_t i;

	if (w <= 1)
		return;
	/* scroll so that the cursor stays visible */
	if (e->cur < e->scroll)
		e->scroll = e->cur;
	for (;;) {
		int c = 0;
		for (i = e->scroll; i < e->cur; i++)
			c += wcwidth(e->buf[i]) > 0 ? wcwidth(e->buf[i]) : 1;
		if (c < w || e->scroll >= e->cur)
			break;
		e->scroll++;
	}
	draw_fill(y, x, w, attr | A_UNDERLINE);
	for (i = e->scroll; i <= e->len && cols < w; i++) {
		wchar_t wc[2] = { i < e->len ? e->buf[i] : L' ', L'\0' };
		int cw = wcwidth(wc[0]) > 0 ? wcwidth(wc[0]) : 1;
		unsigned a = attr | A_UNDERLINE;
		if (cols + cw > w)
			break;
		if (focus && i == e->cur)
			a = (attr | A_REVERSE) & ~A_UNDERLINE;
		attrset((int)a);
		mvaddnwstr(y, x + cols, wc, 1);
		attrset(A_NORMAL);
		cols += cw;
	}
}
