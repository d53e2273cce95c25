#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_change.h"
#include "fc_json.h"
#include "fc_notify.h"
#include "fc_repo.h"
#include "fc_router.h"

static const char usage[] = "usage: ficus doctor [--repair]";
static const char desc[] =
	"Check the plan for unfinished work and report it:\n"
	"  - a change an interrupted ficus left between its database write and its\n"
	"    commit (finished here, as every ficus command does: committed once);\n"
	"  - flags that some router replica does not have at the plan's revision\n"
	"    (pending, unreachable or drifted, from the recorded router state);\n"
	"  - router settings a push would trip over: an unreadable or too widely\n"
	"    readable token file, a missing token variable, TLS verification off;\n"
	"  - files a killed process left in .git: git locks, ficus work files,\n"
	"    libgit2 temp files (stale, or held by a live process);\n"
	"  - an index or work tree that differs from HEAD;\n"
	"  - webhooks a delivery would trip over (a URL or token file unreadable or\n"
	"    too widely readable, a token variable unset), and webhook events not\n"
	"    delivered (ficus notify), with the last answer.\n"
	"With --repair, push the pending flags' latest values to the routers,\n"
	"remove the stale leftovers, reset the index and work tree to HEAD, and\n"
	"try the undelivered events again (once each, now).\n"
	"Exit status 5 when flags are still pending, 1 for a settings problem or\n"
	"leftovers or differences left, else 0.";

/* The files report (fc_change_check_files), each line printed or kept for --json. */
static int check_files(struct cli *c, fc_plan *p, int repair, cJSON **files, int *problems)
{
	char **lines = NULL;
	size_t n = 0;
	int rc;

	*files = fc_json_arr();
	if ((rc = fc_change_check_files(p, repair, &lines, &n, problems)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (c->json)
			fc_json_push(*files, cJSON_CreateString(lines[i]));
		else
			printf("files: %s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return 0;
}

/*
 * Webhook events not delivered: one line per webhook; with repair, each
 * tried once more now.  Deliveries that gave up count as problems.
 */
static void check_notify(struct cli *c, fc_plan *p, int repair, cJSON **out, int *problems)
{
	fc_notify_hook_state *st = NULL;
	size_t n = 0;
	char *report = NULL;
	int failed = 0;

	*out = fc_json_arr();
	if (repair && fc_notify_deliver(p, 1, 1, &report, &failed) == 0 && *report)
		for (char *l = strtok(report, "\n"); l; l = strtok(NULL, "\n")) {
			if (c->json)
				fc_json_push(*out, cJSON_CreateString(l));
			else
				printf("notify: %s\n", l);
		}
	free(report);
	if (fc_notify_check_config(fc_plan_store(p), &report, problems) == 0)
		for (char *l = strtok(report, "\n"); l; l = strtok(NULL, "\n")) {
			if (c->json)
				fc_json_push(*out, cJSON_CreateString(l));
			else
				printf("notify: %s\n", l);
		}
	free(report);
	if (fc_notify_states(fc_plan_store(p), &st, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		char *line = fc_notify_state_line(&st[i]);
		if (!line)
			continue;
		if (c->json)
			fc_json_push(*out, cJSON_CreateString(line));
		else
			printf("notify: %s\n", line);
		*problems += st[i].failed > 0;
		free(line);
	}
	if (!n && !c->json)
		printf("notify: nothing undelivered\n");
	fc_notify_states_free(st, n);
	fc_error_clear();
}

int cmd_doctor(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc, repair = 0, repaired = 0, more = 0, problems = 0, st = 0;
	char **pending = NULL, *notes = NULL;
	size_t npending = 0;
	fc_router_result res = { 0 };
	fc_plan *p = NULL;
	cJSON *doc = NULL, *files = NULL, *notify = NULL;
	cli_opt opts[] = {
		{ "repair", 0, NULL, "push the pending flags, remove stale leftovers, reset to HEAD", NULL, &repair, NULL },
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
	/* opening the plan already finished what it could: count that too */
	repaired = fc_plan_repaired(p);
	if ((rc = fc_session_repair(p, &more)) < 0) {
		st = cli_fail(rc);
		goto done;
	}
	if ((rc = fc_rreport_check_config(p, &notes, &problems)) < 0 ||
	    (rc = fc_rreport_pending(p, &pending, &npending)) < 0) {
		st = cli_fail(rc);
		goto done;
	}
	repaired += more;
	if ((rc = check_files(c, p, repair && !c->w.dry_run, &files, &problems)) < 0) {
		st = cli_fail(rc);
		goto done;
	}
	if (!c->json) {
		if (repaired)
			printf("journal: finished %d interrupted change%s\n", repaired, repaired == 1 ? "" : "s");
		else
			printf("journal: no interrupted change\n");
		if (notes && *notes)
			for (char *line = strtok(notes, "\n"); line; line = strtok(NULL, "\n"))
				printf("settings: %s\n", line);
		if (npending) {
			printf("routers: %zu flag%s pending:", npending, npending == 1 ? "" : "s");
			for (size_t i = 0; i < npending; i++)
				printf(" %s", pending[i]);
			printf("\n");
		} else {
			printf("routers: nothing pending\n");
		}
	}
	if (repair && npending && !c->w.dry_run) {
		rc = fc_reconcile_repair(p, &res);
		if (rc < 0 && rc != FC_ESYNC) {
			st = cli_fail(rc);
			goto done;
		}
		if (!c->json)
			fputs(res.report ? res.report : "", stdout);
		fc_rstate_names_free(pending, npending);
		pending = NULL;
		npending = 0;
		if ((rc = fc_rreport_pending(p, &pending, &npending)) < 0) {
			st = cli_fail(rc);
			goto done;
		}
		if (!c->json)
			printf("routers: %s\n", npending ? "still pending after the repair" : "repaired: every replica synced");
	} else if (repair && npending && !c->json) {
		printf("dry run: would push %zu flag%s\n", npending, npending == 1 ? "" : "s");
	}
	check_notify(c, p, repair && !c->w.dry_run, &notify, &problems);
	if (c->json) {
		cJSON *arr = fc_json_arr(), *narr = fc_json_arr();
		doc = fc_json_obj();
		fc_json_add_num(doc, "changes_finished", repaired);
		for (size_t i = 0; i < npending; i++)
			fc_json_push(arr, cJSON_CreateString(pending[i]));
		fc_json_add(doc, "pending", arr);
		if (notes)
			for (char *line = strtok(notes, "\n"); line; line = strtok(NULL, "\n"))
				fc_json_push(narr, cJSON_CreateString(line));
		fc_json_add(doc, "settings", narr);
		fc_json_add_num(doc, "settings_problems", problems);
		fc_json_add(doc, "files", files);
		files = NULL;
		fc_json_add(doc, "notify", notify);
		notify = NULL;
		fc_json_add_str(doc, "push_report", res.report ? res.report : "");
		fc_json_add_bool(doc, "ok", !npending && !problems);
		cli_json(NULL, doc);
	}
	if (npending) {
		if (!repair)
			cli_note(c, "'ficus doctor --repair' or 'ficus router sync' pushes them");
		st = EXIT_SYNC;
	} else if (problems) {
		st = EXIT_ERROR;
	}
done:
	cJSON_Delete(files);
	cJSON_Delete(notify);
	cJSON_Delete(doc);
	fc_rstate_result_clear(&res);
	fc_rstate_names_free(pending, npending);
	free(notes);
	fc_plan_free(p);
	return st;
}
