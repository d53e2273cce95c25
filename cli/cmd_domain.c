#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_map_edit.h"

static const char usage[] =
	"usage: ficus domain add NAME [--owner TEAM] [--rps N] [--tables T1,T2] [--description TEXT] [--signal KEY=EVIDENCE]...\n"
	"   or: ficus domain set NAME [same options]\n"
	"   or: ficus domain rm NAME [--force]\n"
	"   or: ficus domain list\n"
	"   or: ficus domain show NAME";
static const char desc[] =
	"Domains are the responsibilities of the monolith. Each is one plan file,\n"
	"domains/NAME.json. Signals record the measured reasons for a split\n"
	"(divergent-scaling, deploy-contention, technology-mismatch, ...);\n"
	"'--signal KEY=' removes one. 'rm' refuses while dependencies use the\n"
	"domain unless --force, which removes them too.";

static cJSON *domain_json(const fc_domain *d, fc_plan *p)
{
	fc_dep *deps = NULL;
	size_t n = 0, k = 0, i;
	cJSON *o;

	fc_dep_list(p, &deps, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(deps[i].from, d->name))
			deps[k++] = deps[i];
		else {
			free(deps[i].from);
			free(deps[i].to);
			free(deps[i].kind);
		}
	o = fc_domain_to_json(d, deps, k);
	fc_deps_free(deps, k);
	return o;
}

static int list(struct cli *c, fc_plan *p)
{
	fc_domain *ds = NULL;
	size_t n = 0, i;
	int rc = fc_domain_list(p, &ds, &n);

	if (rc < 0)
		return cli_fail(rc);
	if (c->json) {
		cJSON *arr = fc_json_arr();
		for (i = 0; i < n; i++)
			fc_json_push(arr, domain_json(&ds[i], p));
		cli_json("domains", arr);
		cJSON_Delete(arr);
	} else {
		static const char *const hdr[] = { "DOMAIN", "OWNER", "REQ/S", "TABLES", "SIGNALS" };
		cli_table *t = cli_table_new(5, hdr);
		for (i = 0; i < n; i++) {
			char rps[32], nt[16], ns[16];
			snprintf(rps, sizeof(rps), "%g", ds[i].rps);
			snprintf(nt, sizeof(nt), "%zu", ds[i].ntables);
			snprintf(ns, sizeof(ns), "%zu", ds[i].nsignals);
			const char *row[] = { ds[i].name, ds[i].owner, rps, nt, ns };
			cli_table_add(t, row);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	fc_domains_free(ds, n);
	return 0;
}

static int show(struct cli *c, fc_plan *p, const char *name)
{
	fc_domain d;
	cJSON *o;
	int rc = fc_domain_get(p, name, &d);

	if (rc < 0)
		return cli_fail(rc);
	o = domain_json(&d, p);
	if (c->json) {
		cli_json("domain", o);
	} else {
		const cJSON *deps = cJSON_GetObjectItem(o, "depends_on"), *e;
		char *desc_clean = fc_sanitize(d.description, 1), *owner = fc_sanitize(d.owner, 0);
		printf("domain       %s\nowner        %s\nreq/s        %g\n", d.name, owner, d.rps);
		printf("tables       ");
		for (size_t i = 0; i < d.ntables; i++)
			printf("%s%s", i ? ", " : "", d.tables[i]);
		printf("\ndescription  %s\n", desc_clean);
		for (size_t i = 0; i < d.nsignals; i++) {
			char *v = fc_sanitize(d.signal_values[i], 0);
			printf("signal       %s: %s\n", d.signal_keys[i], v);
			free(v);
		}
		cJSON_ArrayForEach(e, deps)
			printf("depends on   %s (%s, weight %d)\n", cJSON_GetObjectItem(e, "domain")->valuestring,
			       cJSON_GetObjectItem(e, "kind")->valuestring,
			       (int)cJSON_GetObjectItem(e, "weight")->valuedouble);
		free(desc_clean);
		free(owner);
	}
	cJSON_Delete(o);
	fc_domain_clear(&d);
	return 0;
}

int cmd_domain(struct cli *c, int argc, char **argv)
{
	const char *pos[2], *sub;
	const char *owner = NULL, *rps = NULL, *tables = NULL, *description = NULL;
	cli_list signals = { 0 };
	fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	int npos, rc;
	cli_opt opts[] = {
		{ "owner", 0, "TEAM", "owning team", &owner, NULL, NULL },
		{ "rps", 0, "N", "traffic in requests per second", &rps, NULL, NULL },
		{ "tables", 0, "T1,T2", "tables the domain owns (comma-separated; '' clears)", &tables, NULL, NULL },
		{ "description", 0, "TEXT", "free-text description", &description, NULL, NULL },
		{ "signal", 0, "KEY=EVIDENCE", "a split signal and its evidence (repeatable)", NULL, NULL, &signals },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 2, &npos)))
		goto done;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		goto done;
	}
	if (npos < 1) {
		rc = cli_usage(c, "which domain verb: add, set, rm, list or show?");
		goto done;
	}
	sub = pos[0];
	if (strcmp(sub, "list") && npos < 2) {
		rc = cli_usage(c, "'domain %s' needs a domain name", sub);
		goto done;
	}
	if ((!strcmp(sub, "list") && npos > 1)) {
		rc = cli_usage(c, "'domain list' takes no arguments");
		goto done;
	}
	e.owner = owner;
	e.rps = rps;
	e.tables = tables;
	e.description = description;
	e.signals = signals.v;
	e.nsignals = signals.n;
	if (!strcmp(sub, "add") || !strcmp(sub, "set") || !strcmp(sub, "rm")) {
		if ((rc = cli_open(c, &p)))
			goto done;
		if (!strcmp(sub, "add"))
			rc = fc_domain_add(p, pos[1], &e, &c->w, &o);
		else if (!strcmp(sub, "set"))
			rc = fc_domain_set(p, pos[1], &e, &c->w, &o);
		else
			rc = fc_domain_rm(p, pos[1], &c->w, &o);
		rc = cli_outcome(c, rc, &o);
	} else if (!strcmp(sub, "list") || !strcmp(sub, "show")) {
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = !strcmp(sub, "list") ? list(c, p) : show(c, p, pos[1]);
	} else {
		{
		static const char *const subs[] = { "add", "set", "rm", "list", "show", NULL };
		rc = cli_bad_subverb(c, "domain", sub, subs);
	}
	}
done:
	free(signals.v);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
