#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_step.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_service.h"
#include "fc_settings.h"

static const char usage[] = "usage: ficus status [SERVICE]";
static const char desc[] =
	"Each service's phase and traffic, its next step and whether the gates of\n"
	"that step are open, with the reason and evidence of each gate. The answer\n"
	"is the one 'ficus promote' would act on (same core function).";

static cJSON *service_json(const fc_service *s, const fc_step *st)
{
	cJSON *o = fc_service_to_json(s);
	fc_json_add_num(o, "bp", s->bp);
	fc_json_add_num(o, "rps", s->rps);
	fc_json_add(o, "next", cli_step_json(st));
	return o;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	fc_service *all = NULL;
	fc_step *steps = NULL;
	fc_settings set;
	fc_plan *p = NULL;
	size_t n = 0, i;
	int npos, rc;
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	memset(&set, 0, sizeof(set));
	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if ((rc = cli_open(c, &p)))
		return rc;
	if (npos) {
		all = fc_calloc(1, sizeof(*all));
		if ((rc = fc_service_get(p, pos[0], all)) == 0)
			n = 1;
	} else {
		rc = fc_service_list(p, &all, &n);
	}
	if (rc < 0 || (rc = fc_settings_get(fc_plan_store(p), &set)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	steps = fc_calloc(n + 1, sizeof(*steps));
	for (i = 0; i < n; i++)
		if ((rc = fc_gate_step(&steps[i], fc_plan_store(p), &all[i], &set.gates, NULL)) < 0) {
			rc = cli_fail(rc);
			goto done;
		}
	if (c->json) {
		cJSON *doc = fc_json_obj(), *arr = fc_json_arr();
		for (i = 0; i < n; i++)
			fc_json_push(arr, service_json(&all[i], &steps[i]));
		fc_json_add(doc, "services", arr);
		cli_json(doc);
		cJSON_Delete(doc);
	} else if (npos) {
		char pct[16], since[32], tsince[32];
		fc_pct_format(pct, sizeof(pct), all[0].bp);
		fc_time_format(since, sizeof(since), all[0].phase_since);
		fc_time_format(tsince, sizeof(tsince), all[0].step_since);
		printf("%s: %s since %s, traffic %s since %s%s\n", all[0].name, fc_phase_name(all[0].phase), since,
		       pct, tsince, all[0].shadow ? ", shadow on" : "");
		cli_step_print(stdout, &steps[0], "  ");
		if (all[0].nresults) {
			printf("  recent checks:\n");
			for (size_t k = all[0].nresults; k-- > 0;) {
				char at[32];
				char *d = fc_sanitize(all[0].results[k].detail, 0);
				fc_time_format(at, sizeof(at), all[0].results[k].at);
				printf("    %s %-12s %s %s\n", at, all[0].results[k].name,
				       all[0].results[k].pass ? "pass" : "FAIL", d);
				free(d);
			}
		}
	} else {
		static const char *const hdr[] = { "SERVICE", "PHASE", "TRAFFIC", "NEXT", "GATES" };
		cli_table *t = cli_table_new(5, hdr);
		for (i = 0; i < n; i++) {
			char pct[24], next[64] = "-", *closed = fc_step_closed_line(&steps[i]);
			char gates[128];
			fc_pct_format(pct, sizeof(pct), all[i].bp);
			if (all[i].shadow)
				strcat(pct, "+shadow");
			if (steps[i].kind != FC_STEP_NONE)
				fc_state_format(next, sizeof(next), steps[i].to_phase, steps[i].to_bp);
			if (steps[i].kind == FC_STEP_NONE)
				snprintf(gates, sizeof(gates), "-");
			else if (steps[i].open)
				snprintf(gates, sizeof(gates), "open%s", steps[i].irreversible ? " (needs --yes)" : "");
			else
				snprintf(gates, sizeof(gates), "closed: %s", closed);
			const char *row[] = { all[i].name, fc_phase_name(all[i].phase), pct, next, gates };
			cli_table_add(t, row);
			free(closed);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	rc = 0;
done:
	for (i = 0; steps && i < n; i++)
		fc_step_clear(&steps[i]);
	free(steps);
	fc_services_free(all, n ? n : 1);
	fc_settings_clear(&set);
	fc_plan_free(p);
	return rc;
}
