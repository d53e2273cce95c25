#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_check_edit.h"
#include "fc_json.h"
#include "fc_life.h"

static const char usage[] =
	"usage: ficus check record SERVICE NAME --pass|--fail [--detail TEXT]\n"
	"   or: ficus check run SERVICE [NAME]\n"
	"   or: ficus check add SERVICE NAME --command CMD [--timeout DUR]\n"
	"   or: ficus check add SERVICE NAME --prometheus URL --query PROMQL [--min X] [--max X]\n"
	"                      [--interval DUR] [--failure-limit N] [--no-data hold|fail]\n"
	"                      [--token-env VAR|--token-file FILE]\n"
	"   or: ficus check set SERVICE NAME FIELD...\n"
	"   or: ficus check rm SERVICE NAME";
static const char desc[] =
	"Evidence for the gates. 'record' stores a result from a script. 'add', 'set'\n"
	"and 'rm' define a service's checks in its plan file (one commit each): a\n"
	"command check (exit status 0 is a pass, the last line of output the detail)\n"
	"or an analysis check, a Prometheus instant query judged against [min, max]\n"
	"(empty result or NaN: no-data, which holds unless --no-data fail). The query\n"
	"may use {{service}}, {{flag}}, {{route}} and {{step_since}}. 'run' runs the\n"
	"checks of the service (or the plan): commands one by one, analysis checks all\n"
	"at once, then records every result in one commit. Outcomes: pass, fail,\n"
	"no-data, error; no-data and error neither pass nor fail a gate. 'run' exits 3\n"
	"when a check failed. The reconcile check (gates.reconcile_check) feeds the\n"
	"backfill and ramp gates; analysis checks feed the ramp gates\n"
	"(gates.analysis_passes) and the watcher (ficus watch).";

static void print_results(struct cli *c, const fc_check_run_result *r, size_t n)
{
	cJSON *arr = c->json ? fc_json_arr() : NULL;

	for (size_t i = 0; i < n; i++) {
		const char *oc = r[i].outcome == FC_CHECK_FAIL ? "FAIL" : fc_check_outcome_name(r[i].outcome);
		if (!c->json && !c->quiet)
			printf("%-16s %-7s  %.1fs  %s\n", r[i].check, oc, r[i].seconds, r[i].detail ? r[i].detail : "");
		if (arr) {
			cJSON *e = fc_json_obj();
			fc_json_add_str(e, "check", r[i].check);
			fc_json_add_str(e, "kind", r[i].analysis ? "analysis" : "command");
			fc_json_add_str(e, "outcome", fc_check_outcome_name(r[i].outcome));
			fc_json_add_bool(e, "pass", r[i].pass);
			fc_json_add_str(e, "detail", r[i].detail ? r[i].detail : "");
			fc_json_add_num(e, "seconds", r[i].seconds);
			if (r[i].analysis) {
				fc_json_add_str(e, "query", r[i].query ? r[i].query : "");
				if (r[i].has_value)
					fc_json_add_num(e, "value", r[i].value);
				else
					fc_json_add(e, "value", cJSON_CreateNull());
			}
			fc_json_push(arr, e);
		}
	}
	if (arr) {
		cli_json("results", arr);
		cJSON_Delete(arr);
	}
}

