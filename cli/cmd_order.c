#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fc_buf.h"
#include "fc_json.h"
#include "fc_order.h"

static const char usage[] = "usage: ficus order [--strategy outside-in|blast-radius|least-coupled] [--explain]";
static const char desc[] =
	"Rank the domains for extraction. outside-in (default): a domain comes only\n"
	"after every domain that depends on it; among those, fewest direct dependents\n"
	"first, then lower traffic, then name. blast-radius: the most traffic a\n"
	"failure reaches first. least-coupled: fewest dependents plus dependencies\n"
	"first, then lower traffic. Domains in a cycle are ranked as one group and\n"
	"flagged: they cannot be extracted cleanly.";

int cmd_order(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *strategy = NULL;
	int explain = 0, npos, rc;
	fc_order_strategy s = FC_ORDER_OUTSIDE_IN;
	fc_plan *p = NULL;
	fc_rank *r = NULL;
	size_t n = 0, i, j, cycles = 0;
	cli_opt opts[] = {
		{ "strategy", 0, "NAME", "outside-in (default), blast-radius or least-coupled", &strategy, NULL, NULL },
		{ "explain", 0, NULL, "add the one-line explanation of each rank", NULL, &explain, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (strategy && fc_order_strategy_parse(&s, strategy) < 0)
		return cli_usage(c, "%s", fc_error_last());
	if ((rc = cli_open_read(c, &p)))
		return rc;
	if ((rc = fc_order_compute(p, s, &r, &n)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (c->json) {
		cJSON *doc = fc_json_obj(), *arr = fc_json_arr();
		fc_json_add_str(doc, "strategy", fc_order_strategy_name(s));
		for (i = 0; i < n; i++) {
			cJSON *e = fc_json_obj(), *d = fc_json_arr();
			fc_json_add_num(e, "rank", r[i].rank);
			for (j = 0; j < r[i].ndomains; j++)
				fc_json_push(d, cJSON_CreateString(r[i].domains[j]));
			fc_json_add(e, "domains", d);
			fc_json_add_bool(e, "cycle", r[i].cycle);
			fc_json_add_num(e, "rps", r[i].rps);
			fc_json_add_num(e, "dependents", r[i].dependents);
			fc_json_add_num(e, "dependencies", r[i].dependencies);
			fc_json_add_num(e, "score", r[i].score);
			fc_json_add_str(e, "explanation", r[i].explain);
			fc_json_push(arr, e);
		}
		fc_json_add(doc, "ranks", arr);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else {
		static const char *const hdr[] = { "RANK", "DOMAIN", "REQ/S", "CYCLE", "EXPLANATION" };
		cli_table *t = cli_table_new(explain ? 5 : 4, hdr);
		for (i = 0; i < n; i++) {
			char rank[16], rps[32];
			fc_buf names = FC_BUF_INIT;
			snprintf(rank, sizeof(rank), "%d", r[i].rank);
			snprintf(rps, sizeof(rps), "%g", r[i].rps);
			for (j = 0; j < r[i].ndomains; j++)
				fc_buf_printf(&names, "%s%s", j ? "+" : "", r[i].domains[j]);
			const char *row[] = { rank, fc_buf_cstr(&names), rps, r[i].cycle ? "cycle" : "-", r[i].explain };
			cli_table_add(t, row);
			fc_buf_free(&names);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	for (i = 0; i < n; i++)
		if (r[i].cycle) {
			fc_buf b = FC_BUF_INIT;
			for (j = 0; j < r[i].ndomains; j++)
				fc_buf_printf(&b, "%s'%s'", j ? ", " : "", r[i].domains[j]);
			cli_note(c, "warning: %s form a dependency cycle and cannot be extracted cleanly", b.ptr);
			fc_buf_free(&b);
			cycles++;
		}
	(void)cycles;
done:
	fc_ranks_free(r, n);
	fc_plan_free(p);
	return rc;
}
