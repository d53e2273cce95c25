#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_json.h"
#include "fc_life.h"

static const char usage[] =
	"usage: ficus promote SERVICE [--to PHASE|PCT]\n"
	"   or: ficus promote --ready";
static const char desc[] =
	"Take one step forward: the next ramp step inside read-cutover, else the next\n"
	"phase (planned, dual-write, backfill, read-cutover, decommission, done).\n"
	"Every step is gated; a closed gate refuses the step (exit 3) and says which\n"
	"gate and how long is left. --to may name a percentage up to the next ramp\n"
	"step; beyond it, or a phase beyond the next, is refused (exit 3) naming\n"
	"the steps it would skip. --force with --reason passes a closed gate and\n"
	"the commit records it, and every skipped step. Steps into decommission and done are irreversible:\n"
	"off a terminal they need --yes. --ready promotes, one step each, every\n"
	"service whose next gate is open (never an irreversible step).";

/* Ask on the terminal to type the service name. */
static int confirm(const char *name)
{
	char line[128];
	FILE *tty = fopen("/dev/tty", "r+");
	int ok = 0;

	if (!tty)
		return 0;
	fprintf(tty, "this step cannot be undone without a forced rollback; type '%s' to confirm: ", name);
	fflush(tty);
	if (fgets(line, sizeof(line), tty)) {
		line[strcspn(line, "\n")] = '\0';
		ok = !strcmp(line, name);
	}
	fclose(tty);
	return ok;
}

static int ready(struct cli *c, fc_plan *p)
{
	fc_ready_result *r = NULL;
	size_t n = 0, i;
	int rc = fc_promote_ready(p, &c->w, &r, &n), worst = 0;
	static const char *status[] = { "promoted", "closed", "needs-confirmation", "none", "failed" };

	if (rc < 0)
		return cli_fail(rc);
	for (i = 0; i < n; i++) {
		if (r[i].status == FC_READY_FAILED)
			worst = fc_exit_status(r[i].rc) > worst ? fc_exit_status(r[i].rc) : worst;
		if (r[i].status == FC_READY_PROMOTED && r[i].rc == FC_ESYNC && worst < EXIT_SYNC)
			worst = EXIT_SYNC;
	}
	if (c->json) {
		cJSON *arr = fc_json_arr();
		for (i = 0; i < n; i++) {
			cJSON *e = fc_json_obj();
			fc_json_add_str(e, "service", r[i].service);
			fc_json_add_str(e, "status", status[r[i].status]);
			fc_json_add_str(e, "from", r[i].from);
			if (r[i].status == FC_READY_PROMOTED || r[i].status == FC_READY_CLOSED ||
			    r[i].status == FC_READY_CONFIRM)
				fc_json_add_str(e, "to", r[i].to);
			if (r[i].note)
				fc_json_add_str(e, "note", r[i].note);
			if (r[i].outcome.commit[0])
				fc_json_add_str(e, "commit", r[i].outcome.commit);
			if (r[i].outcome.dry_run)
				fc_json_add_bool(e, "dry_run", 1);
			fc_json_push(arr, e);
		}
		cli_json("results", arr);
		cJSON_Delete(arr);
	} else {
		static const char *const hdr[] = { "SERVICE", "RESULT", "FROM", "TO", "NOTE" };
		cli_table *t = cli_table_new(5, hdr);
		for (i = 0; i < n; i++) {
			const char *row[] = { r[i].service,
					      r[i].status == FC_READY_PROMOTED && r[i].outcome.dry_run ? "would-promote"
												      : status[r[i].status],
					      r[i].from, r[i].status == FC_READY_NONE || r[i].status == FC_READY_FAILED ? "-" : r[i].to,
					      r[i].note ? r[i].note : "" };
			cli_table_add(t, row);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	fc_ready_free(r, n);
	return worst;
}

int cmd_promote(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *to = NULL;
	int npos, rc, want_ready = 0;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	fc_step st;
	cli_opt opts[] = {
		{ "to", 0, "PHASE|PCT", "the target: the next phase, or a percentage in read-cutover", &to, NULL, NULL },
		{ "ready", 0, NULL, "promote every service whose next gate is open", NULL, &want_ready, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	memset(&st, 0, sizeof(st));
	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (want_ready) {
		if (npos || to)
			return cli_usage(c, "--ready takes no SERVICE and no --to");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = ready(c, p);
		fc_plan_free(p);
		return rc;
	}
	if (npos != 1)
		return cli_usage(c, "which service? (or --ready)");
	if ((rc = cli_open(c, &p)))
		return rc;
	rc = fc_promote(p, pos[0], to, &c->w, &st, &o);
	if (rc == FC_ECONFIRM && c->w.interactive && !c->json && confirm(pos[0])) {
		fc_step_clear(&st);
		c->w.yes = 1;
		rc = fc_promote(p, pos[0], to, &c->w, &st, &o);
	}
	if (c->w.dry_run && !c->json && st.kind != FC_STEP_NONE && (rc == 0 || rc == FC_EGATE)) {
		printf("step:\n");
		cli_step_print(stdout, &st, "  ");
	}
	if (rc == FC_EGATE) {
		int status = cli_fail(rc);
		if (!c->json && !c->w.dry_run)
			cli_step_print(stderr, &st, "  ");
		if (c->json) {
			cJSON *doc = fc_json_obj();
			fc_json_add(doc, "step", cli_step_json(&st));
			cli_json(NULL, doc);
			cJSON_Delete(doc);
		}
		rc = status;
	} else {
		rc = cli_outcome(c, rc, &o);
		if (rc == 0 || rc == EXIT_SYNC)
			cli_next_after(c, p, pos[0]);
	}
	fc_step_clear(&st);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
