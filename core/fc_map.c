/*
 * Domains and dependencies.  The JSON form of a domain is the one place
 * that defines the domain file and the import format; both go through
 * fc_domain_from_json(), which validates everything from outside.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_error.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_name.h"
#include "fc_store.h"

static const char *dep_kinds[] = { "calls", "reads", "writes", "shares-table", NULL };

int fc_dep_kind_valid(const char *kind)
{
	for (int i = 0; kind && dep_kinds[i]; i++)
		if (strcmp(kind, dep_kinds[i]) == 0)
			return 1;
	return 0;
}

void fc_domain_clear(fc_domain *d)
{
	size_t i;

	if (!d)
		return;
	free(d->name);
	free(d->owner);
	free(d->description);
	for (i = 0; i < d->ntables; i++)
		free(d->tables[i]);
	free(d->tables);
	for (i = 0; i < d->nsignals; i++) {
		free(d->signal_keys[i]);
		free(d->signal_values[i]);
	}
	free(d->signal_keys);
	free(d->signal_values);
	memset(d, 0, sizeof(*d));
}

void fc_domains_free(fc_domain *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		fc_domain_clear(&d[i]);
	free(d);
}

void fc_deps_free(fc_dep *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++) {
		free(d[i].from);
		free(d[i].to);
		free(d[i].kind);
	}
	free(d);
}

int fc_map_check_text(const char *what, const char *field, const char *s)
{
	if (strlen(s) > FC_TEXT_MAX)
		return fc_error_set(FC_ELIMIT, "%s: '%s' is longer than %d bytes", what, field, FC_TEXT_MAX);
	return 0;
}

int fc_map_check_table(const char *what, const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128)
		return fc_error_set(FC_EINVAL, "%s: table names must be 1 to 128 characters", what);
	for (const char *p = t; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '$' || c == '-')) {
			char *shown = fc_sanitize(t, 0);
			int rc = fc_error_set(FC_EINVAL, "%s: table name '%.60s' may hold only letters, digits, '_', '.', '$' and '-'",
					      what, shown);
			free(shown);
			return rc;
		}
	}
	return 0;
}

/* ---- rows ---- */

static int row_to_domain(sqlite3_stmt *st, fc_domain *d)
{
	cJSON *tables = NULL, *signals = NULL, *c;
	const char *t = fc_col_text(st, 4), *sg = fc_col_text(st, 5);
	size_t i;

	memset(d, 0, sizeof(*d));
	d->name = fc_strdup(fc_col_text(st, 0));
	d->owner = fc_strdup(fc_col_text(st, 1));
	d->rps = sqlite3_column_double(st, 2);
	d->description = fc_strdup(fc_col_text(st, 3));
	if (fc_json_parse(&tables, "stored tables", t, strlen(t), FC_FILE_MAX) < 0 ||
	    fc_json_parse(&signals, "stored signals", sg, strlen(sg), FC_FILE_MAX) < 0) {
		cJSON_Delete(tables);
		return FC_ERROR;
	}
	d->ntables = (size_t)cJSON_GetArraySize(tables);
	d->tables = fc_calloc(d->ntables, sizeof(char *));
	i = 0;
	cJSON_ArrayForEach(c, tables)
		d->tables[i++] = fc_strdup(cJSON_IsString(c) ? c->valuestring : "");
	d->nsignals = (size_t)cJSON_GetArraySize(signals);
	d->signal_keys = fc_calloc(d->nsignals, sizeof(char *));
	d->signal_values = fc_calloc(d->nsignals, sizeof(char *));
	i = 0;
	cJSON_ArrayForEach(c, signals) {
		d->signal_keys[i] = fc_strdup(c->string);
		d->signal_values[i++] = fc_strdup(cJSON_IsString(c) ? c->valuestring : "");
	}
	cJSON_Delete(tables);
	cJSON_Delete(signals);
	return 0;
}

#define DOMAIN_COLS "name, owner, rps, description, tables, signals"

