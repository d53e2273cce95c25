#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_life.h"

static const char usage[] = "usage: ficus shadow SERVICE on|off";
static const char desc[] =
	"Mirror requests to the new service and discard its answers, in dual-write\n"
	"and backfill. Shadow goes off by itself when the service leaves backfill.";

int cmd_shadow(struct cli *c, int argc, char **argv)
{
	const char *pos[2];
	int npos, rc;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	if ((rc = cli_parse(c, opts, argc, argv, pos, 2, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos != 2 || (strcmp(pos[1], "on") && strcmp(pos[1], "off")))
		return cli_usage(c, "shadow needs SERVICE and 'on' or 'off'");
	if ((rc = cli_open_push(c, &p)))
		return rc;
	rc = cli_outcome(c, fc_shadow(p, pos[0], !strcmp(pos[1], "on"), &c->w, &o), &o);
	if (rc == 0 || rc == EXIT_SYNC)
		cli_next_after(c, p, pos[0]);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
