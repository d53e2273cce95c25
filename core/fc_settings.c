#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_clock.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_rconf.h"
#include "fc_checkdef.h"
#include "fc_settings.h"
#include "fc_store.h"

static const char *known_top[] = { "version", "ramp", "gates", "routers", "checks", "layout", NULL };

cJSON *fc_settings_default(void)
{
	cJSON *doc = fc_json_obj(), *ramp = fc_json_arr(), *gates = fc_json_obj();

	fc_json_add_num(doc, "version", 1);
	fc_json_push(ramp, cJSON_CreateString("1%"));
	fc_json_push(ramp, cJSON_CreateString("10%"));
	fc_json_push(ramp, cJSON_CreateString("50%"));
	fc_json_push(ramp, cJSON_CreateString("100%"));
	fc_json_add(doc, "ramp", ramp);
	fc_json_add_str(gates, "dual_write_min", "14d");
	fc_json_add_num(gates, "reconcile_passes", 3);
	fc_json_add_str(gates, "reconcile_max_age", "24h");
	fc_json_add_str(gates, "reconcile_check", "reconcile");
	fc_json_add_str(gates, "step_soak", "7d");
	fc_json_add_str(gates, "cutover_soak", "7d");
	fc_json_add(doc, "gates", gates);
	fc_json_add(doc, "routers", fc_json_arr());
	fc_json_add(doc, "checks", fc_json_obj());
	return doc;
}

static int get_duration(int64_t *out, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || fc_duration_parse(out, v->valuestring) < 0)
		return fc_error_set(FC_EPARSE, "%s: gate '%s' must be a duration like \"7d\"", what, key);
	return 0;
}

int fc_gate_settings_apply(fc_gate_settings *g, const cJSON *obj, const char *what)
{
	static const char *keys[] = { "dual_write_min", "reconcile_passes", "reconcile_max_age",
				      "reconcile_check", "step_soak", "cutover_soak", "analysis_passes", NULL };
	const cJSON *c;
	long long n = g->reconcile_passes, an = g->analysis_passes;
	const char *check = NULL;
	int rc, i;

	if (!obj)
		return 0;
	if (!cJSON_IsObject(obj))
		return fc_error_set(FC_EPARSE, "%s: 'gates' must be an object", what);
	if (!obj->child)
		return 0; /* nearly every service overrides nothing: no lookups */
	for (c = obj->child; c; c = c->next) {
		for (i = 0; keys[i] && strcmp(keys[i], c->string); i++)
			;
		if (!keys[i])
			return fc_error_set(FC_EPARSE, "%s: unknown gate setting '%.60s'", what, c->string);
	}
	if ((rc = get_duration(&g->dual_write_min, obj, "dual_write_min", what)) < 0 ||
	    (rc = get_duration(&g->reconcile_max_age, obj, "reconcile_max_age", what)) < 0 ||
	    (rc = get_duration(&g->step_soak, obj, "step_soak", what)) < 0 ||
	    (rc = get_duration(&g->cutover_soak, obj, "cutover_soak", what)) < 0 ||
	    (rc = fc_json_get_int(&n, obj, "reconcile_passes", what)) < 0 ||
	    (rc = fc_json_get_str(&check, obj, "reconcile_check", what)) < 0 ||
	    (rc = fc_json_get_int(&an, obj, "analysis_passes", what)) < 0)
		return rc;
	if (an < 0 || an > 20)
		return fc_error_set(FC_EPARSE, "%s: 'analysis_passes' must be 0..20 (the recent results kept per check)", what);
	g->analysis_passes = (int)an;
	if (n < 0 || n > 20)
		return fc_error_set(FC_EPARSE, "%s: 'reconcile_passes' must be 0..20 (the recent results kept per check)", what);
	g->reconcile_passes = (int)n;
	if (check) {
		if (fc_name_check("check", check) < 0)
			return fc_error_wrap(FC_EPARSE, "%s: 'reconcile_check'", what);
		snprintf(g->reconcile_check, sizeof(g->reconcile_check), "%s", check);
	}
	return 0;
}

