/*
 * Headless mode (tig's TIG_SCRIPT): keys come from a script, the screen is
 * a virtual one of FICUS_DASH_SIZE, and the screen can be written to a
 * file.  No terminal is needed; everything else (views, dialogs, threads,
 * core calls) is the real dashboard.
 *
 * Script: one token per line; empty lines and lines starting with "#"
 * followed by more text are ignored.
 *   j  p  R  /  ?  (any single character)     that key
 *   <Enter> <Tab> <S-Tab> <Esc> <Space> <Up> <Down> <Left> <Right> <PgUp>
 *   <PgDn> <Home> <End> <Backspace> <Delete> <C-x> (control + letter) <lt>
 *                                               named keys
 *   text:some words                             each character as a key
 *   resize:60x15                                the terminal is resized
 *   wait-refresh                                wait for the next router refresh
 *   dump:PATH                                   write the screen (text)
 *   dump-attrs:PATH                             write the attributes (R reverse,
 *                                               B bold, U underline, D dim, . none)
 *   dump-keys:PATH                              write the key table (section, keys, help)
 * Before each token the dashboard finishes the action or command in
 * progress, so a script never races the worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "tui.h"

typedef struct {
	script_ev ev;
	char *arg;     /* text: or a path */
} token;

struct script {
	token *t;
	size_t n, pos;
	/* expanding a text: token */
	wchar_t *text;
	size_t tlen, tpos;
};

static const struct {
	const char *name;
	int fn, key;
} named[] = {
	{ "Enter", 0, '\n' }, { "Tab", 0, '\t' }, { "S-Tab", 1, KEY_BTAB }, { "Esc", 0, 27 },
	{ "Space", 0, ' ' }, { "Up", 1, KEY_UP }, { "Down", 1, KEY_DOWN }, { "Left", 1, KEY_LEFT },
	{ "Right", 1, KEY_RIGHT }, { "PgUp", 1, KEY_PPAGE }, { "PgDn", 1, KEY_NPAGE }, { "Home", 1, KEY_HOME },
	{ "End", 1, KEY_END }, { "Backspace", 1, KEY_BACKSPACE }, { "Delete", 1, KEY_DC }, { "lt", 0, '<' },
	{ NULL, 0, 0 }
};

static int parse_token(token *t, const char *line, char **err, size_t lineno)
{
	memset(t, 0, sizeof(*t));
	if (!strncmp(line, "text:", 5)) {
		t->ev.kind = EV_KEY;
		t->arg = fc_strdup(line + 5);
		t->ev.key.key = -1; /* marks text */
		return 0;
	}
	if (!strncmp(line, "resize:", 7)) {
		if (sscanf(line + 7, "%dx%d", &t->ev.w, &t->ev.h) != 2 || t->ev.w < 1 || t->ev.h < 1 || t->ev.w > 1000 ||
		    t->ev.h > 1000)
			goto bad;
		t->ev.kind = EV_RESIZE;
		return 0;
	}
	if (!strcmp(line, "wait-refresh")) {
		t->ev.kind = EV_WAIT_REFRESH;
		return 0;
	}
	if (!strncmp(line, "dump:", 5) || !strncmp(line, "dump-attrs:", 11) || !strncmp(line, "dump-keys:", 10)) {
		const char *colon = strchr(line, ':');
		if (!colon[1])
			goto bad;
		t->ev.kind = line[4] == ':' ? EV_DUMP : line[5] == 'a' ? EV_DUMP_ATTRS : EV_DUMP_KEYS;
		t->arg = fc_strdup(colon + 1);
		return 0;
	}
	if (line[0] == '<' && line[1] && line[strlen(line) - 1] == '>') {
		size_t len = strlen(line) - 2;
		if (len == 3 && line[1] == 'C' && line[2] == '-' && line[3] >= 'a' && line[3] <= 'z') {
			t->ev.kind = EV_KEY;
			t->ev.key.key = line[3] & 0x1f;
			return 0;
		}
		for (size_t i = 0; named[i].name; i++)
			if (strlen(named[i].name) == len && !strncmp(named[i].name, line + 1, len)) {
				t->ev.kind = EV_KEY;
				t->ev.key.fn = named[i].fn;
				t->ev.key.key = named[i].key;
				return 0;
			}
		goto bad;
	}
	{
		/* one character (UTF-8) */
		wchar_t wc;
		mbstate_t st;
		size_t n;
		memset(&st, 0, sizeof(st));
		n = mbrtowc(&wc, line, strlen(line), &st);
		if (n == 0 || n == (size_t)-1 || n == (size_t)-2 || line[n] != '\0')
			goto bad;
		t->ev.kind = EV_KEY;
		t->ev.key.key = (int)wc;
		return 0;
	}
bad:
	*err = fc_asprintf("dash script line %zu: unknown token '%s' (see 'ficus help dash')", lineno, line);
	return -1;
}

