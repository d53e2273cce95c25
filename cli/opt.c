/*
 * Option parsing shared by every verb: the verb's own table plus the
 * global options, accepted anywhere before "--".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_suggest.h"

const cli_opt *cli_global_opts(struct cli *c)
{
	static _Thread_local cli_opt g[16];
	cli_opt t[] = {
		{ "plan", 0, "DIR", "the plan directory (else FICUS_PLAN, else search upwards)", &c->open.dir, NULL, NULL },
		{ "json", 0, NULL, "print JSON on stdout", NULL, &c->json, NULL },
		{ "dry-run", 0, NULL, "show what a change would do; change nothing", NULL, &c->w.dry_run, NULL },
		{ "actor", 0, "NAME", "author of the change: 'Name <email>' (else FICUS_ACTOR, git config, login)",
		  &c->w.actor, NULL, NULL },
		{ "reason", 'm', "TEXT", "why: the commit message body", &c->w.reason, NULL, NULL },
		{ "yes", 0, NULL, "confirm an irreversible step", NULL, &c->w.yes, NULL },
		{ "force", 0, NULL, "pass a closed gate (needs --reason)", NULL, &c->w.force, NULL },
		{ "expect", 0, "STATE", "compare-and-swap: refuse unless the service is at STATE", &c->w.expect, NULL, NULL },
		{ "lock-timeout", 0, "DUR", "wait this long for the plan lock (default 10s)", &c->lock_timeout, NULL, NULL },
		{ "no-color", 0, NULL, "no colour in the output", NULL, NULL, NULL },
		{ "quiet", 'q', NULL, "print only errors", NULL, &c->quiet, NULL },
		{ "help", 'h', NULL, "show help", NULL, &c->help, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};
	memcpy(g, t, sizeof(t));
	return g;
}

void cli_err(const char *fmt, ...)
{
	char msg[2048];
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(msg, 1);
	if (strncmp(clean, "warning: ", 9))
		cli_json_error(clean);
	fflush(stdout);
	fprintf(stderr, "ficus: %s\n", clean);
	free(clean);
}

void cli_note(struct cli *c, const char *fmt, ...)
{
	char msg[2048];
	char *clean;
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean = fc_sanitize(msg, 1);
	fflush(stdout);
	fprintf(stderr, "ficus: %s\n", clean);
	free(clean);
}

int cli_fail(int rc)
{
	const char *m = fc_error_last();
	cli_err("%s", m && *m ? m : fc_strerror(rc));
	return fc_exit_status(rc);
}

int cli_usage(struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_err("%s (see 'ficus %s --help')", msg, c->verb ? c->verb : "");
	return EXIT_USAGE;
}

static const cli_opt *find_long(const cli_opt *t, const char *name, size_t len)
{
	for (; t && t->lname; t++)
		if (strlen(t->lname) == len && !strncmp(t->lname, name, len))
			return t;
	return NULL;
}

static const cli_opt *find_short(const cli_opt *t, char s)
{
	for (; t && t->lname; t++)
		if (t->sname && t->sname == s)
			return t;
	return NULL;
}

char *cli_option_hint(const cli_opt *opts, const cli_opt *globals, const char *word)
{
	const char *names[128];
	size_t n = 0;
	char name[64];

	/* "--dryrun=x": only the name counts */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
	for (const cli_opt *t = opts; t && t->lname && n < 128; t++)
		names[n++] = t->lname;
	for (const cli_opt *t = globals; t && t->lname && n < 128; t++)
		names[n++] = t->lname;
	return fc_suggest_hint(name, names, n, "--");
}

/* An unknown option: a usage error that names the close ones. */
static int unknown_option(struct cli *c, const cli_opt *opts, const char *a)
{
	char *hint = a[1] == '-' ? cli_option_hint(opts, cli_global_opts(c), a + 2) : NULL;
	int rc = cli_usage(c, "unknown option '%s'%s", a, hint ? hint : "");

	free(hint);
	return rc;
}

static void store(struct cli *c, const cli_opt *o, const char *val)
{
	if (!strcmp(o->lname, "no-color")) {
		c->color = 0;
		return;
	}
	if (o->flag)
		*o->flag = 1;
	if (o->str)
		*o->str = val;
	if (o->list) {
		o->list->v = realloc(o->list->v, (o->list->n + 1) * sizeof(char *));
		o->list->v[o->list->n++] = val;
	}
}

