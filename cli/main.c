/*
 * ficus: entry point, global options and the verb table.
 */
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fc_clock.h"
#include "fc_suggest.h"

const cli_cmd cli_commands[] = {
	{ "init", cmd_init, "create a plan (a git plan repository and its database)" },
	{ "domain", cmd_domain, "add, edit, remove, list and show domains of the map" },
	{ "dep", cmd_dep, "add or remove a dependency between two domains" },
	{ "map", cmd_map, "import, export or show the whole domain map" },
	{ "order", cmd_order, "rank the domains for extraction, with explanations" },
	{ "service", cmd_service, "add, edit, remove, list and show services" },
	{ "status", cmd_status, "phase, traffic, next step and its gates per service" },
	{ "promote", cmd_promote, "take a service one gated step forward (or --ready)" },
	{ "rollback", cmd_rollback, "roll a service back at once, never gated" },
	{ "shadow", cmd_shadow, "mirror traffic to a service in dual-write or backfill" },
	{ "check", cmd_check, "define, run or record the checks that are a gate's evidence" },
	{ "watch", cmd_watch, "measure analysis checks, roll back on failure, promote (--promote)" },
	{ "tenant", cmd_tenant, "show where a tenant is routed, as the routers compute it" },
	{ "sync", cmd_sync, "fetch, fast-forward and push the plan's shared remote" },
	{ "log", cmd_log, "show the history of rollout decisions" },
	{ "dash", cmd_dash, "the terminal dashboard: step services through their phases" },
	{ "router", cmd_router, "add, remove, list routers; push, verify and show their state" },
	{ "notify", cmd_notify, "add, remove, list and test the webhooks that hear of changes" },
	{ "doctor", cmd_doctor, "finish interrupted work: changes, pending router pushes" },
	{ "rebuild", cmd_rebuild, "recreate the database from the plan repository" },
	{ "verify", cmd_verify, "check that the database and the plan repository agree" },
	{ "help", cmd_help, "show help for a verb, or 'help exit-codes'" },
	{ "version", cmd_version, "print the version" },
	{ NULL, NULL, NULL }
};

void cli_main_help(FILE *f)
{
	fputs("usage: ficus [global options] <verb> [arguments]\n\n"
	      "ficus is the control plane for strangling a monolith: the domain map, the\n"
	      "extraction order, each service's phase and traffic percentage, with every\n"
	      "decision committed to a git plan repository.\n\nverbs:\n", f);
	for (const cli_cmd *k = cli_commands; k->name; k++)
		fprintf(f, "  %-10s %s\n", k->name, k->summary);
	fputs("\nglobal options:\n", f);
	{
		struct cli dummy;
		memset(&dummy, 0, sizeof(dummy));
		for (const cli_opt *o = cli_global_opts(&dummy); o->lname; o++) {
			char left[64];
			if (o->sname)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->sname, o->lname,
					 o->argname ? " " : "", o->argname ? o->argname : "");
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->lname, o->argname ? " " : "",
					 o->argname ? o->argname : "");
			fprintf(f, "  %-26s %s\n", left, o->help);
		}
	}
	fprintf(f, "  %-26s %s\n", "    --version", "print the version");
	fputs("\n'ficus help VERB' or 'ficus VERB --help' for a verb; 'man ficus' for everything.\n", f);
}

/* Global options, the verb, and its run: the exit status. */
static int dispatch(struct cli *c, int argc, char **argv)
{
	const cli_cmd *k;
	int i, rc;

	/* global options may come before the verb too */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version"))
			return cmd_version(c, 0, NULL);
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			c->help = 1; /* text, not JSON */
			cli_main_help(stdout);
			return 0;
		}
		{
			/* find the verb: skip global options and their arguments */
			const cli_opt *o;
			const char *a = argv[i];
			int takes = 0, known = 0;
			for (o = cli_global_opts(c); o->lname; o++) {
				if ((a[1] == '-' && !strcmp(a + 2, o->lname)) || (a[1] != '-' && a[1] == o->sname && !a[2])) {
					known = 1;
					takes = o->argname != NULL;
				} else if (a[1] == '-' && !strncmp(a + 2, o->lname, strlen(o->lname)) &&
					   a[2 + strlen(o->lname)] == '=') {
					known = 1;
				}
			}
			if (!known) {
				char *hint = a[1] == '-' ? cli_option_hint(NULL, cli_global_opts(c), a + 2) : NULL;
				cli_err("unknown option '%s'%s (see 'ficus --help')", a, hint ? hint : "");
				free(hint);
				return EXIT_USAGE;
			}
			i += takes;
		}
	}
	if (i >= argc) {
		cli_json_error("which verb? (see 'ficus --help')");
		cli_main_help(stderr);
		return EXIT_USAGE;
	}
	for (k = cli_commands; k->name; k++)
		if (!strcmp(k->name, argv[i]))
			break;
	if (!k->name) {
		const char *names[64];
		size_t n = 0;
		char *hint;
		for (k = cli_commands; k->name && n < 64; k++)
			names[n++] = k->name;
		hint = fc_suggest_hint(argv[i], names, n, NULL);
		cli_err("'%s' is not a ficus verb%s (see 'ficus --help')", argv[i], hint);
		free(hint);
		return EXIT_USAGE;
	}
	if (fc_clock_check() < 0)
		return cli_fail(FC_EINVAL);
	/* hand the verb its arguments with the leading globals moved after it */
	{
		char **args = calloc((size_t)argc + 1, sizeof(char *));
		int n = 0, j, dashdash = argc;
		args[n++] = argv[i];
		for (j = i + 1; j < argc; j++)
			if (!strcmp(argv[j], "--")) {
				dashdash = j;
				break;
			}
		/* verb, its own words (sub-verb first), the leading globals, then "--" */
		for (j = i + 1; j < dashdash; j++)
			args[n++] = argv[j];
		for (j = 1; j < i; j++)
			args[n++] = argv[j];
		for (j = dashdash; j < argc; j++)
			args[n++] = argv[j];
		c->verb = k->name;
		rc = k->fn(c, n, args);
		free(args);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c;
	int i, rc;

	/*
	 * The character set only: the dashboard and the table widths need
	 * wide characters, and nothing else may follow the locale (a decimal
	 * comma would break the JSON numbers).  Loading every category read
	 * a dozen locale files at each start.
	 */
	setlocale(LC_CTYPE, "");
	/*
	 * Keep freed memory for the next change instead of giving it back:
	 * a promotion allocates a few blocks of 100-300 KB (zlib's state,
	 * the parsed index), which glibc maps and unmaps, or grows and trims
	 * the heap for, every time.  Each page so mapped costs a fault (on a
	 * VM, a trap to the hypervisor): 122 faults per promotion in a long
	 * 'promote --ready' on the large plan, 35 with these, and 8.0 ms
	 * per promotion down to 6.0 in one interleaved pair of runs.  The
	 * peak is the same; only what falls below it is kept.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	memset(&c, 0, sizeof(c));
	c.open = (fc_open_opts)FC_OPEN_OPTS_INIT;
	c.w = (fc_write_opts)FC_WRITE_OPTS_INIT;
	c.tty = isatty(STDOUT_FILENO);
	c.color = c.tty && !getenv("NO_COLOR");
	c.w.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);

	/* --json anywhere: a usage error before the verb reads its options answers in JSON too */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
	rc = dispatch(&c, argc, argv);
	cli_json_finish(&c, rc);
	fflush(stdout);
	if (ferror(stdout)) {
		cli_err("error writing to standard output");
		return rc ? rc : EXIT_ERROR;
	}
	return rc;
}
