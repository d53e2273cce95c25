/*
 * The notify verbs: a webhook added to or removed from the settings, each
 * one change through the session (fc_session_finish).  The plan holds a
 * webhook's URL only when given with --url; a URL given as a file (Slack's
 * are secrets) and tokens are named by path or variable, never stored.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_change.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_notify_edit.h"
#include "fc_rconf.h"
#include "fc_session.h"
#include "fc_settings.h"
#include "fc_store.h"
#include "fc_suggest.h"

/* An absolute path for a file named on the command line (it must exist). */
static int abs_path(char **out, const char *opt, const char *path)
{
	char buf[PATH_MAX];
	char *clean;
	int rc;

	if (realpath(path, buf)) {
		*out = fc_strdup(buf);
		return 0;
	}
	clean = fc_sanitize(path, 0);
	rc = fc_error_set(FC_EINVAL, "%s '%.200s' cannot be read", opt, clean);
	free(clean);
	return rc;
}

/* Read a secret file now, so that a bad one is refused at once (the value is dropped). */
static int check_secret_file(const char *file, const char *what, int is_url)
{
	char err[256], *v = NULL;
	int rc = 0;

	if (fc_rconf_read_secret(&v, NULL, file, what, err, sizeof(err)) < 0)
		rc = fc_error_set(FC_EINVAL, "%s", err);
	else if (is_url && !fc_webhook_url_ok(v))
		rc = fc_error_set(FC_EINVAL, "url file '%.200s' does not hold an http:// or https:// URL "
				  "(one line, no credentials)", file);
	if (v) {
		memset(v, 0, strlen(v));
		free(v);
	}
	return rc;
}

static int spec_json(cJSON **out, const fc_notify_spec *sp)
{
	cJSON *o = fc_json_obj();
	char *path = NULL;
	int rc;

	*out = NULL;
	fc_json_add_str(o, "name", sp->name);
	if (sp->url)
		fc_json_add_str(o, "url", sp->url);
	if (sp->url_file) {
		if ((rc = abs_path(&path, "--url-file", sp->url_file)) < 0 ||
		    (rc = check_secret_file(path, "url", 1)) < 0)
			goto fail;
		fc_json_add_str(o, "url_file", path);
		free(path);
		path = NULL;
	}
	if (sp->token_env)
		fc_json_add_str(o, "token_env", sp->token_env);
	if (sp->token_file) {
		if ((rc = abs_path(&path, "--token-file", sp->token_file)) < 0 ||
		    (rc = check_secret_file(path, "token", 0)) < 0)
			goto fail;
		fc_json_add_str(o, "token_file", path);
		free(path);
		path = NULL;
	}
	if (sp->events) {
		cJSON *ev = fc_json_arr();
		char *list = fc_strdup(sp->events), *save = NULL;
		for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			if (!*tok)
				continue;
			if (!strcmp(tok, "all")) {
				for (const char *const *e = fc_webhook_event_names(); *e; e++)
					fc_json_push(ev, cJSON_CreateString(*e));
				continue;
			}
			fc_json_push(ev, cJSON_CreateString(tok));
		}
		free(list);
		fc_json_add(o, "events", ev);
	}
	if (sp->format)
		fc_json_add_str(o, "format", sp->format);
	*out = o;
	return 0;
fail:
	free(path);
	cJSON_Delete(o);
	return rc;
}

