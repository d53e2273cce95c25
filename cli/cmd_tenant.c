#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_service.h"

static const char usage[] =
	"usage: ficus tenant route TENANT [SERVICE]\n"
	"   or: ficus tenant route --from FILE|- [SERVICE]";
static const char desc[] =
	"Which side each service sends TENANT to, as every router computes it:\n"
	"a tenant pinned out goes to the monolith (until decommission), one pinned\n"
	"in to the new service (in read-cutover above 0%, decommission and done);\n"
	"otherwise bucket = crc32(\"<flag>:<tenant>\") mod 10000 (IEEE crc32, as\n"
	"zlib, HAProxy's crc32 and nginx-lua's ngx.crc32_long) and the tenant goes\n"
	"to the new service iff bucket < basis points. Routing is sticky and\n"
	"monotone: a tenant in at 10% stays in at 50%. --from reads tenants, one\n"
	"per line. Columns: SERVICE, FLAG, BUCKET, TRAFFIC, SIDE, PIN (in, out,\n"
	"'in (held)' or 'out (held)' for a pin the routers do not apply now, or -),\n"
	"TENANT.";

/* A tenant as the routers may receive it: 1 to 256 bytes, no control characters.  Usage error printed. */
static int tenant_ok(struct cli *c, const char *t)
{
	if (!*t || strlen(t) > 256)
		return cli_usage(c, "a tenant is 1 to 256 bytes");
	for (const char *s = t; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return cli_usage(c, "a tenant may not hold control characters");
	return 0;
}

/* The tenants of --from FILE, one per line (CR and blank lines dropped). */
static int read_tenants(struct cli *c, const char *from, char ***out, size_t *n)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_read_file(from, 16u << 20, &text, &len)) < 0)
		return cli_fail(rc);
	if (memchr(text, '\0', len)) {
		free(text);
		return cli_usage(c, "'%s' holds a NUL byte: not a list of tenants", from);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		if (!l)
			continue;
		if ((rc = tenant_ok(c, line)))
			break;
		*out = fc_realloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = fc_strdup(line);
	}
	free(text);
	if (rc == 0 && !*n)
		rc = cli_usage(c, "'%s' names no tenant", from);
	return rc;
}

/* The PIN column: the pin, and whether the routers apply it now. */
static const char *pin_text(const fc_tenant_side *r)
{
	if (!*r->pin)
		return "-";
	if (!strcmp(r->why, "bucket"))
		return !strcmp(r->pin, "in") ? "in (held)" : "out (held)";
	return r->pin;
}

int cmd_tenant(struct cli *c, int argc, char **argv)
{
	const char *pos[3], *from = NULL, *svc;
	char **tenants = NULL;
	size_t ntenants = 0;
	fc_service *all = NULL;
	size_t n = 0;
	fc_plan *p = NULL;
	cJSON *arr = NULL;
	cli_table *t = NULL;
	int npos, rc;
	cli_opt opts[] = {
		{ "from", 0, "FILE", "tenants from FILE, one per line ('-': standard input)", &from, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos < 1 || strcmp(pos[0], "route") || (!from && npos < 2) || (from && npos > 2))
		return cli_usage(c, "usage: ficus tenant route TENANT [SERVICE] | --from FILE [SERVICE]");
	svc = from ? (npos == 2 ? pos[1] : NULL) : (npos == 3 ? pos[2] : NULL);
	if (from) {
		if ((rc = read_tenants(c, from, &tenants, &ntenants)))
			goto done;
	} else {
		if ((rc = tenant_ok(c, pos[1])))
			return rc;
		tenants = fc_calloc(1, sizeof(char *));
		tenants[ntenants++] = fc_strdup(pos[1]);
	}
	if ((rc = cli_open_read(c, &p)))
		goto done;
	if (svc) {
		all = fc_calloc(1, sizeof(*all));
		if ((rc = fc_service_get(p, svc, all)) == 0)
			n = 1;
	} else {
		rc = fc_service_list(p, &all, &n);
	}
	if (rc < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (c->json) {
		arr = fc_json_arr();
	} else {
		static const char *const hdr[] = { "SERVICE", "FLAG", "BUCKET", "TRAFFIC", "SIDE", "PIN", "TENANT" };
		t = cli_table_new(7, hdr);
	}
	for (size_t k = 0; k < ntenants; k++)
		for (size_t i = 0; i < n; i++) {
			fc_tenant_side r;
			fc_service_route_tenant(&all[i], tenants[k], &r);
			if (arr) {
				cJSON *e = fc_json_obj();
				fc_json_add_str(e, "service", all[i].name);
				fc_json_add_str(e, "flag", all[i].flag);
				fc_json_add_str(e, "tenant", tenants[k]);
				fc_json_add_num(e, "bucket", r.bucket);
				fc_json_add_num(e, "bp", all[i].bp);
				fc_json_add_str(e, "side", r.is_new ? "new" : "monolith");
				fc_json_add_str(e, "pin", r.pin);
				fc_json_add_str(e, "why", r.why);
				fc_json_push(arr, e);
			} else {
				char bs[16], pct[16];
				snprintf(bs, sizeof(bs), "%d", r.bucket);
				fc_pct_format(pct, sizeof(pct), all[i].bp);
				const char *row[] = { all[i].name, all[i].flag, bs, pct, r.is_new ? "new" : "monolith",
						      pin_text(&r), tenants[k] };
				cli_table_add(t, row);
			}
		}
	if (arr)
		cli_json("routes", arr);
	else
		cli_table_print(c, t);
done:
	cJSON_Delete(arr);
	cli_table_free(t);
	for (size_t k = 0; k < ntenants; k++)
		free(tenants[k]);
	free(tenants);
	fc_services_free(all, n ? n : (all ? 1 : 0));
	fc_plan_free(p);
	return rc;
}
