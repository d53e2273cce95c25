#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fc_error.h"
#include "fc_json.h"
#include "fc_log.h"
#include "fc_name.h"
#include "fc_store.h"

struct walk {
	const char *name;
	long limit;
	long seen;
	int (*cb)(const fc_log_entry *, void *);
	void *ctx;
};

static int each(const fc_commit_info *c, void *vctx)
{
	struct walk *w = vctx;
	int rc;

	if (w->limit >= 0 && w->seen >= w->limit)
		return 1;
	if (w->name) {
		int match = 0;
		for (size_t i = 0; i < c->ntrailers && !match; i++)
			match = (!strcasecmp(c->keys[i], "Ficus-Service") || !strcasecmp(c->keys[i], "Ficus-Domain")) &&
				!strcmp(c->values[i], w->name);
		if (!match)
			return 0;
	}
	w->seen++;
	rc = w->cb(c, w->ctx);
	return rc ? rc : 0;
}

int fc_log_walk(fc_plan *p, const char *name, long limit,
		int (*cb)(const fc_log_entry *e, void *ctx), void *ctx)
{
	struct walk w = { name, limit, 0, cb, ctx };
	int rc;

	if (name && (rc = fc_name_check("service", name)) < 0)
		return rc;
	return fc_repo_log(fc_plan_repo(p), each, &w);
}

cJSON *fc_log_entry_json(const fc_log_entry *e)
{
	cJSON *o = fc_json_obj(), *t = fc_json_obj();
	char when[32];

	fc_time_format(when, sizeof(when), e->when);
	fc_json_add_str(o, "commit", e->oid);
	fc_json_add_str(o, "author", e->author_name);
	fc_json_add_str(o, "email", e->author_email);
	fc_json_add_str(o, "time", when);
	fc_json_add_str(o, "subject", e->subject);
	fc_json_add_str(o, "body", e->body);
	for (size_t i = 0; i < e->ntrailers; i++)
		if (!cJSON_GetObjectItemCaseSensitive(t, e->keys[i]))
			fc_json_add_str(t, e->keys[i], e->values[i]);
	fc_json_add(o, "trailers", t);
	fc_json_add_bool(o, "outside", e->outside);
	return o;
}

int fc_log_name_known(fc_plan *p, const char *name)
{
	fc_store *st = fc_plan_store(p);
	sqlite3_stmt *q = NULL;
	char *svc, *dom;
	int rc, found = 0;

	if ((rc = fc_name_check("service or domain", name)) < 0)
		return rc;
	if ((rc = fc_store_preparef(st, &q, "SELECT 1 FROM service WHERE name = ?1 UNION ALL "
					    "SELECT 1 FROM domain WHERE name = ?1", "s", name)) < 0)
		return rc;
	found = fc_store_step(st, q) == 1;
	sqlite3_finalize(q);
	if (found)
		return 0;
	svc = fc_store_suggest(st, "service", name);
	dom = fc_store_suggest(st, "domain", name);
	rc = fc_error_set(FC_ENOTFOUND, "no service or domain '%s' in the plan or its history%s", name,
			  *svc ? svc : dom);
	free(svc);
	free(dom);
	return rc;
}
