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
#include "fc_suggest.h"

static const char *known_top[] = { "version", "ramp", "gates", "routers", "checks", "layout", "webhooks", NULL };

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

/*
 * The shadow gate's settings: shadow_max_mismatch a percentage ("0.1%",
 * 0.1, or "off"), shadow_min_compared a count (a number or its digits).
 */
static int get_shadow(fc_gate_settings *g, const cJSON *obj, const char *what)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "shadow_max_mismatch");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, "shadow_min_compared");
	double v = -1;
	char *end = NULL;

	if (cJSON_IsString(m) && (!strcmp(m->valuestring, "off") || !strcmp(m->valuestring, "none"))) {
		g->shadow_gate = 0;
	} else if (m) {
		if (cJSON_IsNumber(m))
			v = m->valuedouble;
		else if (cJSON_IsString(m) && *m->valuestring)
			v = strtod(m->valuestring, &end);
		if (end && *end == '%')
			end++;
		if (v < 0 || v > 100 || v != v || (end && *end))
			return fc_error_set(FC_EPARSE, "%s: gate 'shadow_max_mismatch' must be a percentage 0..100%% "
					    "like \"0.1%%\" (or \"off\")", what);
		g->shadow_gate = 1;
		g->shadow_max_mismatch = v;
	}
	if (n) {
		long long c = -1;
		end = NULL;
		if (cJSON_IsNumber(n) && n->valuedouble == (double)(long long)n->valuedouble)
			c = (long long)n->valuedouble;
		else if (cJSON_IsString(n) && *n->valuestring)
			c = strtoll(n->valuestring, &end, 10);
		if (c < 1 || c > 1000000000000LL || (end && *end))
			return fc_error_set(FC_EPARSE, "%s: gate 'shadow_min_compared' must be a count of requests >= 1", what);
		g->shadow_min_compared = c;
	}
	return 0;
}

int fc_gate_settings_apply(fc_gate_settings *g, const cJSON *obj, const char *what)
{
	static const char *keys[] = { "dual_write_min", "reconcile_passes", "reconcile_max_age",
				      "reconcile_check", "step_soak", "cutover_soak", "analysis_passes", "shadow_max_mismatch",
				      "shadow_min_compared", NULL };
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
	    (rc = fc_json_get_int(&an, obj, "analysis_passes", what)) < 0 ||
	    (rc = get_shadow(g, obj, what)) < 0)
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
	{
		fc_webhook *hooks = NULL;
		size_t nhooks = 0;
		rc = fc_webhooks_parse(&hooks, &nhooks, cJSON_GetObjectItemCaseSensitive(doc, "webhooks"), what);
		fc_webhooks_free(hooks, nhooks);
		if (rc < 0)
			return rc;
	}
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

/* ---- webhooks ---- */

static const char *const event_names[] = { "change", "gate-open", "push-failed", "drift", "test", NULL };

const char *const *fc_webhook_event_names(void)
{
	return event_names;
}

unsigned fc_webhook_event_bit(const char *name)
{
	for (unsigned i = 0; name && event_names[i]; i++)
		if (!strcmp(event_names[i], name))
			return 1u << i;
	return 0;
}

const char *fc_webhook_event_name(unsigned bit)
{
	for (unsigned i = 0; event_names[i]; i++)
		if (bit == 1u << i)
			return event_names[i];
	return "?";
}

void fc_webhook_url_shown(char *buf, size_t size, const char *url)
{
	const char *rest = strstr(url ? url : "", "://"), *end;
	size_t n;

	if (!rest) {
		snprintf(buf, size, "%s", "(not a URL)");
		return;
	}
	rest += 3;
	end = rest + strcspn(rest, "/?#");
	{
		/* credentials before the host are never shown */
		const char *at = memchr(rest, '@', (size_t)(end - rest));
		size_t scheme = (size_t)(rest - url);
		if (at) {
			n = (size_t)(end - at - 1);
			snprintf(buf, size, "%.*s***@%.*s%s", (int)scheme, url, (int)(n < 200 ? n : 200), at + 1,
				 *end ? "/..." : "");
		} else {
			n = (size_t)(end - url);
			snprintf(buf, size, "%.*s%s", (int)(n < 200 ? n : 200), url, *end ? "/..." : "");
		}
	}
	for (char *p = buf; *p; p++) /* a URL shown is one line of printable text */
		if ((unsigned char)*p < 0x21 || (unsigned char)*p == 0x7f)
			*p = '?';
}

static void hook_clear(fc_webhook *h)
{
	free(h->name);
	if (h->url) {
		memset(h->url, 0, strlen(h->url));
		free(h->url);
	}
	free(h->url_file);
	free(h->token_env);
	free(h->token_file);
	memset(h, 0, sizeof(*h));
}

void fc_webhooks_free(fc_webhook *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++)
		hook_clear(&w[i]);
	free(w);
}

int fc_webhook_url_ok(const char *url)
{
	const char *rest, *end, *at;
	size_t n = strlen(url);

	if (n == 0 || n > 2048)
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	if (!strncmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncmp(url, "https://", 8))
		rest = url + 8;
	else
		return 0;
	end = rest + strcspn(rest, "/?#");
	at = memchr(rest, '@', (size_t)(end - rest));
	return !at && !strchr(url, '#') && fc_rconf_authority_ok(rest, (size_t)(end - rest));
}

