/*
 * The check definition verbs: read the service inside the change, build
 * the new "checks" entry from the given fields, validate it through
 * fc_checkdef (the same rules as a plan file's), write, commit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_check_edit.h"
#include "fc_checkdef.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_name.h"
#include "fc_service.h"
#include "fc_service_edit.h"
#include "fc_session.h"

typedef enum { EDIT_ADD, EDIT_SET, EDIT_RM } edit_kind;

static int has_analysis_field(const fc_check_edit *e)
{
	return e->prometheus || e->query || e->min || e->max || e->interval || e->failure_limit || e->no_data ||
	       e->token_env || e->token_file;
}

static int number(cJSON *entry, const char *key, const char *text)
{
	char *end = NULL;
	double v;

	cJSON_DeleteItemFromObjectCaseSensitive(entry, key);
	if (!*text)
		return 0;
	v = strtod(text, &end);
	if (end == text || *end || !isfinite(v))
		return fc_error_set(FC_EINVAL, "--%s '%.40s' is not a finite number", key, text);
	fc_json_add_num(entry, key, v);
	return 0;
}

/* Set a string member; "" removes it when `removable`. */
static int text(cJSON *entry, const char *key, const char *v, int removable)
{
	cJSON_DeleteItemFromObjectCaseSensitive(entry, key);
	if (!*v) {
		if (!removable)
			return fc_error_set(FC_EINVAL, "'%s' cannot be empty", key);
		return 0;
	}
	fc_json_add_str(entry, key, v);
	return 0;
}

/* Apply the fields of `e` to `entry` (a definition of the kind it has). */
static int apply(cJSON *entry, const fc_check_edit *e, int analysis)
{
	int rc = 0;

	if (!analysis) {
		if (has_analysis_field(e))
			return fc_error_set(FC_EINVAL, "a command check takes --command and --timeout only "
				"(to make it an analysis check: check rm, then check add --prometheus)");
		if (e->command && (rc = text(entry, "command", e->command, 0)) < 0)
			return rc;
		if (e->timeout && (rc = text(entry, "timeout", e->timeout, 1)) < 0)
			return rc;
		return 0;
	}
	if (e->command || e->timeout)
		return fc_error_set(FC_EINVAL, "an analysis check takes no --command or --timeout "
			"(to make it a command check: check rm, then check add --command)");
	if ((e->prometheus && (rc = text(entry, "prometheus", e->prometheus, 0)) < 0) ||
	    (e->query && (rc = text(entry, "query", e->query, 0)) < 0) ||
	    (e->min && (rc = number(entry, "min", e->min)) < 0) ||
	    (e->max && (rc = number(entry, "max", e->max)) < 0) ||
	    (e->interval && (rc = text(entry, "interval", e->interval, 0)) < 0) ||
	    (e->no_data && (rc = text(entry, "no_data", e->no_data, 0)) < 0))
		return rc;
	if (e->failure_limit) {
		char *end = NULL;
		long v = strtol(e->failure_limit, &end, 10);
		if (end == e->failure_limit || *end || v < 1 || v > 1000)
			return fc_error_set(FC_EINVAL, "--failure-limit '%.40s' must be a whole number from 1 to 1000",
					    e->failure_limit);
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "failure_limit");
		fc_json_add_num(entry, "failure_limit", (double)v);
	}
	/* one source of the token: naming one forgets the other */
	if (e->token_env && e->token_file)
		return fc_error_set(FC_EINVAL, "--token-env and --token-file: give one of them");
	if (e->token_env) {
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "token_file");
		rc = text(entry, "token_env", e->token_env, 1);
	}
	if (e->token_file) {
		cJSON_DeleteItemFromObjectCaseSensitive(entry, "token_env");
		rc = text(entry, "token_file", e->token_file, 1);
	}
	return rc;
}

