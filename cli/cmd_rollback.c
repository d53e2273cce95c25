#include <stdio.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_life.h"

static const char usage[] = "usage: ficus rollback SERVICE [--to PHASE|PCT]";
static const char desc[] =
	"Roll back at once, whatever the gates. Without --to it is the abort: flag\n"
	"to 0% and shadow off, the service stays in its phase (read-cutover paused;\n"
	"the next promote returns to the first ramp step); when nothing is on the\n"
	"new service it says so and changes nothing. A phase back is --to PHASE.\n"
	"From decommission only with --force and --reason; never from done.";

int cmd_rollback(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *to = NULL;
	int npos, rc;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	cli_opt opts[] = {
		{ "to", 0, "PHASE|PCT", "roll back to this phase or percentage", &to, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos != 1)
		return cli_usage(c, "which service?");
	if ((rc = cli_open(c, &p)))
		return rc;
	rc = cli_outcome(c, fc_rollback(p, pos[0], to, &c->w, &o), &o);
	if (rc == 0 || rc == EXIT_SYNC)
		cli_next_after(c, p, pos[0]);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
