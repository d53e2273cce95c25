#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_life.h"

static const char usage[] =
	"usage: ficus shadow SERVICE on [--compare [--sample PCT] [--ignore FIELD,...]]\n"
	"   or: ficus shadow SERVICE off";
static const char desc[] =
	"Mirror requests to the new service and discard its answers, in dual-write\n"
	"and backfill. Shadow goes off by itself when the service leaves backfill.\n"
	"With --compare (nginx-lua and http routers), a sampled share of GET and HEAD\n"
	"requests goes to both sides: the client gets the monolith's answer, and the\n"
	"router compares the two (status; JSON bodies without the ignored fields,\n"
	"else bytes) and counts matches and mismatches, from zero each time compare\n"
	"is turned on or changed. 'ficus check run SERVICE shadow' records the counts;\n"
	"gates.shadow_max_mismatch makes them a gate of backfill -> read-cutover.";

int cmd_shadow(struct cli *c, int argc, char **argv)
{
	const char *pos[2];
	int npos, rc, compare = 0;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	fc_shadow_opts so = FC_SHADOW_OPTS_INIT;
	cli_opt opts[] = {
		{ "compare", 0, NULL, "on: also compare the two answers (nginx-lua, http routers)", NULL, &compare, NULL },
		{ "sample", 0, "PCT", "with --compare: share of GET/HEAD requests compared (default 100%)", &so.sample,
		  NULL, NULL },
		{ "ignore", 0, "FIELD,...", "with --compare: JSON fields left out of the comparison, at any depth",
		  &so.ignore, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 2, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos != 2 || (strcmp(pos[1], "on") && strcmp(pos[1], "off")))
		return cli_usage(c, "shadow needs SERVICE and 'on' or 'off'");
	if ((so.sample || so.ignore) && !compare)
		return cli_usage(c, "--sample and --ignore go with --compare");
	if (compare && strcmp(pos[1], "on"))
		return cli_usage(c, "--compare goes with 'on' ('off' ends shadow and compare)");
	so.compare = compare;
	if ((rc = cli_open(c, &p)))
		return rc;
	rc = cli_outcome(c, fc_shadow_set(p, pos[0], !strcmp(pos[1], "on"), &so, &c->w, &o), &o);
	if (rc == 0 || rc == EXIT_SYNC)
		cli_next_after(c, p, pos[0]);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