int fc_domain_read(fc_store *s, const char *name, fc_domain *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_store_preparef(s, &st, "SELECT " DOMAIN_COLS " FROM domain WHERE name = ?", "s", name)) < 0)
		return rc;
	rc = fc_store_step(s, st);
	if (rc == 1)
		rc = row_to_domain(st, out);
	else if (rc == 0) {
		char *hint = fc_store_suggest(s, "domain", name);
		rc = fc_error_set(FC_ENOTFOUND, "domain '%s' does not exist%s", name, hint);
		free(hint);
	}
	sqlite3_finalize(st);
	return rc;
}

int fc_deps_read(fc_store *s, const char *from, fc_dep **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (from)
		rc = fc_store_preparef(s, &st, "SELECT src, dst, kind, weight FROM dep WHERE src = ? "
					       "ORDER BY dst, kind", "s", from);
	else
		rc = fc_store_prepare(s, &st, "SELECT src, dst, kind, weight FROM dep ORDER BY src, dst, kind");
	if (rc < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = fc_realloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].from = fc_strdup(fc_col_text(st, 0));
		(*out)[*n].to = fc_strdup(fc_col_text(st, 1));
		(*out)[*n].kind = fc_strdup(fc_col_text(st, 2));
		(*out)[*n].weight = sqlite3_column_int(st, 3);
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		fc_deps_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

int fc_domain_write(fc_store *s, const fc_domain *d)
{
	cJSON *tables = fc_json_arr(), *signals = fc_json_obj();
	fc_buf tb = FC_BUF_INIT, sb = FC_BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < d->ntables; i++)
		fc_json_push(tables, cJSON_CreateString(d->tables[i]));
	for (i = 0; i < d->nsignals; i++)
		fc_json_add_str(signals, d->signal_keys[i], d->signal_values[i]);
	fc_json_render_compact(&tb, tables);
	fc_json_render_compact(&sb, signals);
	rc = fc_store_exec(s,
		"INSERT INTO domain (name, owner, rps, description, tables, signals) VALUES (?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, rps = excluded.rps, "
		"description = excluded.description, tables = excluded.tables, signals = excluded.signals",
		"ssdsss", d->name, d->owner ? d->owner : "", d->rps, d->description ? d->description : "",
		fc_buf_cstr(&tb), fc_buf_cstr(&sb));
	cJSON_Delete(tables);
	cJSON_Delete(signals);
	fc_buf_free(&tb);
	fc_buf_free(&sb);
	return rc;
}

int fc_dep_insert(fc_store *s, const char *from, const char *to, const char *kind, int weight)
{
	return fc_store_exec(s, "INSERT INTO dep (src, dst, kind, weight) VALUES (?, ?, ?, ?)",
			     "sssi", from, to, kind, weight);
}

int fc_domain_exists(fc_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (fc_store_preparef(s, &st, "SELECT 1 FROM domain WHERE name = ?", "s", name) < 0)
		return 0;
	rc = fc_store_step(s, st) == 1;
	sqlite3_finalize(st);
	return rc;
}

/* FC_ENOTFOUND for `name`, with the domains it may be a typo of. */
int fc_domain_missing(fc_store *s, const char *name)
{
	char *hint = fc_store_suggest(s, "domain", name);
	int rc = fc_error_set(FC_ENOTFOUND, "domain '%s' does not exist%s", name, hint);

	free(hint);
	return rc;
}

/* ---- JSON form ---- */

