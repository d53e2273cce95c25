#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fc_json.h"

static const char usage[] = "usage: ficus verify";
static const char desc[] =
	"Check that the database and the plan repository's HEAD agree: every plan\n"
	"file rendered from the database is byte for byte the file at HEAD.\n"
	"Exit status 6 when they do not ('ficus rebuild' makes the database match).";

int cmd_verify(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	char *report = NULL;
	int npos, rc;
	fc_plan *p = NULL;
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if ((rc = cli_open_read(c, &p)))
		return rc;
	rc = fc_change_verify(p, &report);
	if (c->json) {
		cJSON *doc = fc_json_obj();
		fc_json_add_bool(doc, "ok", rc == 0);
		fc_json_add_str(doc, "report", report ? report : "");
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (report && *report) {
		fputs(report, stdout);
	}
	if (rc < 0)
		rc = cli_fail(rc);
	else
		cli_note(c, "database and plan repository agree");
	free(report);
	fc_plan_free(p);
	return rc;
}
