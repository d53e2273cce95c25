#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_map_edit.h"

static const char usage[] =
	"usage: ficus dep add FROM TO [--kind calls|reads|writes|shares-table] [--weight N]\n"
	"   or: ficus dep rm FROM TO [--kind KIND]\n"
	"   or: ficus dep list";
static const char desc[] =
	"FROM depends on TO: FROM uses TO's data or results. The kind defaults to\n"
	"'calls' and the weight to 1; adding an existing dependency with a new\n"
	"weight changes the weight. 'rm' without --kind removes every kind.";

int cmd_dep(struct cli *c, int argc, char **argv)
{
	const char *pos[3], *kind = NULL, *weight = NULL;
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	int npos, rc, wv = 0;
	cli_opt opts[] = {
		{ "kind", 0, "KIND", "calls, reads, writes or shares-table", &kind, NULL, NULL },
		{ "weight", 0, "N", "weight of the dependency (1..1000000, default 1)", &weight, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos < 1)
		return cli_usage(c, "which dep verb: add, rm or list?");
	if (weight) {
		char *end = NULL;
		long v = strtol(weight, &end, 10);
		if (!*weight || *end || v < 1 || v > 1000000)
			return cli_usage(c, "--weight '%s' must be a whole number from 1 to 1000000", weight);
		wv = (int)v;
	}
	if (!strcmp(pos[0], "list")) {
		fc_dep *deps = NULL;
		size_t n = 0;
		if (npos != 1)
			return cli_usage(c, "'dep list' takes no arguments");
		if ((rc = cli_open(c, &p)))
			return rc;
		if ((rc = fc_dep_list(p, &deps, &n)) < 0) {
			rc = cli_fail(rc);
		} else if (c->json) {
			cJSON *arr = fc_json_arr();
			for (size_t i = 0; i < n; i++) {
				cJSON *e = fc_json_obj();
				fc_json_add_str(e, "from", deps[i].from);
				fc_json_add_str(e, "to", deps[i].to);
				fc_json_add_str(e, "kind", deps[i].kind);
				fc_json_add_num(e, "weight", deps[i].weight);
				fc_json_push(arr, e);
			}
			cli_json("deps", arr);
			cJSON_Delete(arr);
		} else {
			static const char *const hdr[] = { "FROM", "TO", "KIND", "WEIGHT" };
			cli_table *t = cli_table_new(4, hdr);
			for (size_t i = 0; i < n; i++) {
				char w[16];
				snprintf(w, sizeof(w), "%d", deps[i].weight);
				const char *row[] = { deps[i].from, deps[i].to, deps[i].kind, w };
				cli_table_add(t, row);
			}
			cli_table_print(c, t);
			cli_table_free(t);
		}
		fc_deps_free(deps, n);
		fc_plan_free(p);
		return rc;
	}
	if (strcmp(pos[0], "add") && strcmp(pos[0], "rm"))
		{
		static const char *const subs[] = { "add", "rm", "list", NULL };
		return cli_bad_subverb(c, "dep", pos[0], subs);
	}
	if (npos != 3)
		return cli_usage(c, "'dep %s' needs FROM and TO", pos[0]);
	if ((rc = cli_open(c, &p)))
		return rc;
	if (!strcmp(pos[0], "add"))
		rc = fc_dep_add(p, pos[1], pos[2], kind, wv, &c->w, &o);
	else
		rc = fc_dep_rm(p, pos[1], pos[2], kind, &c->w, &o);
	rc = cli_outcome(c, rc, &o);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
