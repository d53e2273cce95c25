#include <stdio.h>

#include "cli.h"
#include "fc_json.h"

static const char usage[] = "usage: ficus init [DIR] [--remote URL]";
static const char desc[] =
	"Create a plan in DIR (default: the current directory): a git plan repository\n"
	"holding ficus.json and PLAN.md, and its database. DIR must be new or empty.\n"
	"With --remote, the plan is shared through that git remote (origin): when the\n"
	"remote already holds a plan it is cloned and its database built, otherwise\n"
	"the new plan is pushed there. Every change then fetches and fast-forwards\n"
	"first and pushes after; a change that loses the race exits 4.";

int cmd_init(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	const char *remote = NULL;
	cli_opt opts[] = {
		{ "remote", 0, "URL", "share the plan through this git remote", &remote, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (c->w.dry_run) {
		cli_note(c, "dry run: would create a plan in '%s'", npos ? pos[0] : ".");
		return 0;
	}
	if (remote)
		rc = fc_session_init_remote(&p, npos ? pos[0] : ".", remote, &c->w, &o);
	else
		rc = fc_session_init(&p, npos ? pos[0] : ".", &c->w, &o);
	if (rc == FC_EEXISTS) {
		cli_note(c, "nothing to do: %s", fc_error_last());
		return 0;
	}
	rc = cli_outcome(c, rc, &o);
	if (rc == 0 && c->json) {
		cJSON *dir = cJSON_CreateString(fc_plan_dir(p));
		cli_json("plan", dir);
		cJSON_Delete(dir);
	}
	if (rc == 0 && !c->json && !c->quiet)
		printf("created plan in %s\n", fc_plan_dir(p));
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
