/*
 * The router verbs: a router added to or removed from the settings, each
 * one change through the session (fc_session_finish).  Nothing is pushed:
 * 'ficus router sync' brings a new router up to date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_change.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_rconf.h"
#include "fc_rstate.h"
#include "fc_router_edit.h"
#include "fc_session.h"
#include "fc_settings.h"
#include "fc_store.h"

static cJSON *spec_json(const fc_router_spec *sp)
{
	cJSON *o = fc_json_obj(), *reps = fc_json_arr();

	fc_json_add_str(o, "name", sp->name);
	fc_json_add_str(o, "driver", sp->driver);
	for (size_t i = 0; i < sp->nreplicas; i++)
		fc_json_push(reps, cJSON_CreateString(sp->replicas[i]));
	fc_json_add(o, "replicas", reps);
#define STR(key, field) if (sp->field) fc_json_add_str(o, key, sp->field)
	STR("map", map);
	STR("map_file", map_file);
	STR("pin_map", pin_map);
	STR("prefix", prefix);
	STR("token_env", token_env);
	STR("token_file", token_file);
	STR("ca_file", ca_file);
	STR("timeout", timeout);
	STR("connect_timeout", connect_timeout);
#undef STR
	if (sp->retries) {
		char *end = NULL;
		long v = strtol(sp->retries, &end, 10);
		if (*sp->retries && !*end)
			fc_json_add_num(o, "retries", (double)v);
		else
			fc_json_add_str(o, "retries", sp->retries); /* refused by the check */
	}
	if (sp->no_tls_verify)
		fc_json_add_bool(o, "tls_verify", 0);
	return o;
}

int fc_router_add(fc_plan *p, const fc_router_spec *sp, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_settings st = { 0 };
	cJSON *routers, *obj = NULL, *e;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sp->name || fc_name_check("router", sp->name) < 0)
		return sp->name ? FC_EINVAL : fc_error_set(FC_EINVAL, "router name is empty");
	if (!sp->driver)
		return fc_error_set(FC_EINVAL, "router '%s': which driver? (--driver %s)", sp->name,
				    "haproxy|nginx-lua|http|envoy|none");
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		return rc;
	if ((rc = fc_settings_get(fc_change_store(c), &st)) < 0)
		goto fail;
	obj = spec_json(sp);
	routers = cJSON_GetObjectItemCaseSensitive(st.doc, "routers");
	if (!routers) {
		routers = fc_json_arr();
		fc_json_add(st.doc, "routers", routers);
	}
	cJSON_ArrayForEach(e, routers) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!cJSON_IsString(nm) || strcmp(nm->valuestring, sp->name))
			continue;
		if (cJSON_Compare(e, obj, 1)) {
			fc_change_noop(c, "router '%s' is already configured so", sp->name);
			cJSON_Delete(obj);
			obj = NULL;
			goto finish;
		}
		{
			char *diff = fc_json_diff(e, obj);
			rc = fc_error_set(FC_EEXISTS, "router '%s' already exists and differs: %s ('ficus router rm %s' first)",
					  sp->name, diff ? diff : "other settings", sp->name);
			free(diff);
		}
		goto fail;
	}
	fc_json_push(routers, obj);
	obj = NULL;
	if ((rc = fc_rconf_check(routers, "settings")) < 0) {
		char *msg = fc_strdup(fc_error_last());
		rc = fc_error_set(FC_EINVAL, "%s", msg); /* command-line input: a usage error */
		free(msg);
		goto fail;
	}
	if ((rc = fc_settings_put(fc_change_store(c), st.doc)) < 0)
		goto fail;
	fc_change_touch(c, "ficus.json");
	fc_change_subject(c, "router: add %s (%s, %zu replica%s)", sp->name, sp->driver, sp->nreplicas,
			  sp->nreplicas == 1 ? "" : "s");
	fc_change_trailer(c, "Ficus-Action", "router-add");
	fc_change_trailer(c, "Ficus-Router", "%s", sp->name);
finish:
	fc_settings_clear(&st);
	return fc_session_finish(c, out);
fail:
	cJSON_Delete(obj);
	fc_settings_clear(&st);
	fc_change_abort(c);
	return rc;
}

int fc_router_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_settings st = { 0 };
	size_t idx = 0;
	cJSON *routers, *e;
	char *users = NULL;
	int rc, found = -1;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("router", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		return rc;
	if ((rc = fc_settings_get(fc_change_store(c), &st)) < 0)
		goto fail;
	routers = cJSON_GetObjectItemCaseSensitive(st.doc, "routers");
	cJSON_ArrayForEach(e, routers) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (cJSON_IsString(nm) && !strcmp(nm->valuestring, name))
			found = (int)idx;
		idx++;
	}
	if (found < 0) {
		char *hint = fc_store_suggest(fc_change_store(c), "router", name);
		rc = fc_error_set(FC_ENOTFOUND, "no router named '%s'%s (see 'ficus router list')", name, hint);
		free(hint);
		goto fail;
	}
	if ((rc = fc_rstate_users(fc_change_store(c), name, &users)) < 0)
		goto fail;
	if (*users && !fc_change_opts(c)->force) {
		rc = fc_error_set(FC_EINVAL, "router '%s' is named by service %s: bind them elsewhere first, "
				  "or --force", name, users);
		goto fail;
	}
	cJSON_DeleteItemFromArray(routers, found);
	if ((rc = fc_settings_put(fc_change_store(c), st.doc)) < 0 ||
	    (rc = fc_rstate_forget(fc_change_store(c), name)) < 0)
		goto fail;
	fc_change_touch(c, "ficus.json");
	fc_change_subject(c, "router: remove %s", name);
	fc_change_trailer(c, "Ficus-Action", "router-rm");
	fc_change_trailer(c, "Ficus-Router", "%s", name);
	if (*users)
		fc_change_trailer(c, "Ficus-Forced", "yes (still named by %s)", users);
	free(users);
	fc_settings_clear(&st);
	return fc_session_finish(c, out);
fail:
	free(users);
	fc_settings_clear(&st);
	fc_change_abort(c);
	return rc;
}