static int hook_parse(fc_webhook *h, const cJSON *o, const char *what)
{
	static const char *const keys[] = { "name", "url", "url_file", "token_env", "token_file", "events", "format",
					    NULL };
	const char *name = NULL, *s = NULL;
	const cJSON *c, *ev;
	char hn[64] = "?", shown[256];
	int rc, i;

	memset(h, 0, sizeof(*h));
	if (!cJSON_IsObject(o))
		return fc_error_set(FC_EPARSE, "%s: each entry of 'webhooks' must be an object", what);
	if ((rc = fc_json_get_str(&name, o, "name", what)) < 0)
		return rc;
	if (!name)
		return fc_error_set(FC_EPARSE, "%s: a webhook has no 'name'", what);
	if (fc_name_check("webhook", name) < 0)
		return fc_error_wrap(FC_EPARSE, "%s", what);
	snprintf(hn, sizeof(hn), "%s", name);
	h->name = fc_strdup(name);
	for (c = o->child; c; c = c->next) {
		for (i = 0; keys[i] && strcmp(keys[i], c->string); i++)
			;
		if (keys[i])
			continue;
		if (strstr(c->string, "token") || strstr(c->string, "password") || strstr(c->string, "secret"))
			return fc_error_set(FC_EPARSE,
				"%s: webhook '%s': '%.40s' is not allowed: secrets never go into the plan; "
				"name them with 'token_env' or 'token_file'", what, hn, c->string);
		return fc_error_set(FC_EPARSE, "%s: webhook '%s': unknown setting '%.40s'", what, hn, c->string);
	}
	if ((rc = fc_json_get_str(&s, o, "url", what)) < 0)
		return rc;
	if (s) {
		if (!fc_webhook_url_ok(s)) {
			fc_webhook_url_shown(shown, sizeof(shown), s);
			return fc_error_set(FC_EPARSE, "%s: webhook '%s': url '%s' is not an http:// or https:// URL "
					    "(no credentials, no fragment)", what, hn, shown);
		}
		h->url = fc_strdup(s);
	}
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "url_file", what)) < 0)
		return rc;
	if (s) {
		if (s[0] != '/' || strlen(s) > 1024 || strpbrk(s, "\n\r\t;"))
			return fc_error_set(FC_EPARSE, "%s: webhook '%s': 'url_file' must be an absolute path", what, hn);
		h->url_file = fc_strdup(s);
	}
	if (!h->url == !h->url_file)
		return fc_error_set(FC_EPARSE, "%s: webhook '%s' needs exactly one of 'url' and 'url_file'", what, hn);
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "token_env", what)) < 0)
		return rc;
	if (s) {
		if (!fc_rconf_env_name_ok(s))
			return fc_error_set(FC_EPARSE, "%s: webhook '%s': 'token_env' must be an environment variable name",
					    what, hn);
		h->token_env = fc_strdup(s);
	}
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "token_file", what)) < 0)
		return rc;
	if (s) {
		if (s[0] != '/' || strlen(s) > 1024 || strpbrk(s, "\n\r\t;"))
			return fc_error_set(FC_EPARSE, "%s: webhook '%s': 'token_file' must be an absolute path", what, hn);
		h->token_file = fc_strdup(s);
	}
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "format", what)) < 0)
		return rc;
	if (s && strcmp(s, "json") && strcmp(s, "slack"))
		return fc_error_set(FC_EPARSE, "%s: webhook '%s': 'format' must be \"json\" or \"slack\"", what, hn);
	h->slack = s && !strcmp(s, "slack");
	ev = cJSON_GetObjectItemCaseSensitive(o, "events");
	if (!ev) {
		h->events = FC_EVENT_DEFAULT;
		return 0;
	}
	if (!cJSON_IsArray(ev) || !cJSON_GetArraySize(ev))
		return fc_error_set(FC_EPARSE, "%s: webhook '%s': 'events' must be a list of event names", what, hn);
	cJSON_ArrayForEach(c, ev) {
		unsigned bit = cJSON_IsString(c) ? fc_webhook_event_bit(c->valuestring) : 0;
		if (!bit) {
			char *hint = cJSON_IsString(c) ? fc_suggest_hint(c->valuestring, event_names, 5, NULL)
						       : fc_strdup("");
			char *bad = cJSON_IsString(c) ? fc_sanitize(c->valuestring, 0) : fc_strdup("?");
			rc = fc_error_set(FC_EPARSE, "%s: webhook '%s': unknown event '%.40s'%s "
					  "(events: change, gate-open, push-failed, drift, test)", what, hn, bad, hint);
			free(hint);
			free(bad);
			return rc;
		}
		h->events |= bit;
	}
	return 0;
}

int fc_webhooks_parse(fc_webhook **out, size_t *n, const cJSON *list, const char *what)
{
	fc_webhook *hs;
	const cJSON *c;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return fc_error_set(FC_EPARSE, "%s: 'webhooks' must be a list", what);
	if (cJSON_GetArraySize(list) > FC_WEBHOOKS_MAX)
		return fc_error_set(FC_EPARSE, "%s: more than %d webhooks", what, FC_WEBHOOKS_MAX);
	hs = fc_calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*hs));
	cJSON_ArrayForEach(c, list) {
		if ((rc = hook_parse(&hs[k], c, what)) < 0) {
			fc_webhooks_free(hs, k + 1);
			return rc;
		}
		for (size_t j = 0; j < k; j++)
			if (!strcmp(hs[j].name, hs[k].name)) {
				rc = fc_error_set(FC_EPARSE, "%s: webhook '%s' is defined twice", what, hs[k].name);
				fc_webhooks_free(hs, k + 1);
				return rc;
			}
		k++;
	}
	*out = hs;
	*n = k;
	return 0;
}
