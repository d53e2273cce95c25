/*
 * The key bindings: one table.  Dispatch (keys_lookup), the footer hints
 * (keys_hints) and the '?' help (keys_help) are all generated from it, so
 * the help always lists exactly what the keys do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "tui.h"

#define CTRL(c) ((c) & 0x1f)
#define CX_VIEWS (CX_SERVICES | CX_MAP | CX_HISTORY)

const dash_binding dash_bindings[] = {
	/* everywhere in the main views and the pager */
	{ CX_MAIN, 0, '?', "?", DA_HELP, KB_HINT, "help", "this help: every key binding" },
	{ CX_MAIN, 0, '\t', "Tab", DA_NEXT_VIEW, KB_HINT, "view", "next view (services, map, history)" },
	{ CX_MAIN, 1, KEY_BTAB, "Shift-Tab", DA_PREV_VIEW, 0, NULL, "previous view" },
	{ CX_MAIN, 0, '1', "1", DA_VIEW1, 0, NULL, "services view" },
	{ CX_MAIN, 0, '2', "2", DA_VIEW2, 0, NULL, "domain map view" },
	{ CX_MAIN, 0, '3', "3", DA_VIEW3, 0, NULL, "history view" },
	{ CX_MAIN, 0, 'R', "R", DA_ROLLBACK_ANY, KB_WRITE | KB_HINT, "rollback-any",
	  "roll back from anywhere: R opens a picker on the last selected service, Enter takes it, "
	  "type the reason, Enter rolls back" },
	{ CX_MAIN, 0, ':', ":", DA_COMMAND, 0, NULL, "command line: a ficus verb with its arguments (e.g. status tracking)" },
	{ CX_MAIN, 0, CTRL('r'), "Ctrl-R", DA_RELOAD, 0, NULL, "reload the plan and refresh the routers now" },
	{ CX_MAIN, 0, CTRL('l'), "Ctrl-L", DA_REDRAW, 0, NULL, "redraw the screen" },
	{ CX_MAIN, 0, 'q', "q", DA_QUIT, KB_HINT, "quit", "quit (in the pager: close it)" },

	/* moving in lists and the pager */
	{ CX_LIST, 0, 'j', "j", DA_DOWN, 0, NULL, "down one line" },
	{ CX_LIST, 1, KEY_DOWN, "Down", DA_DOWN, 0, NULL, "down one line" },
	{ CX_LIST, 0, 'k', "k", DA_UP, 0, NULL, "up one line" },
	{ CX_LIST, 1, KEY_UP, "Up", DA_UP, 0, NULL, "up one line" },
	{ CX_LIST, 1, KEY_NPAGE, "PgDn", DA_PGDN, 0, NULL, "down one page" },
	{ CX_LIST, 0, CTRL('f'), "Ctrl-F", DA_PGDN, 0, NULL, "down one page" },
	{ CX_LIST, 1, KEY_PPAGE, "PgUp", DA_PGUP, 0, NULL, "up one page" },
	{ CX_LIST, 0, CTRL('b'), "Ctrl-B", DA_PGUP, 0, NULL, "up one page" },
	{ CX_LIST, 0, 'g', "g", DA_TOP, 0, NULL, "first line" },
	{ CX_LIST, 1, KEY_HOME, "Home", DA_TOP, 0, NULL, "first line" },
	{ CX_LIST, 0, 'G', "G", DA_BOTTOM, 0, NULL, "last line" },
	{ CX_LIST, 1, KEY_END, "End", DA_BOTTOM, 0, NULL, "last line" },

	/* the main views */
	{ CX_VIEWS, 0, '/', "/", DA_FILTER, KB_HINT, "filter", "filter the rows (Enter keeps the filter, Esc drops it)" },
	{ CX_VIEWS, 0, 27, "Esc", DA_BACK, 0, NULL, "clear the filter" },

	/* services */
	{ CX_SERVICES, 0, 'p', "p", DA_PROMOTE, KB_WRITE | KB_HINT, "promote",
	  "promote the selected service one step (dialog: gates, effect, reason)" },
	{ CX_SERVICES, 0, 'r', "r", DA_ROLLBACK, KB_WRITE | KB_HINT, "rollback",
	  "roll the selected service back (never gated; dialog asks for a reason)" },
	{ CX_SERVICES, 0, 's', "s", DA_SHADOW, KB_WRITE | KB_HINT, "shadow",
	  "turn shadow traffic on or off (dual-write and backfill)" },
	{ CX_SERVICES, 0, 'c', "c", DA_CHECK_RUN, KB_WRITE | KB_HINT, "checks",
	  "run the configured checks of the selected service and record the results" },
	{ CX_SERVICES, 0, 'C', "C", DA_CHECK_RECORD, KB_WRITE | KB_HINT, "record",
	  "record a check result (pass or fail, with a detail) for the selected service" },

	{ CX_SERVICES, 0, '\n', "Enter", DA_ENTER, KB_HINT, "details",
	  "the selected service in full: gates, checks, ramp timeline, routers" },
	{ CX_SERVICES, 1, KEY_ENTER, "Enter", DA_ENTER, 0, NULL,
	  "the selected service in full: gates, checks, ramp timeline, routers" },

	/* map */
	{ CX_MAP, 0, 'o', "o", DA_STRATEGY, KB_HINT, "order",
	  "switch the extraction order strategy (outside-in, blast-radius, least-coupled)" },
	{ CX_MAP, 0, '\n', "Enter", DA_ENTER, KB_HINT, "details", "the selected domain in full" },
	{ CX_MAP, 1, KEY_ENTER, "Enter", DA_ENTER, 0, NULL, "the selected domain in full" },

	/* history */
	{ CX_HISTORY, 0, '\n', "Enter", DA_ENTER, KB_HINT, "commit", "the whole commit: message, trailers, author" },
	{ CX_HISTORY, 1, KEY_ENTER, "Enter", DA_ENTER, 0, NULL, "the whole commit: message, trailers, author" },

	/* pager (help, details, commits, command output) */
	{ CX_PAGER, 0, 'q', "q", DA_CLOSE, KB_HINT, "close", "close the pager" },
	{ CX_PAGER, 0, 27, "Esc", DA_CLOSE, 0, NULL, "close the pager" },
	{ CX_PAGER, 0, ' ', "Space", DA_PGDN, 0, NULL, "down one page" },

	/* dialogs */
	{ CX_DIALOG, 0, '\t', "Tab", DA_D_NEXT, KB_HINT, "next-field", "next field or button" },
	{ CX_DIALOG, 1, KEY_DOWN, "Down", DA_D_NEXT, 0, NULL, "next field or button" },
	{ CX_DIALOG, 1, KEY_BTAB, "Shift-Tab", DA_D_PREV, 0, NULL, "previous field or button" },
	{ CX_DIALOG, 1, KEY_UP, "Up", DA_D_PREV, 0, NULL, "previous field or button" },
	{ CX_DIALOG, 1, KEY_LEFT, "Left", DA_D_LEFT, 0, NULL, "on the buttons: the button to the left" },
	{ CX_DIALOG, 1, KEY_RIGHT, "Right", DA_D_RIGHT, 0, NULL, "on the buttons: the button to the right" },
	{ CX_DIALOG, 0, ' ', "Space", DA_D_TOGGLE, KB_HINT, "toggle",
	  "on a check box or choice: toggle it (force, pass/fail)" },
	{ CX_DIALOG, 0, '\n', "Enter", DA_D_SUBMIT, KB_HINT, "buttons",
	  "in a field: to the buttons, Cancel selected; on a button: press it. Confirming takes a "
	  "move to the action (Right or Tab, then Enter); a closed gate also needs force, an "
	  "irreversible step the service name" },
	{ CX_DIALOG, 1, KEY_ENTER, "Enter", DA_D_SUBMIT, 0, NULL,
	  "in a field: to the buttons, Cancel selected; on a button: press it. Confirming takes a "
	  "move to the action (Right or Tab, then Enter); a closed gate also needs force, an "
	  "irreversible step the service name" },
	{ CX_DIALOG, 0, 27, "Esc", DA_D_CANCEL, KB_HINT, "cancel", "cancel: nothing changes" },

	/* the service picker of R */
	{ CX_PICKER, 0, 'j', "j", DA_DOWN, 0, NULL, "next service" },
	{ CX_PICKER, 1, KEY_DOWN, "Down", DA_DOWN, 0, NULL, "next service" },
	{ CX_PICKER, 0, 'k', "k", DA_UP, 0, NULL, "previous service" },
	{ CX_PICKER, 1, KEY_UP, "Up", DA_UP, 0, NULL, "previous service" },
	{ CX_PICKER, 0, '\n', "Enter", DA_ENTER, KB_HINT, "take", "roll back this service: opens the rollback dialog" },
	{ CX_PICKER, 1, KEY_ENTER, "Enter", DA_ENTER, 0, NULL, "roll back this service: opens the rollback dialog" },
	{ CX_PICKER, 0, 27, "Esc", DA_CLOSE, KB_HINT, "cancel", "cancel" },

	/* text fields */
	{ CX_EDIT, 1, KEY_LEFT, "Left", DA_E_LEFT, 0, NULL, "cursor left" },
	{ CX_EDIT, 1, KEY_RIGHT, "Right", DA_E_RIGHT, 0, NULL, "cursor right" },
	{ CX_EDIT, 1, KEY_HOME, "Home", DA_E_HOME, 0, NULL, "start of the text" },
	{ CX_EDIT, 0, CTRL('a'), "Ctrl-A", DA_E_HOME, 0, NULL, "start of the text" },
	{ CX_EDIT, 1, KEY_END, "End", DA_E_END, 0, NULL, "end of the text" },
	{ CX_EDIT, 0, CTRL('e'), "Ctrl-E", DA_E_END, 0, NULL, "end of the text" },
	{ CX_EDIT, 1, KEY_BACKSPACE, "Backspace", DA_E_BS, 0, NULL, "delete the character before the cursor" },
	{ CX_EDIT, 0, 127, "Backspace", DA_E_BS, 0, NULL, "delete the character before the cursor" },
	{ CX_EDIT, 0, CTRL('h'), "Ctrl-H", DA_E_BS, 0, NULL, "delete the character before the cursor" },
	{ CX_EDIT, 1, KEY_DC, "Delete", DA_E_DEL, 0, NULL, "delete the character under the cursor" },
	{ CX_EDIT, 0, CTRL('u'), "Ctrl-U", DA_E_KILL, 0, NULL, "clear the field" },

	/* the '/' and ':' prompts */
	{ CX_PROMPT, 0, '\n', "Enter", DA_P_ACCEPT, KB_HINT, "run", "run the command / keep the filter" },
	{ CX_PROMPT, 1, KEY_ENTER, "Enter", DA_P_ACCEPT, 0, NULL, "run the command / keep the filter" },
	{ CX_PROMPT, 0, 27, "Esc", DA_P_CANCEL, KB_HINT, "cancel", "cancel (a filter goes back to what it was)" },
	{ CX_PROMPT, 1, KEY_UP, "Up", DA_P_OLDER, 0, NULL, "command line: the previous command" },
	{ CX_PROMPT, 1, KEY_DOWN, "Down", DA_P_NEWER, 0, NULL, "command line: the next command" },

	/* below the minimum size */
	{ CX_SMALL, 0, 'q', "q", DA_QUIT, KB_HINT, "quit", "quit (every other key waits for a larger terminal)" },

	{ 0, 0, 0, NULL, DA_NONE, 0, NULL, NULL }
};

