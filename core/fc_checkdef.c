/*
 * Check definitions: the two shapes of a "checks" entry, read and
 * validated in one place (plan files, settings, the check verbs).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_checkdef.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_prom.h"
#include "fc_rconf.h"

static int known(const cJSON *entry, const char *const *keys, const char *what)
{
	for (const cJSON *c = entry->child; c; c = c->next) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], c->string); i++)
			;
		if (!keys[i])
			return fc_error_set(FC_EPARSE, "%s: check '%s' has an unknown key '%.60s'", what, entry->string,
					    c->string);
	}
	return 0;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int url_ok(const char *u)
{
	const char *host;

	if (!strncmp(u, "http://", 7))
		host = u + 7;
	else if (!strncmp(u, "https://", 8))
		host = u + 8;
	else
		return 0;
	if (!*host || *host == '/' || strlen(u) > FC_CHECK_URL_MAX)
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

static int duration(int64_t *out, const cJSON *entry, const char *key, int64_t dflt, const char **text,
		    const char *what)
{
	const char *s = NULL;

	*out = dflt;
	if (text)
		*text = NULL;
	if (fc_json_get_str(&s, entry, key, what) < 0)
		return fc_error_set(FC_EPARSE, "%s: check '%s': '%s' must be a duration such as \"1m\"", what,
				    entry->string, key);
	if (!s)
		return 0;
	if (fc_duration_parse(out, s) < 0 || *out < 1)
		return fc_error_set(FC_EPARSE, "%s: check '%s': '%s' is not a duration of 1s or more: '%.40s'", what,
				    entry->string, key, s);
	if (text)
		*text = s;
	return 0;
}

static int bound(int *has, double *v, const cJSON *entry, const char *key, const char *what)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(entry, key);

	*has = 0;
	*v = 0;
	if (!n)
		return 0;
	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
		return fc_error_set(FC_EPARSE, "%s: check '%s': '%s' must be a finite number", what, entry->string, key);
	*has = 1;
	*v = n->valuedouble;
	return 0;
}

static int parse_command(fc_checkdef *d, const cJSON *e, const char *what)
{
	static const char *const keys[] = { "command", "timeout", NULL };
	int rc;

	if ((rc = known(e, keys, what)) < 0)
		return rc;
	if (fc_json_get_str(&d->command, e, "command", what) < 0 || !d->command || !*d->command)
		return fc_error_set(FC_EPARSE, "%s: check '%s' needs a 'command' and an optional 'timeout' duration",
				    what, e->string);
	if (strlen(d->command) > 4096)
		return fc_error_set(FC_ELIMIT, "%s: check '%s' command is too long", what, e->string);
	return duration(&d->timeout_s, e, "timeout", 300, &d->timeout, what);
}

static int parse_analysis(fc_checkdef *d, const cJSON *e, const char *what)
{
	static const char *const keys[] = { "prometheus", "query", "min", "max", "interval", "failure_limit",
					    "no_data", "token_env", "token_file", NULL };
	const char *nd = NULL;
	long long limit = FC_CHECK_FAILURE_LIMIT_DEFAULT;
	fc_prom_vars v = { "s", "f", "/r", 1 };
	char *expanded = NULL;
	int rc;

	d->kind = FC_CHECKDEF_ANALYSIS;
	if ((rc = known(e, keys, what)) < 0)
		return rc;
	if (fc_json_get_str(&d->prometheus, e, "prometheus", what) < 0 || !d->prometheus || !url_ok(d->prometheus))
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'prometheus' must be an http:// or https:// URL "
				    "(%d characters at most, no spaces or quotes)", what, e->string, FC_CHECK_URL_MAX);
	if (fc_json_get_str(&d->query, e, "query", what) < 0 || !d->query || !*d->query)
		return fc_error_set(FC_EPARSE, "%s: check '%s' needs a non-empty 'query'", what, e->string);
	if (strlen(d->query) > FC_CHECK_QUERY_MAX)
		return fc_error_set(FC_ELIMIT, "%s: check '%s': 'query' is longer than %d bytes", what, e->string,
				    FC_CHECK_QUERY_MAX);
	if (!printable(d->query))
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'query' holds control characters", what, e->string);
	if (fc_prom_expand(&expanded, d->query, &v) < 0)
		return fc_error_wrap(FC_EPARSE, "%s: check '%s': 'query'", what, e->string);
	free(expanded);
	if ((rc = bound(&d->has_min, &d->min, e, "min", what)) < 0 ||
	    (rc = bound(&d->has_max, &d->max, e, "max", what)) < 0)
		return rc;
	if (d->has_min && d->has_max && d->min > d->max)
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'min' %g is above 'max' %g", what, e->string, d->min,
				    d->max);
	if ((rc = duration(&d->interval_s, e, "interval", FC_CHECK_INTERVAL_DEFAULT, NULL, what)) < 0)
		return rc;
	if (fc_json_get_int(&limit, e, "failure_limit", what) < 0 || limit < 1 || limit > 1000)
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'failure_limit' must be a whole number from 1 to 1000",
				    what, e->string);
	d->failure_limit = (int)limit;
	if (fc_json_get_str(&nd, e, "no_data", what) < 0 || (nd && strcmp(nd, "hold") && strcmp(nd, "fail")))
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'no_data' must be \"hold\" or \"fail\"", what, e->string);
	d->no_data_fail = nd && !strcmp(nd, "fail");
	if (fc_json_get_str(&d->token_env, e, "token_env", what) < 0 ||
	    fc_json_get_str(&d->token_file, e, "token_file", what) < 0)
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'token_env' and 'token_file' must be strings", what,
				    e->string);
	if (d->token_env && d->token_file)
		return fc_error_set(FC_EPARSE, "%s: check '%s' names both 'token_env' and 'token_file': one of them",
				    what, e->string);
	if (d->token_env && (!*d->token_env || strlen(d->token_env) > 128 ||
			     strspn(d->token_env, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
				     strlen(d->token_env)))
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'token_env' must name an environment variable", what,
				    e->string);
	if (d->token_file && (d->token_file[0] != '/' || strlen(d->token_file) > 1024 || !printable(d->token_file)))
		return fc_error_set(FC_EPARSE, "%s: check '%s': 'token_file' must be an absolute path", what, e->string);
	return 0;
}

int fc_checkdef_parse(fc_checkdef *out, const cJSON *entry, const char *what)
{
	memset(out, 0, sizeof(*out));
	if (!entry || !entry->string || fc_name_check("check", entry->string) < 0)
		return fc_error_wrap(FC_EPARSE, "%s", what);
	out->name = entry->string;
	if (!cJSON_IsObject(entry))
		return fc_error_set(FC_EPARSE, "%s: check '%s' must be an object", what, entry->string);
	if (cJSON_GetObjectItemCaseSensitive(entry, "prometheus") || cJSON_GetObjectItemCaseSensitive(entry, "query"))
		return parse_analysis(out, entry, what);
	return parse_command(out, entry, what);
}

int fc_checkdefs_valid(const cJSON *checks, const char *what)
{
	const cJSON *c;
	fc_checkdef d;
	int rc;

	if (!checks)
		return 0;
	if (!cJSON_IsObject(checks))
		return fc_error_set(FC_EPARSE, "%s: 'checks' must be an object", what);
	if (cJSON_GetArraySize(checks) > 1000)
		return fc_error_set(FC_ELIMIT, "%s: more than 1000 checks", what);
	cJSON_ArrayForEach(c, checks)
		if ((rc = fc_checkdef_parse(&d, c, what)) < 0)
			return rc;
	return 0;
}

int fc_checkdefs_have_analysis(const cJSON *checks)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, checks)
		if (cJSON_IsObject(c) && cJSON_GetObjectItemCaseSensitive(c, "prometheus"))
			return 1;
	return 0;
}

int fc_checkdef_spec(fc_analysis_spec *out, char **token, const fc_checkdef *d)
{
	char err[256];

	memset(out, 0, sizeof(*out));
	*token = NULL;
	out->name = d->name;
	out->url = d->prometheus;
	out->query = d->query;
	out->has_min = d->has_min;
	out->has_max = d->has_max;
	out->min = d->min;
	out->max = d->max;
	out->tls_verify = 1;
	if (fc_rconf_read_secret(token, d->token_env, d->token_file, "token", err, sizeof(err)) < 0)
		return fc_error_set(FC_ERROR, "check '%s': %s", d->name, err);
	out->token = *token;
	return 0;
}