int cli_parse(struct cli *c, const cli_opt *opts, int argc, char **argv,
	      const char **pos, int maxpos, int *npos)
{
	const cli_opt *g = cli_global_opts(c);
	int i, only_pos = 0;

	*npos = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const cli_opt *o = NULL;
		const char *val = NULL;

		if (only_pos || a[0] != '-' || !a[1]) {
			if (*npos >= maxpos)
				return cli_usage(c, "unexpected argument '%s'", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (!(o = find_long(opts, a + 2, len)))
				o = find_long(g, a + 2, len);
			if (!o)
				return unknown_option(c, opts, a);
			if (eq) {
				if (!o->argname)
					return cli_usage(c, "option '--%s' takes no value", o->lname);
				val = eq + 1;
			}
		} else {
			if (!(o = find_short(opts, a[1])))
				o = find_short(g, a[1]);
			if (!o)
				return unknown_option(c, opts, a);
			if (a[2]) {
				if (!o->argname)
					return cli_usage(c, "option '-%c' takes no value", a[1]);
				val = a + 2;
			}
		}
		if (o->argname && !val) {
			if (i + 1 >= argc)
				return cli_usage(c, "option '--%s' needs a value (%s)", o->lname, o->argname);
			val = argv[++i];
		}
		store(c, o, val);
	}
	if (c->lock_timeout) {
		int64_t secs;
		if (fc_duration_parse(&secs, c->lock_timeout) < 0 || secs > 3600)
			return cli_usage(c, "--lock-timeout '%s' is not a duration like 10s (1h at most)", c->lock_timeout);
		c->open.lock_timeout_ms = (int)secs * 1000;
	}
	if (c->w.reason && strlen(c->w.reason) > FC_REASON_MAX)
		return cli_usage(c, "--reason is longer than %d bytes: say why in fewer words", FC_REASON_MAX);
	if (c->w.force && !c->help && (!c->w.reason || !c->w.reason[strspn(c->w.reason, " \t\n\r")]))
		return cli_usage(c, "--force needs --reason: say why");
	return 0;
}

static void print_opts(FILE *f, const cli_opt *o)
{
	for (; o && o->lname; o++) {
		char left[64];
		if (o->sname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->sname, o->lname, o->argname ? " " : "",
				 o->argname ? o->argname : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lname, o->argname ? " " : "",
				 o->argname ? o->argname : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

void cli_help(struct cli *c, const char *usage, const char *desc, const cli_opt *opts)
{
	printf("%s\n", usage);
	if (desc && *desc)
		printf("\n%s\n", desc);
	if (opts && opts->lname) {
		printf("\noptions:\n");
		print_opts(stdout, opts);
	}
	printf("\nglobal options:\n");
	print_opts(stdout, cli_global_opts(c));
}

int cli_open(struct cli *c, fc_plan **out)
{
	int rc;

	rc = fc_session_open(out, &c->open);
	if (rc < 0)
		return cli_fail(rc);
	if (fc_plan_adopted(*out))
		cli_note(c, "%s", fc_plan_adopted(*out));
	return 0;
}

int cli_open_read(struct cli *c, fc_plan **out)
{
	c->open.read_only = 1;
	return cli_open(c, out);
}

int cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	fc_buf b = FC_BUF_INIT;
	char chunk[65536];
	size_t n;

	*out = NULL;
	*len = 0;
	if (!f)
		return fc_error_set(FC_ERROR, "cannot read '%s': %m", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max) {
			if (f != stdin)
				fclose(f);
			fc_buf_free(&b);
			return fc_error_set(FC_ELIMIT, "'%s' is larger than the limit of %zu bytes", path, max);
		}
		fc_buf_put(&b, chunk, n);
	}
	if (ferror(f)) {
		if (f != stdin)
			fclose(f);
		fc_buf_free(&b);
		return fc_error_set(FC_ERROR, "cannot read '%s'", path);
	}
	if (f != stdin)
		fclose(f);
	*len = b.len;
	*out = fc_buf_detach(&b);
	return 0;
}
