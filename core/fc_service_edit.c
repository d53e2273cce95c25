/*
 * The service verbs: services added, changed and removed, each through
 * one change (fc_session_finish).  The rows and the plan file are
 * fc_service.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fc_change.h"
#include "fc_error.h"
#include "fc_gate.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_map_edit.h"
#include "fc_name.h"
#include "fc_render.h"
#include "fc_service.h"
#include "fc_service_edit.h"
#include "fc_settings.h"
#include "fc_session.h"
#include "fc_store.h"

static int route_check(const char *route)
{
	size_t n = strlen(route);

	if (n == 0)
		return 0;
	if (route[0] != '/' || n > 256)
		return fc_error_set(FC_EINVAL, "route '%.60s' must be a path prefix starting with '/' (256 characters at most)", route);
	for (const char *p = route; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return fc_error_set(FC_EINVAL, "route '%.60s' may not hold spaces, quotes or control characters", route);
	return 0;
}

static int apply_edit(fc_store *st, fc_service *s, const fc_service_edit *e)
{
	int rc;
	size_t i;

	if (e->description) {
		if (strlen(e->description) > FC_TEXT_MAX)
			return fc_error_set(FC_ELIMIT, "description is longer than %d bytes", FC_TEXT_MAX);
		free(s->description);
		s->description = fc_strdup(e->description);
	}
	if (e->route) {
		if ((rc = route_check(e->route)) < 0)
			return rc;
		free(s->route);
		s->route = fc_strdup(e->route);
	}
	if (e->flag) {
		if ((rc = fc_name_check("flag", e->flag)) < 0)
			return rc;
		if (s->phase >= FC_PHASE_READ_CUTOVER && strcmp(s->flag, e->flag))
			return fc_error_set(FC_EINVAL, "service '%s' serves traffic under flag '%s': its flag cannot change now",
					    s->name, s->flag);
		free(s->flag);
		s->flag = fc_strdup(e->flag);
	}
	if (e->domains) {
		if ((rc = fc_service_names_parse(&s->domains, &s->ndomains, e->domains, "domain")) < 0)
			return rc;
		if (!s->ndomains)
			return fc_error_set(FC_EINVAL, "service '%s' needs at least one domain", s->name);
		for (i = 0; i < s->ndomains; i++) {
			sqlite3_stmt *q = NULL;
			int found;
			if ((rc = fc_store_preparef(st, &q, "SELECT 1 FROM domain WHERE name = ?", "s", s->domains[i])) < 0)
				return rc;
			found = fc_store_step(st, q) == 1;
			sqlite3_finalize(q);
			if (!found) {
				char *hint = fc_store_suggest(st, "domain", s->domains[i]);
				rc = fc_error_set(FC_ENOTFOUND, "domain '%s' does not exist%s", s->domains[i], hint);
				free(hint);
				return rc;
			}
		}
	}
	if (e->routers) {
		char *doc;
		cJSON *settings = NULL;
		if ((rc = fc_service_names_parse(&s->routers, &s->nrouters, strcmp(e->routers, "all") ? e->routers : "", "router")) < 0)
			return rc;
		/* a router the plan does not have would silently never be pushed to */
		doc = fc_store_setting(st, "plan");
		if (doc)
			fc_json_parse(&settings, "settings", doc, strlen(doc), FC_FILE_MAX);
		free(doc);
		for (i = 0; i < s->nrouters && rc == 0; i++) {
			const cJSON *r, *list = settings ? cJSON_GetObjectItemCaseSensitive(settings, "routers") : NULL;
			int found = 0;
			cJSON_ArrayForEach(r, list) {
				const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "name");
				found |= cJSON_IsString(n) && !strcmp(n->valuestring, s->routers[i]);
			}
			if (!found) {
				char *hint = fc_store_suggest(st, "router", s->routers[i]);
				rc = fc_error_set(FC_ENOTFOUND, "router '%s' does not exist%s%s", s->routers[i], hint,
						  *hint ? "" : " (ficus router add)");
				free(hint);
			}
		}
		cJSON_Delete(settings);
		if (rc < 0)
			return rc;
	}
	if (e->needs) {
		if ((rc = fc_service_names_parse(&s->needs, &s->nneeds, e->needs, "service")) < 0)
			return rc;
		for (i = 0; i < s->nneeds; i++) {
			sqlite3_stmt *q = NULL;
			int found;
			if (!strcmp(s->needs[i], s->name))
				return fc_error_set(FC_EINVAL, "service '%s' cannot need itself", s->name);
			if ((rc = fc_store_preparef(st, &q, "SELECT 1 FROM service WHERE name = ?", "s", s->needs[i])) < 0)
				return rc;
			found = fc_store_step(st, q) == 1;
			sqlite3_finalize(q);
			if (!found) {
				char *hint = fc_store_suggest(st, "service", s->needs[i]);
				rc = fc_error_set(FC_ENOTFOUND, "service '%s' (in --needs) does not exist%s", s->needs[i], hint);
				free(hint);
				return rc;
			}
		}
	}
	for (i = 0; i < e->ngates; i++) {
		const char *eq = strchr(e->gates[i], '=');
		char *key;
		cJSON *trial;
		fc_gate_settings g;
		if (!eq)
			return fc_error_set(FC_EINVAL, "gate '%.60s' must be KEY=VALUE", e->gates[i]);
		key = fc_strndup(e->gates[i], (size_t)(eq - e->gates[i]));
		trial = cJSON_Duplicate(s->gates, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(trial, key);
		if (eq[1]) {
			if (!strcmp(key, "reconcile_passes") || !strcmp(key, "analysis_passes"))
				fc_json_add_num(trial, key, atof(eq + 1));
			else
				fc_json_add_str(trial, key, eq + 1);
		}
		memset(&g, 0, sizeof(g));
		rc = fc_gate_settings_apply(&g, trial, "gate");
		free(key);
		if (rc < 0) {
			cJSON_Delete(trial);
			return fc_error_recode(FC_EINVAL);
		}
		cJSON_Delete(s->gates);
		s->gates = trial;
	}
	for (i = 0; i < e->nchecks; i++) {
		const char *eq = strchr(e->checks[i], '=');
		char *key;
		if (!eq)
			return fc_error_set(FC_EINVAL, "check '%.60s' must be NAME=COMMAND", e->checks[i]);
		key = fc_strndup(e->checks[i], (size_t)(eq - e->checks[i]));
		if ((rc = fc_name_check("check", key)) < 0) {
			free(key);
			return rc;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(s->checks, key);
		if (eq[1]) {
			cJSON *c = fc_json_obj();
			fc_json_add_str(c, "command", eq + 1);
			if (e->check_timeout)
				fc_json_add_str(c, "timeout", e->check_timeout);
			fc_json_add(s->checks, key, c);
		}
		free(key);
	}
	if ((rc = fc_service_checks_valid(s->checks, "checks")) < 0)
		return fc_error_recode(FC_EINVAL);
	return 0;
}

/*
 * Two services under one route prefix or one flag could not be told apart
 * by a router: refuse a route or flag another service has.
 */
static int taken(fc_store *st, const fc_service *s)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (s->route[0]) {
		if ((rc = fc_store_preparef(st, &q, "SELECT name FROM service WHERE route = ? AND name <> ? ORDER BY name",
					    "ss", s->route, s->name)) < 0)
			return rc;
		if (fc_store_step(st, q) == 1)
			rc = fc_error_set(FC_EEXISTS, "route '%s' is already the route of service '%s'", s->route,
					  fc_col_text(q, 0));
		sqlite3_finalize(q);
		if (rc < 0)
			return rc;
	}
	if ((rc = fc_store_preparef(st, &q, "SELECT name FROM service WHERE flag = ? AND name <> ?", "ss",
				    s->flag, s->name)) < 0)
		return rc;
	if (fc_store_step(st, q) == 1)
		rc = fc_error_set(FC_EEXISTS, "flag '%s' is already used by service '%s'", s->flag, fc_col_text(q, 0));
	sqlite3_finalize(q);
	return rc;
}