static int run(struct cli *c, fc_plan *p, const char *service, const char *name)
{
	fc_check_run_result *r = NULL;
	fc_outcome o = { 0 };
	size_t n = 0, count[4] = { 0 };
	int rc;

	rc = fc_check_run(p, service, name, &c->w, &r, &n, &o);
	print_results(c, r, n);
	for (size_t i = 0; i < n; i++)
		count[r[i].outcome & 3]++;
	rc = cli_outcome(c, rc, &o);
	if (rc == 0)
		cli_next_after(c, p, service);
	if (rc == 0 && (count[FC_CHECK_NO_DATA] || count[FC_CHECK_ERROR]))
		cli_err("%zu check%s had no verdict (%zu no-data, %zu error): recorded, they neither pass nor fail a gate",
			count[FC_CHECK_NO_DATA] + count[FC_CHECK_ERROR],
			count[FC_CHECK_NO_DATA] + count[FC_CHECK_ERROR] == 1 ? "" : "s", count[FC_CHECK_NO_DATA],
			count[FC_CHECK_ERROR]);
	if (rc == 0 && count[FC_CHECK_FAIL]) {
		cli_err("a check failed: recorded, and a gate it is evidence for stays closed");
		rc = EXIT_GATE;
	}
	fc_check_run_free(r, n);
	fc_outcome_clear(&o);
	return rc;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	const char *pos[3], *detail = NULL;
	int npos, rc, pass = 0, failf = 0, edit_given;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	fc_check_edit e = FC_CHECK_EDIT_INIT;
	cli_opt opts[] = {
		{ "pass", 0, NULL, "record: the check passed", NULL, &pass, NULL },
		{ "fail", 0, NULL, "record: the check failed", NULL, &failf, NULL },
		{ "detail", 0, "TEXT", "record: one line of detail (row counts, checksums...)", &detail, NULL, NULL },
		{ "command", 0, "CMD", "add/set: the command of a command check", &e.command, NULL, NULL },
		{ "timeout", 0, "DUR", "add/set: a command check's timeout (default 5m)", &e.timeout, NULL, NULL },
		{ "prometheus", 0, "URL", "add/set: Prometheus base URL of an analysis check (http or https)", &e.prometheus, NULL, NULL },
		{ "query", 0, "PROMQL", "add/set: the instant query (4 KiB at most)", &e.query, NULL, NULL },
		{ "min", 0, "X", "add/set: lowest passing value ('' removes the bound)", &e.min, NULL, NULL },
		{ "max", 0, "X", "add/set: highest passing value ('' removes the bound)", &e.max, NULL, NULL },
		{ "interval", 0, "DUR", "add/set: how often the watcher measures (default 1m, at least 1s)", &e.interval, NULL, NULL },
		{ "failure-limit", 0, "N", "add/set: failures since the step began that roll back (default 3)", &e.failure_limit, NULL, NULL },
		{ "no-data", 0, "hold|fail", "add/set: what an empty result is (default hold)", &e.no_data, NULL, NULL },
		{ "token-env", 0, "VAR", "add/set: bearer token for Prometheus from this environment variable", &e.token_env, NULL, NULL },
		{ "token-file", 0, "FILE", "add/set: bearer token from this file (mode 600)", &e.token_file, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	edit_given = e.command || e.timeout || e.prometheus || e.query || e.min || e.max || e.interval ||
		     e.failure_limit || e.no_data || e.token_env || e.token_file;
	if (npos < 1)
		return cli_usage(c, "which check verb: record, run, add, set or rm?");
	if (!strcmp(pos[0], "record")) {
		if (npos != 3)
			return cli_usage(c, "'check record' needs SERVICE and NAME");
		if (pass == failf)
			return cli_usage(c, "'check record' needs exactly one of --pass and --fail");
		if (edit_given)
			return cli_usage(c, "'check record' takes no definition options (those are for 'check add' and 'check set')");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = cli_outcome(c, fc_check_record(p, pos[1], pos[2], pass, detail, &c->w, &o), &o);
		if (rc == 0)
			cli_next_after(c, p, pos[1]);
	} else if (!strcmp(pos[0], "run")) {
		if (npos < 2)
			return cli_usage(c, "'check run' needs SERVICE");
		if (pass || failf || detail || edit_given)
			return cli_usage(c, "'check run' takes no --pass, --fail, --detail or definition options");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = run(c, p, pos[1], npos > 2 ? pos[2] : NULL);
	} else if (!strcmp(pos[0], "add") || !strcmp(pos[0], "set") || !strcmp(pos[0], "rm")) {
		int add = pos[0][0] == 'a', rm = pos[0][0] == 'r';
		if (npos != 3)
			return cli_usage(c, "'check %s' needs SERVICE and NAME", pos[0]);
		if (pass || failf || detail)
			return cli_usage(c, "'check %s' takes no --pass, --fail or --detail", pos[0]);
		if (rm && edit_given)
			return cli_usage(c, "'check rm' takes no definition options");
		if (add && !e.command && !e.prometheus)
			return cli_usage(c, "'check add' needs --command CMD or --prometheus URL --query PROMQL");
		if (add && e.prometheus && !e.query)
			return cli_usage(c, "an analysis check needs --query PROMQL");
		if (!add && !rm && !edit_given)
			return cli_usage(c, "'check set' needs a field to change (--query, --max, --interval, ...)");
		if ((rc = cli_open(c, &p)))
			return rc;
		rc = add ? fc_check_add(p, pos[1], pos[2], &e, &c->w, &o)
		     : rm ? fc_check_rm(p, pos[1], pos[2], &c->w, &o)
			  : fc_check_set(p, pos[1], pos[2], &e, &c->w, &o);
		rc = cli_outcome(c, rc, &o);
	} else {
		static const char *const subs[] = { "record", "run", "add", "set", "rm", NULL };
		return cli_bad_subverb(c, "check", pos[0], subs);
	}
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