int fc_settings_parse(fc_gate_settings *out, const cJSON *doc, const char *what)
{
	const cJSON *c, *ramp, *routers, *checks;
	long long version = 0;
	int rc, i, last = 0;

	memset(out, 0, sizeof(*out));
	out->dual_write_min = 14 * 86400;
	out->reconcile_passes = 3;
	out->analysis_passes = 3;
	out->reconcile_max_age = 24 * 3600;
	out->step_soak = 7 * 86400;
	out->cutover_soak = 7 * 86400;
	strcpy(out->reconcile_check, "reconcile");

	if (!cJSON_IsObject(doc))
		return fc_error_set(FC_EPARSE, "%s: settings must be a JSON object", what);
	for (c = doc->child; c; c = c->next) {
		for (i = 0; known_top[i] && strcmp(known_top[i], c->string); i++)
			;
		if (!known_top[i])
			return fc_error_set(FC_EPARSE, "%s: unknown setting '%.60s'", what, c->string);
	}
	if ((rc = fc_json_get_int(&version, doc, "version", what)) < 0)
		return rc;
	if (version != 1)
		return fc_error_set(FC_EPARSE, "%s: settings version %lld is not supported (expected 1)",
				    what, version);
	ramp = cJSON_GetObjectItemCaseSensitive(doc, "ramp");
	if (ramp) {
		if (!cJSON_IsArray(ramp) || cJSON_GetArraySize(ramp) < 1 ||
		    cJSON_GetArraySize(ramp) > FC_RAMP_MAX)
			return fc_error_set(FC_EPARSE, "%s: 'ramp' must be a list of 1 to %d percentages",
					    what, FC_RAMP_MAX);
		cJSON_ArrayForEach(c, ramp) {
			int bp;
			if (!cJSON_IsString(c) || fc_pct_parse(&bp, c->valuestring) < 0 || bp <= last)
				return fc_error_set(FC_EPARSE,
					"%s: 'ramp' must hold increasing percentages like \"10%%\" above 0", what);
			out->ramp[out->nramp++] = last = bp;
		}
		if (last != 10000)
			return fc_error_set(FC_EPARSE, "%s: the last ramp step must be \"100%%\"", what);
	} else {
		static const int def[] = { 100, 1000, 5000, 10000 };
		memcpy(out->ramp, def, sizeof(def));
		out->nramp = 4;
	}
	if ((rc = fc_gate_settings_apply(out, cJSON_GetObjectItemCaseSensitive(doc, "gates"), what)) < 0)
		return rc;
	routers = cJSON_GetObjectItemCaseSensitive(doc, "routers");
	if ((rc = fc_rconf_check(routers, what)) < 0)
		return rc;
	checks = cJSON_GetObjectItemCaseSensitive(doc, "checks");
	if ((rc = fc_checkdefs_valid(checks, what)) < 0)
		return rc;
	c = cJSON_GetObjectItemCaseSensitive(doc, "layout");
	if (c && (!cJSON_IsString(c) || (strcmp(c->valuestring, "flat") && strcmp(c->valuestring, "fanout"))))
		return fc_error_set(FC_EPARSE, "%s: 'layout' must be \"flat\" or \"fanout\"", what);
	return 0;
}

int fc_settings_of(fc_plan *p, fc_settings *out)
{
	return fc_settings_get(fc_plan_store(p), out);
}

int fc_settings_get(fc_store *s, fc_settings *out)
{
	char *text = fc_store_setting(s, "plan");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text)
		out->doc = fc_settings_default();
	else if ((rc = fc_json_parse(&out->doc, "stored settings", text, strlen(text), FC_FILE_MAX)) < 0) {
		free(text);
		return rc;
	}
	free(text);
	if ((rc = fc_settings_parse(&out->gates, out->doc, "settings")) < 0) {
		fc_settings_clear(out);
		return rc;
	}
	out->gates.routers_known = 1;
	out->gates.routers = cJSON_GetObjectItemCaseSensitive(out->doc, "routers");
	return 0;
}

void fc_settings_clear(fc_settings *st)
{
	if (!st)
		return;
	cJSON_Delete(st->doc);
	st->doc = NULL;
}

int fc_settings_put(fc_store *s, const cJSON *doc)
{
	fc_gate_settings g;
	fc_buf b = FC_BUF_INIT;
	int rc;

	cJSON *copy;

	if ((rc = fc_settings_parse(&g, doc, "settings")) < 0)
		return rc;
	copy = cJSON_Duplicate(doc, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "layout");
	fc_json_render_compact(&b, copy);
	cJSON_Delete(copy);
	rc = fc_store_set_setting(s, "plan", fc_buf_cstr(&b));
	fc_buf_free(&b);
	return rc;
}

int fc_settings_render_file(fc_store *s, const char *name, fc_buf *out, int *exists)
{
	fc_settings st;
	char *layout;
	int rc;

	(void)name;
	if ((rc = fc_settings_get(s, &st)) < 0)
		return rc;
	/* the layout is kept beside the document: render it into the file */
	layout = fc_store_setting(s, "layout");
	cJSON_DeleteItemFromObjectCaseSensitive(st.doc, "layout");
	if (layout && !strcmp(layout, "fanout"))
		fc_json_add_str(st.doc, "layout", "fanout");
	free(layout);
	fc_json_render(out, st.doc);
	*exists = 1;
	fc_settings_clear(&st);
	return 0;
}

int fc_settings_load_file(fc_store *s, const char *name, const char *data, size_t len)
{
	cJSON *doc = NULL;
	int rc;

	(void)name;
	if ((rc = fc_json_parse(&doc, "ficus.json", data, len, FC_FILE_MAX)) < 0)
		return rc;
	{
		const cJSON *layout = cJSON_GetObjectItemCaseSensitive(doc, "layout");
		if (cJSON_IsString(layout) && !strcmp(layout->valuestring, "fanout") &&
		    (rc = fc_store_set_setting(s, "layout", "fanout")) < 0) {
			cJSON_Delete(doc);
			return rc;
		}
	}
	rc = fc_settings_put(s, doc);
	cJSON_Delete(doc);
	return rc < 0 ? fc_error_wrap(rc, "ficus.json") : 0;
}