cJSON *fc_domain_to_json(const fc_domain *d, const fc_dep *deps, size_t ndeps)
{
	cJSON *o = fc_json_obj(), *tables = fc_json_arr(), *signals = fc_json_obj(), *da = fc_json_arr();
	size_t i;

	fc_json_add_str(o, "name", d->name);
	fc_json_add_str(o, "owner", d->owner);
	fc_json_add_num(o, "rps", d->rps);
	fc_json_add_str(o, "description", d->description);
	for (i = 0; i < d->ntables; i++)
		fc_json_push(tables, cJSON_CreateString(d->tables[i]));
	fc_json_add(o, "tables", tables);
	for (i = 0; i < d->nsignals; i++)
		fc_json_add_str(signals, d->signal_keys[i], d->signal_values[i]);
	fc_json_add(o, "signals", signals);
	for (i = 0; i < ndeps; i++) {
		cJSON *e = fc_json_obj();
		fc_json_add_str(e, "domain", deps[i].to);
		fc_json_add_str(e, "kind", deps[i].kind);
		fc_json_add_num(e, "weight", deps[i].weight);
		fc_json_push(da, e);
	}
	fc_json_add(o, "depends_on", da);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fc_domain_sort_tables(fc_domain *d)
{
	if (d->ntables)
		qsort(d->tables, d->ntables, sizeof(char *), cmp_str);
}

/* Sort signals by key so the stored and rendered forms are canonical. */
void fc_domain_sort_signals(fc_domain *d)
{
	for (size_t i = 1; i < d->nsignals; i++)
		for (size_t j = i; j > 0 && strcmp(d->signal_keys[j - 1], d->signal_keys[j]) > 0; j--) {
			char *k = d->signal_keys[j], *v = d->signal_values[j];
			d->signal_keys[j] = d->signal_keys[j - 1];
			d->signal_values[j] = d->signal_values[j - 1];
			d->signal_keys[j - 1] = k;
			d->signal_values[j - 1] = v;
		}
}

/*
 * Validate and read one domain object.  `what` prefixes messages
 * ("map, domain 3").  Dependencies keep from = the domain's name.
 */
int fc_domain_from_json(const cJSON *o, fc_domain *d, fc_dep **deps, size_t *ndeps, const char *what)
{
	static const char *keys[] = { "name", "owner", "rps", "description", "tables", "signals",
				      "depends_on", NULL };
	const cJSON *c, *tables, *signals, *da;
	const char *name = NULL, *owner = "", *desc = "";
	double rps = 0;
	int rc, i;
	size_t k;

	memset(d, 0, sizeof(*d));
	*deps = NULL;
	*ndeps = 0;
	if (!cJSON_IsObject(o))
		return fc_error_set(FC_EPARSE, "%s: a domain must be a JSON object", what);
	for (c = o->child; c; c = c->next) {
		for (i = 0; keys[i] && strcmp(keys[i], c->string); i++)
			;
		if (!keys[i]) {
			char *shown = fc_sanitize(c->string, 0);
			rc = fc_error_set(FC_EPARSE, "%s: unknown key '%.60s'", what, shown);
			free(shown);
			return rc;
		}
	}
	if ((rc = fc_json_get_str(&name, o, "name", what)) < 0 ||
	    (rc = fc_json_get_str(&owner, o, "owner", what)) < 0 ||
	    (rc = fc_json_get_str(&desc, o, "description", what)) < 0 ||
	    (rc = fc_json_get_num(&rps, o, "rps", what)) < 0)
		return rc;
	if (!name)
		return fc_error_set(FC_EPARSE, "%s: 'name' is missing", what);
	if ((rc = fc_name_check("domain", name)) < 0)
		return fc_error_wrap(FC_EPARSE, "%s", what);
	if (rps < 0 || rps > 1e12)
		return fc_error_set(FC_EPARSE, "%s: 'rps' must be between 0 and 1e12", what);
	if ((rc = fc_map_check_text(what, "owner", owner)) < 0 || (rc = fc_map_check_text(what, "description", desc)) < 0)
		return rc;
	d->name = fc_strdup(name);
	d->owner = fc_strdup(owner);
	d->description = fc_strdup(desc);
	d->rps = rps;

	tables = cJSON_GetObjectItemCaseSensitive(o, "tables");
	if (tables && !cJSON_IsArray(tables)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'tables' must be a list of strings", what);
		goto fail;
	}
	if (tables && cJSON_GetArraySize(tables) > 1000) {
		rc = fc_error_set(FC_ELIMIT, "%s: more than 1000 tables", what);
		goto fail;
	}
	d->tables = fc_calloc((size_t)cJSON_GetArraySize(tables) + 1, sizeof(char *));
	cJSON_ArrayForEach(c, tables) {
		if (!cJSON_IsString(c)) {
			rc = fc_error_set(FC_EPARSE, "%s: 'tables' must be a list of strings", what);
			goto fail;
		}
		if ((rc = fc_map_check_table(what, c->valuestring)) < 0) {
			rc = FC_EPARSE;
			goto fail;
		}
		d->tables[d->ntables++] = fc_strdup(c->valuestring);
	}
	fc_domain_sort_tables(d);

	signals = cJSON_GetObjectItemCaseSensitive(o, "signals");
	if (signals && !cJSON_IsObject(signals)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'signals' must be an object of strings", what);
		goto fail;
	}
	k = (size_t)cJSON_GetArraySize(signals);
	if (k > 100) {
		rc = fc_error_set(FC_ELIMIT, "%s: more than 100 signals", what);
		goto fail;
	}
	d->signal_keys = fc_calloc(k + 1, sizeof(char *));
	d->signal_values = fc_calloc(k + 1, sizeof(char *));
	cJSON_ArrayForEach(c, signals) {
		if (!cJSON_IsString(c)) {
			rc = fc_error_set(FC_EPARSE, "%s: signal '%.60s' must be a string", what, c->string);
			goto fail;
		}
		if (fc_name_check("signal", c->string) < 0) {
			rc = fc_error_wrap(FC_EPARSE, "%s", what);
			goto fail;
		}
		if ((rc = fc_map_check_text(what, c->string, c->valuestring)) < 0)
			goto fail;
		for (k = 0; k < d->nsignals; k++)
			if (strcmp(d->signal_keys[k], c->string) == 0) {
				rc = fc_error_set(FC_EPARSE, "%s: signal '%s' appears twice", what, c->string);
				goto fail;
			}
		d->signal_keys[d->nsignals] = fc_strdup(c->string);
		d->signal_values[d->nsignals++] = fc_strdup(c->valuestring);
	}
	fc_domain_sort_signals(d);

	da = cJSON_GetObjectItemCaseSensitive(o, "depends_on");
	if (da && !cJSON_IsArray(da)) {
		rc = fc_error_set(FC_EPARSE, "%s: 'depends_on' must be a list", what);
		goto fail;
	}
	if (da && cJSON_GetArraySize(da) > 100000) {
		rc = fc_error_set(FC_ELIMIT, "%s: more than 100000 dependencies", what);
		goto fail;
	}
	*deps = fc_calloc((size_t)cJSON_GetArraySize(da) + 1, sizeof(fc_dep));
	cJSON_ArrayForEach(c, da) {
		const char *to = NULL, *kind = "calls";
		long long weight = 1;
		fc_dep *dp;

		if (!cJSON_IsObject(c)) {
			rc = fc_error_set(FC_EPARSE, "%s: each dependency must be an object", what);
			goto fail;
		}
		for (const cJSON *m = c->child; m; m = m->next)
			if (strcmp(m->string, "domain") && strcmp(m->string, "kind") && strcmp(m->string, "weight")) {
				rc = fc_error_set(FC_EPARSE, "%s: unknown dependency key '%.60s'", what, m->string);
				goto fail;
			}
		if ((rc = fc_json_get_str(&to, c, "domain", what)) < 0 ||
		    (rc = fc_json_get_str(&kind, c, "kind", what)) < 0 ||
		    (rc = fc_json_get_int(&weight, c, "weight", what)) < 0)
			goto fail;
		if (!to) {
			rc = fc_error_set(FC_EPARSE, "%s: a dependency lacks 'domain'", what);
			goto fail;
		}
		if (fc_name_check("domain", to) < 0) {
			rc = fc_error_wrap(FC_EPARSE, "%s: dependency", what);
			goto fail;
		}
		if (!fc_dep_kind_valid(kind)) {
			rc = fc_error_set(FC_EPARSE, "%s: dependency kind '%.30s' is not calls, reads, writes or shares-table",
					  what, kind);
			goto fail;
		}
		if (weight < 1 || weight > 1000000) {
			rc = fc_error_set(FC_EPARSE, "%s: dependency weight must be 1..1000000", what);
			goto fail;
		}
		if (strcmp(to, name) == 0) {
			rc = fc_error_set(FC_EPARSE, "%s: domain '%s' depends on itself", what, name);
			goto fail;
		}
		for (k = 0; k < *ndeps; k++)
			if (!strcmp((*deps)[k].to, to) && !strcmp((*deps)[k].kind, kind)) {
				rc = fc_error_set(FC_EPARSE, "%s: dependency on '%s' (%s) appears twice", what, to, kind);
				goto fail;
			}
		dp = &(*deps)[(*ndeps)++];
		dp->from = fc_strdup(name);
		dp->to = fc_strdup(to);
		dp->kind = fc_strdup(kind);
		dp->weight = (int)weight;
	}
	return 0;
fail:
	fc_domain_clear(d);
	fc_deps_free(*deps, *ndeps);
	*deps = NULL;
	*ndeps = 0;
	return rc;
}

/* ---- plan files ---- */

int fc_domain_render_file(fc_store *s, const char *name, fc_buf *out, int *exists)
{
	fc_domain d;
	fc_dep *deps = NULL;
	size_t n = 0;
	cJSON *o;
	int rc;

	*exists = 0;
	rc = fc_domain_read(s, name, &d);
	if (rc == FC_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = fc_deps_read(s, name, &deps, &n)) == 0) {
		o = fc_domain_to_json(&d, deps, n);
		fc_json_render(out, o);
		cJSON_Delete(o);
		*exists = 1;
	}
	fc_deps_free(deps, n);
	fc_domain_clear(&d);
	return rc;
}

