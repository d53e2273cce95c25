#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_buf.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_map_edit.h"
#include "fc_order.h"

static const char usage[] =
	"usage: ficus map import FILE|- [--replace]\n"
	"   or: ficus map export\n"
	"   or: ficus map show [--format text|json|dot]";
static const char desc[] =
	"The map document is {\"version\": 1, \"domains\": [...]}, each domain as in its\n"
	"plan file (see ficus-plan(5)). Import merges: each domain in the document is\n"
	"created or replaced with its dependencies; --replace also removes the domains\n"
	"the document does not name. One import is one commit. 'show' reports cycles.";

static int cycles_json(fc_plan *p, cJSON **out)
{
	fc_rank *cy = NULL;
	size_t n = 0;
	int rc = fc_map_cycles(p, &cy, &n);

	*out = fc_json_arr();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		cJSON *g = fc_json_arr();
		for (size_t j = 0; j < cy[i].ndomains; j++)
			fc_json_push(g, cJSON_CreateString(cy[i].domains[j]));
		fc_json_push(*out, g);
	}
	fc_ranks_free(cy, n);
	return rc;
}

static void dot_id(fc_buf *b, const char *name)
{
	fc_buf_printf(b, "\"%s\"", name); /* names are [a-z0-9._-]: no quoting needed */
}

static int show(struct cli *c, fc_plan *p, const char *format)
{
	fc_domain *ds = NULL;
	fc_dep *deps = NULL;
	fc_rank *cy = NULL;
	size_t nd = 0, ndep = 0, ncy = 0, i, j;
	int rc;

	if ((rc = fc_domain_list(p, &ds, &nd)) < 0 || (rc = fc_dep_list(p, &deps, &ndep)) < 0 ||
	    (rc = fc_map_cycles(p, &cy, &ncy)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (!strcmp(format, "json")) {
		fc_buf b = FC_BUF_INIT;
		c->json = 1; /* the JSON form is the envelope, as with --json */
		cJSON *doc = NULL, *cycles = NULL;
		fc_map_export(p, &b);
		fc_json_parse(&doc, "map", b.ptr, b.len, FC_MAP_MAX_BYTES);
		cycles_json(p, &cycles);
		fc_json_add(doc, "cycles", cycles);
		cli_json("map", doc);
		cJSON_Delete(doc);
		fc_buf_free(&b);
	} else if (!strcmp(format, "dot")) {
		fc_buf b = FC_BUF_INIT;
		fc_buf_puts(&b, "digraph ficus {\n  rankdir=LR;\n  node [shape=box];\n");
		for (i = 0; i < ncy; i++) {
			fc_buf_printf(&b, "  subgraph cluster_cycle%zu {\n    label=\"cycle\"; color=red;\n", i + 1);
			for (j = 0; j < cy[i].ndomains; j++) {
				fc_buf_puts(&b, "    ");
				dot_id(&b, cy[i].domains[j]);
				fc_buf_puts(&b, ";\n");
			}
			fc_buf_puts(&b, "  }\n");
		}
		for (i = 0; i < nd; i++) {
			fc_buf_puts(&b, "  ");
			dot_id(&b, ds[i].name);
			fc_buf_printf(&b, " [label=\"%s\\n%g req/s\"];\n", ds[i].name, ds[i].rps);
		}
		for (i = 0; i < ndep; i++) {
			fc_buf_puts(&b, "  ");
			dot_id(&b, deps[i].from);
			fc_buf_puts(&b, " -> ");
			dot_id(&b, deps[i].to);
			if (deps[i].weight != 1)
				fc_buf_printf(&b, " [label=\"%s x%d\"];\n", deps[i].kind, deps[i].weight);
			else
				fc_buf_printf(&b, " [label=\"%s\"];\n", deps[i].kind);
		}
		fc_buf_puts(&b, "}\n");
		fwrite(b.ptr, 1, b.len, stdout);
		fc_buf_free(&b);
	} else if (!strcmp(format, "text")) {
		for (i = 0; i < nd; i++) {
			int any = 0;
			printf("%s (%g req/s)", ds[i].name, ds[i].rps);
			for (j = 0; j < ndep; j++)
				if (!strcmp(deps[j].from, ds[i].name)) {
					printf("%s %s %s", any ? "," : " ->", deps[j].to, deps[j].kind);
					if (deps[j].weight != 1)
						printf("x%d", deps[j].weight);
					any = 1;
				}
			putchar('\n');
		}
		for (i = 0; i < ncy; i++) {
			printf("cycle:");
			for (j = 0; j < cy[i].ndomains; j++)
				printf(" %s", cy[i].domains[j]);
			printf(" (cannot be extracted cleanly)\n");
		}
	} else {
		rc = cli_usage(c, "--format '%s' is not text, json or dot", format);
	}
done:
	fc_domains_free(ds, nd);
	fc_deps_free(deps, ndep);
	fc_ranks_free(cy, ncy);
	return rc;
}

int cmd_map(struct cli *c, int argc, char **argv)
{
	const char *pos[2], *format = NULL;
	int replace = 0, npos, rc;
	fc_plan *p = NULL;
	fc_outcome o = { 0 };
	cli_opt opts[] = {
		{ "replace", 0, NULL, "import: remove the domains the document does not name", NULL, &replace, NULL },
		{ "format", 0, "FMT", "show: text (default), json or dot", &format, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 2, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos < 1)
		return cli_usage(c, "which map verb: import, export or show?");
	if (!strcmp(pos[0], "import")) {
		char *data = NULL;
		size_t len = 0;
		if (npos != 2)
			return cli_usage(c, "'map import' needs a FILE, or - for standard input");
		if ((rc = cli_read_file(pos[1], FC_MAP_MAX_BYTES, &data, &len)) < 0)
			return cli_fail(rc);
		if ((rc = cli_open(c, &p)) == 0) {
			rc = fc_map_import(p, data, len, replace, &c->w, &o);
			rc = cli_outcome(c, rc, &o);
		}
		free(data);
	} else if (!strcmp(pos[0], "export")) {
		fc_buf b = FC_BUF_INIT;
		if (npos != 1)
			return cli_usage(c, "'map export' takes no arguments");
		if ((rc = cli_open_read(c, &p)) == 0) {
			if ((rc = fc_map_export(p, &b)) < 0) {
				rc = cli_fail(rc);
			} else if (c->json) {
				/* the file format itself, inside the envelope */
				cJSON *doc = NULL;
				if ((rc = fc_json_parse(&doc, "map", b.ptr, b.len, FC_MAP_MAX_BYTES)) < 0)
					rc = cli_fail(rc);
				else
					cli_json("map", doc);
				cJSON_Delete(doc);
			} else {
				fwrite(b.ptr, 1, b.len, stdout);
			}
		}
		fc_buf_free(&b);
	} else if (!strcmp(pos[0], "show")) {
		if (npos != 1)
			return cli_usage(c, "'map show' takes no arguments");
		if ((rc = cli_open_read(c, &p)) == 0)
			rc = show(c, p, format ? format : c->json ? "json" : "text");
	} else {
		{
		static const char *const subs[] = { "import", "export", "show", NULL };
		rc = cli_bad_subverb(c, "map", pos[0], subs);
	}
	}
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