static int edit(fc_plan *p, const char *service, const char *check, const fc_check_edit *e, edit_kind kind,
		const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service s;
	cJSON *entry = NULL, *old;
	fc_checkdef d;
	fc_buf line = FC_BUF_INIT;
	char *what = NULL;
	const char *verb = kind == EDIT_ADD ? "add" : kind == EDIT_SET ? "set" : "rm";
	int rc, analysis = 0;

	memset(&s, 0, sizeof(s));
	if ((rc = fc_name_check("service", service)) < 0 || (rc = fc_name_check("check", check)) < 0)
		return rc;
	if (kind == EDIT_ADD) {
		if (!!e->command == !!(e->prometheus || e->query))
			return fc_error_set(FC_EINVAL, "'check add' needs --command CMD (a command check) or --prometheus "
					    "URL --query PROMQL (an analysis check)");
		if (e->prometheus && (!e->query || !e->prometheus))
			return fc_error_set(FC_EINVAL, "an analysis check needs both --prometheus URL and --query PROMQL");
	}
	if (kind == EDIT_SET && !e->command && !e->timeout && !has_analysis_field(e))
		return fc_error_set(FC_EINVAL, "'check set' needs a field to change (--query, --max, --interval, ...)");
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if ((rc = fc_service_read(fc_change_store(c), service, &s)) < 0)
		goto done;
	old = cJSON_GetObjectItemCaseSensitive(s.checks, check);
	if (kind != EDIT_ADD && !old) {
		rc = fc_check_unknown(s.checks, service, check);
		goto done;
	}
	if (kind == EDIT_RM) {
		analysis = cJSON_GetObjectItemCaseSensitive(old, "prometheus") != NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(s.checks, check);
		fc_buf_puts(&line, "removed");
	} else {
		if (kind == EDIT_ADD) {
			analysis = e->prometheus != NULL;
			entry = fc_json_obj();
			/* the defaults written out: the plan file says what the watcher does */
			if (analysis) {
				fc_json_add_str(entry, "interval", "1m");
				fc_json_add_num(entry, "failure_limit", FC_CHECK_FAILURE_LIMIT_DEFAULT);
				fc_json_add_str(entry, "no_data", "hold");
			}
		} else {
			entry = cJSON_Duplicate(old, 1);
			analysis = cJSON_GetObjectItemCaseSensitive(entry, "prometheus") != NULL;
			cJSON_free(entry->string); /* the duplicate's own copy of the key */
		}
		entry->string = fc_strdup(check);
		if ((rc = apply(entry, e, analysis)) < 0)
			goto done;
		what = fc_asprintf("service '%s'", service);
		if ((rc = fc_checkdef_parse(&d, entry, what)) < 0) {
			rc = fc_error_recode(FC_EINVAL);
			goto done;
		}
		if (old && cJSON_Compare(old, entry, 1)) {
			fc_change_noop(c, "check '%s' of '%s' is already so", check, service);
			rc = fc_session_finish(c, out);
			c = NULL;
			goto done;
		}
		if (kind == EDIT_ADD && old) {
			rc = fc_error_set(FC_EEXISTS, "service '%s' already has a check '%s' defined otherwise: "
					  "change it with 'ficus check set %s %s ...'", service, check, service, check);
			goto done;
		}
		fc_json_render_compact(&line, entry);
		cJSON_DeleteItemFromObjectCaseSensitive(s.checks, check);
		free(entry->string);
		entry->string = NULL;
		fc_json_add(s.checks, check, entry);
		entry = NULL;
	}
	if ((rc = fc_service_checks_valid(s.checks, "checks")) < 0 || (rc = fc_service_write(fc_change_store(c), &s)) < 0)
		goto done;
	fc_service_touch(c, service);
	fc_change_subject(c, "%s: %s %s check %s", service,
			  kind == EDIT_ADD ? "add" : kind == EDIT_SET ? "edit" : "remove",
			  analysis ? "analysis" : "command", check);
	fc_change_trailer(c, "Ficus-Service", "%s", service);
	fc_change_trailer(c, "Ficus-Action", "check-%s", verb);
	fc_change_trailer(c, "Ficus-Check-Config", "%s %s", check, line.ptr ? line.ptr : "");
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	if (entry) {
		free(entry->string);
		entry->string = NULL;
		cJSON_Delete(entry);
	}
	fc_buf_free(&line);
	free(what);
	fc_service_clear(&s);
	return rc;
}

int fc_check_add(fc_plan *p, const char *service, const char *check, const fc_check_edit *e,
		 const fc_write_opts *w, fc_outcome *out)
{
	return edit(p, service, check, e, EDIT_ADD, w, out);
}

int fc_check_set(fc_plan *p, const char *service, const char *check, const fc_check_edit *e,
		 const fc_write_opts *w, fc_outcome *out)
{
	return edit(p, service, check, e, EDIT_SET, w, out);
}

int fc_check_rm(fc_plan *p, const char *service, const char *check, const fc_write_opts *w, fc_outcome *out)
{
	fc_check_edit none = FC_CHECK_EDIT_INIT;
	return edit(p, service, check, &none, EDIT_RM, w, out);
}