int fc_domain_load_file(fc_store *s, const char *name, const char *data, size_t len)
{
	char *what = fc_asprintf("plan file 'domains/%s.json'", name);
	cJSON *o = NULL;
	fc_domain d;
	fc_dep *deps = NULL;
	size_t n = 0, i;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = fc_json_parse(&o, what, data, len, FC_FILE_MAX)) < 0 ||
	    (rc = fc_domain_from_json(o, &d, &deps, &n, what)) < 0)
		goto done;
	if (strcmp(d.name, name) != 0) {
		rc = fc_error_set(FC_EPARSE, "%s: holds domain '%s'", what, d.name);
		goto done;
	}
	if ((rc = fc_domain_write(s, &d)) < 0)
		goto done;
	for (i = 0; i < n && rc == 0; i++)
		rc = fc_dep_insert(s, deps[i].from, deps[i].to, deps[i].kind, deps[i].weight);
done:
	fc_deps_free(deps, n);
	fc_domain_clear(&d);
	cJSON_Delete(o);
	free(what);
	return rc;
}

int fc_domain_list_names(fc_store *s, int (*cb)(const char *name, void *ctx), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = fc_store_prepare(s, &st, "SELECT name FROM domain ORDER BY name")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1)
		if ((rc = cb(fc_col_text(st, 0), ctx)) != 0)
			break;
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