static const struct {
	unsigned ctx;
	const char *title;
} sections[] = {
	{ CX_MAIN, "Everywhere (views and pager)" },
	{ CX_LIST, "Moving (lists and pager)" },
	{ CX_VIEWS, "Services, map and history views" },
	{ CX_SERVICES, "Services view: actions on the selected service" },
	{ CX_MAP, "Domain map view" },
	{ CX_HISTORY, "History view" },
	{ CX_PAGER, "Pager" },
	{ CX_DIALOG, "Action dialogs" },
	{ CX_PICKER, "Rollback picker (R)" },
	{ CX_EDIT, "Text fields (dialogs and prompts)" },
	{ CX_PROMPT, "Prompts: / filter and : command line" },
	{ CX_SMALL, "Terminal below the minimum size" },
	{ 0, NULL }
};

dash_action keys_lookup(const unsigned *ctx, size_t nctx, dkey k, unsigned *flags)
{
	/* Enter arrives as '\r' from some terminals */
	if (!k.fn && k.key == '\r')
		k.key = '\n';
	if (k.fn && k.key == KEY_ENTER) {
		k.fn = 0;
		k.key = '\n';
	}
	for (size_t c = 0; c < nctx; c++)
		for (const dash_binding *b = dash_bindings; b->label; b++)
			if ((b->ctx & ctx[c]) && b->fn == k.fn && b->key == k.key) {
				if (flags)
					*flags = b->flags;
				return b->act;
			}
	if (flags)
		*flags = 0;
	return DA_NONE;
}