script *script_load(const char *path, char **err)
{
	char *data = NULL, *line;
	FILE *f = fopen(path, "r");
	fc_buf b = FC_BUF_INIT;
	script *s;
	char chunk[4096];
	size_t n, lineno = 0;

	*err = NULL;
	if (!f) {
		*err = fc_asprintf("cannot read the dash script '%s'", path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fc_buf_put(&b, chunk, n);
	fclose(f);
	data = fc_buf_detach(&b);
	s = fc_calloc(1, sizeof(*s));
	/* split by hand: strtok would merge empty lines and lose line numbers */
	for (char *p = data; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line = p;
		p = nl ? nl + 1 : NULL;
		lineno++;
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (!*line || (line[0] == '#' && line[1]))
			continue;
		s->t = fc_realloc(s->t, (s->n + 1) * sizeof(token));
		if (parse_token(&s->t[s->n], line, err, lineno) < 0) {
			free(data);
			script_free(s);
			return NULL;
		}
		s->n++;
	}
	free(data);
	return s;
}

void script_free(script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->t[i].arg);
	free(s->t);
	free(s->text);
	free(s);
}

script_ev script_next(script *s)
{
	script_ev ev;

	memset(&ev, 0, sizeof(ev));
	for (;;) {
		if (s->text && s->tpos < s->tlen) {
			ev.kind = EV_KEY;
			ev.key.key = (int)s->text[s->tpos++];
			return ev;
		}
		free(s->text);
		s->text = NULL;
		if (s->pos >= s->n) {
			ev.kind = EV_END;
			return ev;
		}
		token *t = &s->t[s->pos++];
		if (t->ev.kind == EV_KEY && t->ev.key.key == -1) {
			size_t len = strlen(t->arg);
			mbstate_t st;
			const char *src = t->arg;
			memset(&st, 0, sizeof(st));
			s->text = fc_calloc(len + 1, sizeof(wchar_t));
			s->tlen = mbsrtowcs(s->text, &src, len + 1, &st);
			if (s->tlen == (size_t)-1)
				s->tlen = 0;
			s->tpos = 0;
			continue;
		}
		ev = t->ev;
		ev.path = t->arg;
		return ev;
	}
}

int screen_dump(const char *path, int attrs)
{
	FILE *f = fopen(path, "w");
	cchar_t *row;

	if (!f)
		return fc_error_set(FC_ERROR, "cannot write the screen to '%s'", path);
	row = fc_calloc((size_t)COLS + 1, sizeof(cchar_t));
	for (int y = 0; y < LINES; y++) {
		fc_buf line = FC_BUF_INIT;
		int n = mvin_wchnstr(y, 0, row, COLS) == ERR ? 0 : COLS; /* OK, not a count */
		for (int x = 0; x < n; x++) {
			wchar_t wch[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			char mb[16];
			mbstate_t st;
			memset(wch, 0, sizeof(wch));
			getcchar(&row[x], wch, &a, &pair, NULL);
			if (attrs) {
				char c = (a & A_REVERSE) ? 'R' : (a & A_BOLD) ? 'B' : (a & A_UNDERLINE) ? 'U' : (a & A_DIM) ? 'D' : '.';
				fc_buf_putc(&line, c);
				continue;
			}
			memset(&st, 0, sizeof(st));
			for (int k = 0; k < CCHARW_MAX && wch[k]; k++) {
				size_t m = wcrtomb(mb, wch[k], &st);
				if (m != (size_t)-1)
					fc_buf_put(&line, mb, m);
			}
			if (!wch[0])
				fc_buf_putc(&line, ' ');
			if (wcwidth(wch[0]) == 2)
				x++; /* the next cell continues this character */
		}
		while (!attrs && line.len && line.ptr[line.len - 1] == ' ')
			line.ptr[--line.len] = '\0';
		fprintf(f, "%s\n", fc_buf_cstr(&line));
		fc_buf_free(&line);
	}
	free(row);
	if (fclose(f) != 0)
		return fc_error_set(FC_ERROR, "cannot write the screen to '%s'", path);
	return 0;
}