int fc_domain_list(fc_plan *p, fc_domain **out, size_t *n)
{
	fc_store *s = fc_plan_store(p);
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_store_prepare(s, &st, "SELECT " DOMAIN_COLS " FROM domain ORDER BY name")) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = fc_realloc(*out, cap * sizeof(**out));
		}
		if ((rc = row_to_domain(st, &(*out)[*n])) < 0)
			break;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		fc_domains_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

int fc_domain_get(fc_plan *p, const char *name, fc_domain *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("domain", name)) < 0)
		return rc;
	return fc_domain_read(fc_plan_store(p), name, out);
}

int fc_dep_list(fc_plan *p, fc_dep **out, size_t *n)
{
	return fc_deps_read(fc_plan_store(p), NULL, out, n);
}

int fc_map_export(fc_plan *p, fc_buf *out)
{
	fc_store *s = fc_plan_store(p);
	fc_domain *ds = NULL;
	fc_dep *deps = NULL;
	size_t nd = 0, ndep = 0, i, j = 0;
	cJSON *doc = fc_json_obj(), *arr = fc_json_arr();
	int rc;

	if ((rc = fc_domain_list(p, &ds, &nd)) < 0 || (rc = fc_deps_read(s, NULL, &deps, &ndep)) < 0)
		goto done;
	for (i = 0; i < nd; i++) {
		size_t start;
		while (j < ndep && strcmp(deps[j].from, ds[i].name) < 0)
			j++;
		start = j;
		while (j < ndep && strcmp(deps[j].from, ds[i].name) == 0)
			j++;
		fc_json_push(arr, fc_domain_to_json(&ds[i], deps + start, j - start));
	}
	fc_json_add_num(doc, "version", 1);
	fc_json_add(doc, "domains", arr);
	arr = NULL;
	fc_json_render(out, doc);
done:
	cJSON_Delete(arr);
	cJSON_Delete(doc);
	fc_domains_free(ds, nd);
	fc_deps_free(deps, ndep);
	return rc;
}