/* Walk the bindings merged by (ctx, action, help): "j, Down  down one line". */
static void each_merged(void (*cb)(unsigned ctx, const char *labels, const dash_binding *b, void *x), void *x)
{
	for (size_t s = 0; sections[s].title; s++) {
		for (const dash_binding *b = dash_bindings; b->label; b++) {
			fc_buf labels = FC_BUF_INIT;
			int seen = 0;
			if (b->ctx != sections[s].ctx)
				continue;
			/* the first binding of its group carries the group */
			for (const dash_binding *e = dash_bindings; e < b && !seen; e++)
				seen = e->ctx == b->ctx && e->act == b->act && !strcmp(e->help, b->help);
			if (seen)
				continue;
			for (const dash_binding *e = b; e->label; e++) {
				if (e->ctx != b->ctx || e->act != b->act || strcmp(e->help, b->help))
					continue;
				if (labels.len && strstr(labels.ptr, e->label))
					continue; /* Backspace twice (two codes) */
				if (labels.len)
					fc_buf_puts(&labels, ", ");
				fc_buf_puts(&labels, e->label);
			}
			cb(sections[s].ctx, fc_buf_cstr(&labels), b, x);
			fc_buf_free(&labels);
		}
	}
}

struct help_ctx {
	rtext *t;
	unsigned last;
	int readonly;
	int width;
};

