#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fc_json.h"

static const char usage[] = "usage: ficus sync [--remote URL] [--reset]";
static const char desc[] =
	"Fetch the plan's remote (origin) and fast-forward the plan and its database\n"
	"to it; push local changes the remote lacks. --remote URL first makes URL the\n"
	"plan's remote (for a plan created without one). Exit 4 when the plan and the\n"
	"remote have diverged. --reset takes the remote's history even then: local\n"
	"commits the remote lacks (a rollback made while it was unreachable) are kept\n"
	"on a ref that the output names, and the routers are brought to the remote's\n"
	"plan. The remote's timeouts are git config ficus.remoteConnectTimeout and\n"
	"ficus.remoteTimeout (seconds).";

int cmd_sync(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *remote = NULL;
	char *report = NULL;
	int npos, rc, reset = 0;
	fc_plan *p = NULL;
	cli_opt opts[] = {
		{ "remote", 0, "URL", "set the plan's remote first", &remote, NULL, NULL },
		{ "reset", 0, NULL, "take the remote's history; set local commits aside on a ref", NULL, &reset, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if ((rc = cli_open(c, &p)))
		return rc;
	if (c->w.dry_run) {
		cli_note(c, "dry run: would fetch, fast-forward and push the plan");
		goto done;
	}
	if (remote && (rc = fc_plan_set_remote(p, remote)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if ((rc = fc_session_sync(p, reset, &report)) < 0) {
		/* synced, but a router is behind: what was synced (and set aside) still counts */
		if (rc == FC_ESYNC && report && !c->json)
			cli_note(c, "%s", report);
		rc = cli_fail(rc);
		goto done;
	}
	if (c->json) {
		cJSON *doc = fc_json_obj();
		fc_json_add_bool(doc, "ok", 1);
		fc_json_add_str(doc, "report", report);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else {
		cli_note(c, "%s", report);
	}
done:
	free(report);
	fc_plan_free(p);
	return rc;
}