void fc_service_touch(fc_change *c, const char *name)
{
	char *path = fc_path_for(fc_change_store(c), "services/", name);
	fc_change_touch(c, path);
	fc_change_touch(c, "PLAN.md");
	free(path);
}

/*
 * 'service add' of a service that exists: the edit applied to it changes
 * nothing (a no-op change, 0) or it names what differs (FC_EEXISTS).
 * Finishes or aborts the change.
 */
static int add_again(fc_change *c, const char *name, const fc_service_edit *e, fc_outcome *out)
{
	fc_service have, want;
	cJSON *hj = NULL, *wj = NULL;
	int rc;

	memset(&have, 0, sizeof(have));
	memset(&want, 0, sizeof(want));
	if ((rc = fc_service_read(fc_change_store(c), name, &have)) < 0 ||
	    (rc = fc_service_read(fc_change_store(c), name, &want)) < 0 ||
	    (rc = apply_edit(fc_change_store(c), &want, e)) < 0)
		goto done;
	hj = fc_service_to_json(&have);
	wj = fc_service_to_json(&want);
	rc = fc_add_again(c, "service", name, hj, wj, out);
	c = NULL;
done:
	fc_change_abort(c);
	cJSON_Delete(hj);
	cJSON_Delete(wj);
	fc_service_clear(&have);
	fc_service_clear(&want);
	return rc;
}