static const char *section_title(unsigned ctx)
{
	for (size_t s = 0; sections[s].title; s++)
		if (sections[s].ctx == ctx)
			return sections[s].title;
	return "";
}

static void help_one(unsigned ctx, const char *labels, const dash_binding *b, void *x)
{
	struct help_ctx *h = x;
	unsigned key = draw_attr(S_KEY);

	if (ctx != h->last) {
		if (h->last)
			rt_nl(h->t);
		rt_nl(h->t);
		rt_add(h->t, draw_attr(S_TITLE), "%s", section_title(ctx));
		h->last = ctx;
	}
	rt_nl(h->t);
	rt_add(h->t, key, "  %-22s ", labels);
	if ((b->flags & KB_WRITE) && h->readonly) {
		char *t = fc_asprintf("%s (disabled: --readonly)", b->help);
		rt_add_wrapped(h->t, A_NORMAL, t, h->width, 25);
		free(t);
	} else {
		rt_add_wrapped(h->t, A_NORMAL, b->help, h->width, 25);
	}
}

void keys_help(rtext *out, int readonly, int width)
{
	struct help_ctx h = { out, 0, readonly, width };

	rt_nl(out);
	rt_add(out, draw_attr(S_TITLE), "ficus dash: key bindings");
	rt_nl(out);
	rt_add(out, A_NORMAL, "Every action opens a dialog: gates, effect, the equivalent command, a reason.");
	rt_nl(out);
	rt_add(out, A_NORMAL, "Cancel is the default. Rollback from anywhere: R, Enter, the reason, Enter, Right, Enter.");
	rt_nl(out);
	rt_add(out, A_NORMAL, "In a dialog Enter never confirms from a field: it moves to the buttons with Cancel");
	rt_nl(out);
	rt_add(out, A_NORMAL, "selected; confirming takes Right (or Tab) onto the action, then Enter.");
	each_merged(help_one, &h);
	rt_nl(out);
	rt_nl(out);
	rt_add(out, draw_attr(S_TITLE), "Symbols");
	rt_nl(out);
	rt_add(out, A_NORMAL, "  %s gate open   %s gate closed   %s no further step   %s current phase   %s cycle",
	       draw_syms()->open, draw_syms()->closed, draw_syms()->none, draw_syms()->cur, draw_syms()->cycle);
	rt_nl(out);
	rt_add(out, A_NORMAL, "  %s irreversible step (type the service name to confirm)", draw_syms()->warn);
	rt_nl(out);
	rt_add(out, A_NORMAL, "  %s soaking: the gate waits for time and says when it opens", draw_syms()->ellipsis);
	{
		char legend[160];
		services_phase_legend(legend, sizeof(legend));
		rt_nl(out);
		rt_nl(out);
		rt_add(out, draw_attr(S_TITLE), "Phases");
		rt_nl(out);
		rt_add(out, A_NORMAL, "  %s", legend);
	}
}

/* A binding hidden by the same key in an inner context (q in the pager). */
static int shadowed(const unsigned *ctx, size_t c, const dash_binding *b)
{
	for (size_t k = 0; k < c; k++)
		for (const dash_binding *e = dash_bindings; e->label; e++)
			if ((e->ctx & ctx[k]) && e->fn == b->fn && e->key == b->key)
				return 1;
	return 0;
}

void keys_hints(char *buf, size_t size, const unsigned *ctx, size_t nctx, int readonly, int which)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < nctx; c++)
		for (int exact = 1; exact >= 0; exact--)
			for (const dash_binding *b = dash_bindings; b->label; b++) {
				char item[64];
				int n, edge = b->act == DA_HELP || b->act == DA_QUIT;
				if (!(b->flags & KB_HINT) || !(b->ctx & ctx[c]) || (exact && b->ctx != ctx[c]) ||
				    (readonly && (b->flags & KB_WRITE)) || (which == 1 && edge) || (which == 2 && !edge))
					continue;
				if (shadowed(ctx, c, b))
					continue;
				snprintf(item, sizeof(item), "%s %s", b->label, b->hint);
				if (strstr(buf, item))
					continue;
				n = snprintf(buf + len, size - len, "%s%s", len ? "  " : "", item);
				if (n < 0 || (size_t)n >= size - len) {
					buf[len] = '\0';
					return;
				}
				len += (size_t)n;
			}
}

static void dump_one(unsigned ctx, const char *labels, const dash_binding *b, void *x)
{
	fprintf((FILE *)x, "%s\t%s\t%s\n", section_title(ctx), labels, b->help);
}

int keys_dump(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	each_merged(dump_one, f);
	return fclose(f) == 0 ? 0 : -1;
}
