#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_service.h"

static const char usage[] = "usage: ficus tenant route TENANT [SERVICE]";
static const char desc[] =
	"Which side each service sends TENANT to, as every router computes it:\n"
	"bucket = crc32(\"<flag>:<tenant>\") mod 10000 (IEEE crc32, as zlib, HAProxy's\n"
	"crc32 and nginx-lua's ngx.crc32_long); the tenant goes to the new service\n"
	"iff bucket < basis points. Routing is sticky and monotone: a tenant in at\n"
	"10% stays in at 50%.";

int cmd_tenant(struct cli *c, int argc, char **argv)
{
	const char *pos[3];
	fc_service *all = NULL;
	size_t n = 0;
	fc_plan *p = NULL;
	int npos, rc;
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (npos < 2 || strcmp(pos[0], "route"))
		return cli_usage(c, "usage: ficus tenant route TENANT [SERVICE]");
	if (!*pos[1] || strlen(pos[1]) > 256)
		return cli_usage(c, "a tenant is 1 to 256 bytes");
	for (const char *s = pos[1]; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return cli_usage(c, "a tenant may not hold control characters");
	if ((rc = cli_open_read(c, &p)))
		return rc;
	if (npos == 3) {
		all = fc_calloc(1, sizeof(*all));
		if ((rc = fc_service_get(p, pos[2], all)) == 0)
			n = 1;
	} else {
		rc = fc_service_list(p, &all, &n);
	}
	if (rc < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (c->json) {
		cJSON *arr = fc_json_arr();
		for (size_t i = 0; i < n; i++) {
			int b = fc_tenant_bucket(all[i].flag, pos[1]);
			cJSON *e = fc_json_obj();
			fc_json_add_str(e, "service", all[i].name);
			fc_json_add_str(e, "flag", all[i].flag);
			fc_json_add_str(e, "tenant", pos[1]);
			fc_json_add_num(e, "bucket", b);
			fc_json_add_num(e, "bp", all[i].bp);
			fc_json_add_str(e, "side", b < all[i].bp ? "new" : "monolith");
			fc_json_push(arr, e);
		}
		cli_json("routes", arr);
		cJSON_Delete(arr);
	} else {
		static const char *const hdr[] = { "SERVICE", "FLAG", "BUCKET", "TRAFFIC", "SIDE" };
		cli_table *t = cli_table_new(5, hdr);
		for (size_t i = 0; i < n; i++) {
			int b = fc_tenant_bucket(all[i].flag, pos[1]);
			char bs[16], pct[16];
			snprintf(bs, sizeof(bs), "%d", b);
			fc_pct_format(pct, sizeof(pct), all[i].bp);
			const char *row[] = { all[i].name, all[i].flag, bs, pct, b < all[i].bp ? "new" : "monolith" };
			cli_table_add(t, row);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
done:
	fc_services_free(all, n ? n : 1);
	fc_plan_free(p);
	return rc;
}