int fc_notify_add(fc_plan *p, const fc_notify_spec *sp, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_settings st = { 0 };
	fc_webhook *hooks = NULL;
	size_t nhooks = 0;
	cJSON *list, *obj = NULL, *e;
	char shown[256];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sp->name || fc_name_check("webhook", sp->name) < 0)
		return sp->name ? FC_EINVAL : fc_error_set(FC_EINVAL, "webhook name is empty");
	if (!sp->url == !sp->url_file)
		return fc_error_set(FC_EINVAL, "webhook '%s': give exactly one of --url and --url-file", sp->name);
	if (sp->url && !fc_webhook_url_ok(sp->url)) {
		fc_webhook_url_shown(shown, sizeof(shown), sp->url);
		return fc_error_set(FC_EINVAL, "webhook '%s': '%s' is not an http:// or https:// URL "
				    "(no credentials, no fragment)", sp->name, shown);
	}
	if ((rc = spec_json(&obj, sp)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto fail;
	if ((rc = fc_settings_get(fc_change_store(c), &st)) < 0)
		goto fail;
	list = cJSON_GetObjectItemCaseSensitive(st.doc, "webhooks");
	if (!list) {
		list = fc_json_arr();
		fc_json_add(st.doc, "webhooks", list);
	}
	cJSON_ArrayForEach(e, list) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!cJSON_IsString(nm) || strcmp(nm->valuestring, sp->name))
			continue;
		if (cJSON_Compare(e, obj, 1)) {
			fc_change_noop(c, "webhook '%s' is already configured so", sp->name);
			goto finish;
		}
		rc = fc_error_set(FC_EEXISTS, "webhook '%s' already exists with other settings ('ficus notify rm %s' first)",
				  sp->name, sp->name);
		goto fail;
	}
	fc_json_push(list, obj);
	obj = NULL;
	if ((rc = fc_webhooks_parse(&hooks, &nhooks, list, "settings")) < 0) {
		char *msg = fc_strdup(fc_error_last());
		rc = fc_error_set(FC_EINVAL, "%s", msg); /* command-line input: a usage error */
		free(msg);
		goto fail;
	}
	if ((rc = fc_settings_put(fc_change_store(c), st.doc)) < 0)
		goto fail;
	if (sp->url)
		fc_webhook_url_shown(shown, sizeof(shown), sp->url);
	else
		snprintf(shown, sizeof(shown), "URL in a file");
	fc_change_touch(c, "ficus.json");
	fc_change_subject(c, "notify: add %s (%s, %s)", sp->name, shown, sp->format ? sp->format : "json");
	fc_change_trailer(c, "Ficus-Action", "notify-add");
	fc_change_trailer(c, "Ficus-Webhook", "%s", sp->name);
finish:
	fc_webhooks_free(hooks, nhooks);
	cJSON_Delete(obj);
	fc_settings_clear(&st);
	return fc_session_finish(c, out);
fail:
	fc_webhooks_free(hooks, nhooks);
	cJSON_Delete(obj);
	fc_settings_clear(&st);
	fc_change_abort(c);
	return rc;
}

int fc_notify_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_settings st = { 0 };
	cJSON *list, *e;
	const char **names = NULL;
	size_t n = 0;
	int rc, found = -1;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("webhook", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		return rc;
	if ((rc = fc_settings_get(fc_change_store(c), &st)) < 0)
		goto fail;
	list = cJSON_GetObjectItemCaseSensitive(st.doc, "webhooks");
	cJSON_ArrayForEach(e, list) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
		names = fc_realloc(names, (n + 1) * sizeof(*names));
		names[n] = cJSON_IsString(nm) ? nm->valuestring : "";
		if (!strcmp(names[n], name))
			found = (int)n;
		n++;
	}
	if (found < 0) {
		char *hint = fc_suggest_hint(name, names, n, NULL);
		rc = fc_error_set(FC_ENOTFOUND, "no webhook named '%s'%s (see 'ficus notify list')", name, hint);
		free(hint);
		goto fail;
	}
	free(names);
	names = NULL;
	cJSON_DeleteItemFromArray(list, found);
	if (!cJSON_GetArraySize(list))
		cJSON_DeleteItemFromObjectCaseSensitive(st.doc, "webhooks");
	if ((rc = fc_settings_put(fc_change_store(c), st.doc)) < 0 ||
	    (rc = fc_store_exec(fc_change_store(c), "DELETE FROM notify_delivery WHERE hook = ?", "s", name)) < 0)
		goto fail;
	fc_change_touch(c, "ficus.json");
	fc_change_subject(c, "notify: remove %s", name);
	fc_change_trailer(c, "Ficus-Action", "notify-rm");
	fc_change_trailer(c, "Ficus-Webhook", "%s", name);
	fc_settings_clear(&st);
	return fc_session_finish(c, out);
fail:
	free(names);
	fc_settings_clear(&st);
	fc_change_abort(c);
	return rc;
}
