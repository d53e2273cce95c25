/*
 * Output: tables (aligned with a header on a terminal, tab-separated
 * without one when piped), JSON, and the report of a writing verb.
 * Every cell is stripped of control characters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
#include "fc_buf.h"
#include "fc_json.h"

struct cli_table {
	size_t ncols;
	char **cells; /* row-major, header first */
	size_t nrows;
};

cli_table *cli_table_new(size_t ncols, const char *const *header)
{
	cli_table *t = fc_calloc(1, sizeof(*t));
	t->ncols = ncols;
	cli_table_add(t, header);
	return t;
}

void cli_table_add(cli_table *t, const char *const *cells)
{
	t->cells = fc_realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = fc_sanitize(cells[i] ? cells[i] : "", 0);
		/* a tab would break the tab-separated form */
		for (char *p = s; *p; p++)
			if (*p == '\t')
				*p = ' ';
		t->cells[t->nrows * t->ncols + i] = s;
	}
	t->nrows++;
}

static size_t width(const char *s)
{
	size_t w = 0;
	mbstate_t st;
	wchar_t wc;
	size_t n;

	memset(&st, 0, sizeof(st));
	while (*s && (n = mbrtowc(&wc, s, MB_CUR_MAX, &st)) > 0 && n < (size_t)-2) {
		int cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += n;
	}
	return w + strlen(s); /* undecodable rest counts a column a byte */
}

void cli_table_print(struct cli *c, cli_table *t)
{
	size_t *w = fc_calloc(t->ncols, sizeof(size_t)), r, i;

	if (!c->tty) {
		for (r = 1; r < t->nrows; r++)
			for (i = 0; i < t->ncols; i++)
				printf("%s%c", t->cells[r * t->ncols + i], i + 1 < t->ncols ? '\t' : '\n');
		free(w);
		return;
	}
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			size_t x = width(t->cells[r * t->ncols + i]);
			if (x > w[i])
				w[i] = x;
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			if (r == 0 && c->color)
				printf("\033[1m");
			printf("%s", s);
			if (r == 0 && c->color)
				printf("\033[0m");
			if (i + 1 < t->ncols)
				printf("%*s", (int)(w[i] - width(s) + 2), "");
		}
		putchar('\n');
	}
	free(w);
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/*
 * The JSON envelope, the one place that writes it.  A verb hands its data
 * over with cli_json() while it runs; main() writes one document when the
 * verb returns, knowing the exit status:
 *   {"ficus": 1, "ok": true|false, <the verb's keys>, "error", "exit"}
 * ("error" and "exit" on failure only).  A verb that streams a long
 * document writes cli_json_head() first and says so (cli_json_streamed).
 */
static cJSON *pending;
static int streamed;
static char last_error[2048];

void cli_json(const char *key, const cJSON *data)
{
	if (!pending)
		pending = fc_json_obj();
	if (key) {
		cJSON_DeleteItemFromObjectCaseSensitive(pending, key);
		fc_json_add(pending, key, cJSON_Duplicate(data, 1));
		return;
	}
	for (const cJSON *m = data ? data->child : NULL; m; m = m->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(pending, m->string);
		fc_json_add(pending, m->string, cJSON_Duplicate(m, 1));
	}
}

void cli_json_error(const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s", msg);
}

const char *cli_json_head(void)
{
	return "{\n  \"ficus\": 1,\n  \"ok\": true,\n";
}

void cli_json_streamed(void)
{
	streamed = 1;
}

void cli_json_finish(struct cli *c, int status)
{
	cJSON *doc;
	fc_buf b = FC_BUF_INIT;

	if (!c->json || c->help || streamed) {
		cJSON_Delete(pending);
		pending = NULL;
		return;
	}
	doc = pending ? pending : fc_json_obj();
	pending = NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "ficus");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "ok");
	fc_json_add_num(doc, "ficus", 1);
	fc_json_add_bool(doc, "ok", status == 0);
	if (status) {
		if (!cJSON_GetObjectItemCaseSensitive(doc, "error"))
			fc_json_add_str(doc, "error", last_error[0] ? last_error : "failed");
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "exit");
		fc_json_add_num(doc, "exit", status);
	}
	fc_json_render(&b, doc);
	fwrite(b.ptr, 1, b.len, stdout);
	fc_buf_free(&b);
	cJSON_Delete(doc);
}

int cli_outcome(struct cli *c, int rc, fc_outcome *o)
{
	if (rc < 0 && rc != FC_ESYNC)
		return cli_fail(rc);
	if (c->json) {
		cJSON *doc = fc_json_obj(), *paths = fc_json_arr();
		fc_json_add_bool(doc, "dry_run", o->dry_run);
		fc_json_add_bool(doc, "noop", o->noop);
		if (o->note)
			fc_json_add_str(doc, "note", o->note);
		if (o->change_id[0] && !o->noop)
			fc_json_add_str(doc, "change", o->change_id);
		if (o->commit[0])
			fc_json_add_str(doc, "commit", o->commit);
		if (o->message && !o->noop)
			fc_json_add_str(doc, "message", o->message);
		if (o->router_report && *o->router_report)
			fc_json_add_str(doc, o->dry_run ? "router_calls" : "routers", o->router_report);
		if (rc == FC_ESYNC)
			fc_json_add_str(doc, "error", fc_error_last());
		for (size_t i = 0; i < o->npaths && !o->noop; i++)
			fc_json_push(paths, cJSON_CreateString(o->paths[i]));
		fc_json_add(doc, "paths", paths);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (o->noop) {
		cli_note(c, "nothing to do: %s", o->note ? o->note : "already done");
	} else if (o->dry_run) {
		char *msg = fc_sanitize(o->message, 1);
		printf("dry run: nothing changed\n\nwould commit:\n");
		for (char *line = msg, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			printf("%s%s\n", *line ? "    " : "", line);
		}
		printf("\nwould write:\n");
		for (size_t i = 0; i < o->npaths; i++)
			printf("    %s\n", o->paths[i]);
		if (o->router_report && *o->router_report) {
			char *calls = fc_sanitize(o->router_report, 1);
			printf("\nwould push:\n");
			for (char *line = strtok(calls, "\n"); line; line = strtok(NULL, "\n"))
				printf("    %s\n", line);
			free(calls);
		}
		free(msg);
	} else if (!c->quiet) {
		const char *nl = o->message ? strchr(o->message, '\n') : NULL;
		char *subject = o->message ? fc_strndup(o->message, nl ? (size_t)(nl - o->message) : strlen(o->message))
					   : fc_strdup("");
		char *clean = fc_sanitize(subject, 0);
		printf("%s\n  commit %.12s  change %s\n", clean, o->commit, o->change_id);
		free(clean);
		free(subject);
	}
	if (!o->noop && o->note && !c->json)
		cli_err("warning: %s", o->note);
	if (o->router_report && *o->router_report && !c->json && !o->dry_run && (rc == FC_ESYNC || !c->quiet)) {
		char *rep = fc_sanitize(o->router_report, 1);
		fputs(rep, stderr);
		if (rep[0] && rep[strlen(rep) - 1] != '\n')
			fputc('\n', stderr);
		free(rep);
	}
	if (rc == FC_ESYNC)
		cli_err("%s", fc_error_last());
	return rc == FC_ESYNC ? EXIT_SYNC : EXIT_OK;
}