int fc_service_add(fc_plan *p, const char *name, const fc_service_edit *e,
		   const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service s;
	fc_store *st;
	sqlite3_stmt *q = NULL;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if (!e->domains || !*e->domains)
		return fc_error_set(FC_EINVAL, "service '%s' needs --domain: the domains it takes over", name);
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	st = fc_change_store(c);
	if ((rc = fc_store_preparef(st, &q, "SELECT 1 FROM service WHERE name = ?", "s", name)) < 0)
		goto done;
	rc = fc_store_step(st, q);
	sqlite3_finalize(q);
	if (rc == 1) {
		/* idempotent: the same service again is nothing to do; another is an error */
		rc = add_again(c, name, e, out);
		c = NULL;
		goto done;
	}
	s.name = fc_strdup(name);
	s.description = fc_strdup("");
	s.route = fc_strdup("");
	s.flag = fc_strdup(name);
	s.gates = fc_json_obj();
	s.checks = fc_json_obj();
	s.phase = FC_PHASE_PLANNED;
	s.phase_since = s.step_since = fc_now();
	if ((rc = apply_edit(st, &s, e)) < 0 || (rc = taken(st, &s)) < 0)
		goto done;
	if ((rc = fc_service_write(st, &s)) < 0)
		goto done;
	fc_service_touch(c, name);
	fc_change_subject(c, "%s: add service (%s)", name, s.route[0] ? s.route : "no route yet");
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "service-add");
	fc_change_trailer(c, "Ficus-To", "planned 0%%");
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&s);
	return rc;
}

int fc_service_set(fc_plan *p, const char *name, const fc_service_edit *e,
		   const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service s;
	fc_store *st;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	st = fc_change_store(c);
	if ((rc = fc_service_read(st, name, &s)) < 0 || (rc = apply_edit(st, &s, e)) < 0 ||
	    (rc = taken(st, &s)) < 0)
		goto done;
	if ((rc = fc_service_write(st, &s)) < 0)
		goto done;
	fc_service_touch(c, name);
	fc_change_subject(c, "%s: edit service", name);
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "service-set");
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&s);
	return rc;
}

int fc_service_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service s;
	fc_store *st;
	sqlite3_stmt *q = NULL;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	st = fc_change_store(c);
	if ((rc = fc_service_read(st, name, &s)) < 0)
		goto done;
	if (s.phase != FC_PHASE_PLANNED && s.phase != FC_PHASE_DONE && !w->force) {
		rc = fc_error_set(FC_ERROR, "service '%s' is in '%s': roll it back to 'planned' first, or pass --force",
				  name, fc_phase_name(s.phase));
		goto done;
	}
	if ((rc = fc_store_preparef(st, &q, "SELECT service FROM service_need WHERE need = ? ORDER BY 1", "s", name)) < 0)
		goto done;
	if (fc_store_step(st, q) == 1) {
		rc = fc_error_set(FC_ERROR, "service '%s' is needed by '%s'", name, fc_col_text(q, 0));
		sqlite3_finalize(q);
		goto done;
	}
	sqlite3_finalize(q);
	if ((rc = fc_store_exec(st, "DELETE FROM service WHERE name = ?", "s", name)) < 0)
		goto done;
	fc_service_touch(c, name);
	fc_change_subject(c, "%s: remove service", name);
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "service-rm");
	fc_change_trailer(c, "Ficus-From", "%s", fc_phase_name(s.phase));
	fc_change_trailer(c, "Ficus-Forced", "%s", w->force ? "yes" : "no");
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&s);
	return rc;
}

