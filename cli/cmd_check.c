#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_json.h"
#include "fc_life.h"

static const char usage[] =
	"usage: ficus check record SERVICE NAME --pass|--fail [--detail TEXT]\n"
	"   or: ficus check run SERVICE [NAME]";
static const char desc[] =
	"Evidence for the gates. 'record' stores a result from a script. 'run' runs\n"
	"the check commands configured for the service (or the plan), each with its\n"
	"timeout: exit status 0 is a pass, the last line of output the detail. Each\n"
	"command is one commit. The reconcile check (gates.reconcile_check) feeds the\n"
	"backfill and ramp gates. 'run' exits 3 when a check failed.";

int cmd_check(struct cli *c, int argc, char **argv)
{
	const char *pos[3], *detail = NULL;
	int npos, rc, pass = 0, failf = 0;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	cli_opt opts[] = {
		{ "pass", 0, NULL, "record: the check passed", NULL, &pass, NULL },
		{ "fail", 0, NULL, "record: the check failed", NULL, &failf, NULL },
		{ "detail", 0, "TEXT", "record: one line of detail (row counts, checksums...)", &detail, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos < 1)
		return cli_usage(c, "which check verb: record or run?");
	if (!strcmp(pos[0], "record")) {
		if (npos != 3)
			return cli_usage(c, "'check record' needs SERVICE and NAME");
		if (pass == failf)
			return cli_usage(c, "'check record' needs exactly one of --pass and --fail");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = cli_outcome(c, fc_check_record(p, pos[1], pos[2], pass, detail, &c->w, &o), &o);
		if (rc == 0)
			cli_next_after(c, p, pos[1]);
	} else if (!strcmp(pos[0], "run")) {
		fc_check_run_result *r = NULL;
		size_t n = 0;
		int any_fail = 0;
		if (npos < 2)
			return cli_usage(c, "'check run' needs SERVICE");
		if (pass || failf || detail)
			return cli_usage(c, "'check run' takes no --pass, --fail or --detail");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = fc_check_run(p, pos[1], npos > 2 ? pos[2] : NULL, &c->w, &r, &n, &o);
		for (size_t i = 0; i < n; i++) {
			any_fail |= !r[i].pass;
			if (!c->json && !c->quiet)
				printf("%-16s %s  %.1fs  %s\n", r[i].check, r[i].pass ? "pass" : "FAIL", r[i].seconds,
				       r[i].detail);
		}
		if (c->json) {
			cJSON *arr = fc_json_arr();
			for (size_t i = 0; i < n; i++) {
				cJSON *e = fc_json_obj();
				fc_json_add_str(e, "check", r[i].check);
				fc_json_add_bool(e, "pass", r[i].pass);
				fc_json_add_str(e, "detail", r[i].detail ? r[i].detail : "");
				fc_json_add_num(e, "seconds", r[i].seconds);
				fc_json_push(arr, e);
			}
			cli_json("results", arr);
			cJSON_Delete(arr);
		}
		rc = cli_outcome(c, rc, &o);
		if (rc == 0)
			cli_next_after(c, p, pos[1]);
		if (rc == 0 && any_fail) {
			cli_err("a check failed: recorded, and a gate it is evidence for stays closed");
			rc = EXIT_GATE;
		}
		fc_check_run_free(r, n);
	} else {
		{
		static const char *const subs[] = { "record", "run", NULL };
		return cli_bad_subverb(c, "check", pos[0], subs);
	}
	}
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
