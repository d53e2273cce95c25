#include <stdio.h>

#include "cli.h"

static const char usage[] = "usage: ficus rebuild";
static const char desc[] =
	"Recreate the plan database from the plan repository's HEAD. The repository\n"
	"holds the whole plan, so a lost or damaged database loses nothing. A change\n"
	"the old database holds but HEAD lacks is committed first.";

int cmd_rebuild(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	fc_plan *p = NULL;
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	c->open.create_db = 1;
	if ((rc = cli_open(c, &p)))
		return rc;
	if (c->w.dry_run) {
		cli_note(c, "dry run: would rebuild the database of '%s' from HEAD", fc_plan_dir(p));
	} else if ((rc = fc_change_rebuild(p)) < 0) {
		rc = cli_fail(rc);
	} else {
		cli_note(c, "rebuilt the database from HEAD");
	}
	fc_plan_free(p);
	return rc;
}
