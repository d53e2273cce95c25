/*
 * The map verbs: domains and dependencies added, changed and removed, and
 * map documents imported, each through one change (fc_session_finish).
 * The rows and the plan file are fc_map.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fc_change.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_map.h"
#include "fc_map_edit.h"
#include "fc_name.h"
#include "fc_render.h"
#include "fc_session.h"
#include "fc_store.h"


static int apply_edit(fc_domain *d, const fc_domain_edit *e)
{
	const char *what = "domain";
	size_t i, k;
	int rc;

	if (e->owner) {
		if ((rc = fc_map_check_text(what, "owner", e->owner)) < 0)
			return rc;
		free(d->owner);
		d->owner = fc_strdup(e->owner);
	}
	if (e->description) {
		if ((rc = fc_map_check_text(what, "description", e->description)) < 0)
			return rc;
		free(d->description);
		d->description = fc_strdup(e->description);
	}
	if (e->rps) {
		char *end = NULL;
		double v = strtod(e->rps, &end);
		if (!*e->rps || *end || !isfinite(v) || v < 0 || v > 1e12)
			return fc_error_set(FC_EINVAL, "requests per second '%.30s' must be a number from 0 to 1e12", e->rps);
		d->rps = v;
	}
	if (e->tables) {
		char *copy = fc_strdup(e->tables), *save = NULL, *tok;
		for (i = 0; i < d->ntables; i++)
			free(d->tables[i]);
		free(d->tables);
		d->tables = NULL;
		d->ntables = 0;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			for (k = strlen(tok); k && tok[k - 1] == ' '; k--)
				tok[k - 1] = '\0';
			if (!*tok)
				continue;
			if ((rc = fc_map_check_table(what, tok)) < 0) {
				free(copy);
				return rc;
			}
			d->tables = fc_realloc(d->tables, (d->ntables + 1) * sizeof(char *));
			d->tables[d->ntables++] = fc_strdup(tok);
		}
		free(copy);
		fc_domain_sort_tables(d);
	}
	for (i = 0; i < e->nsignals; i++) {
		const char *eq = strchr(e->signals[i], '=');
		char *key;
		if (!eq)
			return fc_error_set(FC_EINVAL, "signal '%.60s' must be NAME=EVIDENCE", e->signals[i]);
		key = fc_strndup(e->signals[i], (size_t)(eq - e->signals[i]));
		if ((rc = fc_name_check("signal", key)) < 0 || (rc = fc_map_check_text(what, key, eq + 1)) < 0) {
			free(key);
			return rc;
		}
		for (k = 0; k < d->nsignals && strcmp(d->signal_keys[k], key); k++)
			;
		if (k < d->nsignals) {
			free(d->signal_values[k]);
			if (!eq[1]) { /* remove */
				free(d->signal_keys[k]);
				memmove(&d->signal_keys[k], &d->signal_keys[k + 1], (d->nsignals - k - 1) * sizeof(char *));
				memmove(&d->signal_values[k], &d->signal_values[k + 1], (d->nsignals - k - 1) * sizeof(char *));
				d->nsignals--;
				free(key);
			} else {
				d->signal_values[k] = fc_strdup(eq + 1);
				free(key);
			}
		} else if (eq[1]) {
			d->signal_keys = fc_realloc(d->signal_keys, (d->nsignals + 1) * sizeof(char *));
			d->signal_values = fc_realloc(d->signal_values, (d->nsignals + 1) * sizeof(char *));
			d->signal_keys[d->nsignals] = key;
			d->signal_values[d->nsignals++] = fc_strdup(eq + 1);
		} else {
			free(key);
		}
	}
	fc_domain_sort_signals(d);
	return 0;
}

static void touch_domain(fc_change *c, const char *name)
{
	char *path = fc_path_for(fc_change_store(c), "domains/", name);
	fc_change_touch(c, path);
	fc_change_touch(c, "PLAN.md");
	free(path);
}

int fc_add_again(fc_change *c, const char *what, const char *name, const cJSON *have, const cJSON *want,
		 fc_outcome *out)
{
	char *diff = fc_json_diff(have, want);
	int rc;

	if (diff) {
		rc = fc_error_set(FC_EEXISTS, "%s '%s' already exists and differs: %s (change it with 'ficus %s set %s')",
				  what, name, diff, what, name);
		fc_change_abort(c);
		free(diff);
		return rc;
	}
	fc_change_noop(c, "%s '%s' already exists with these attributes", what, name);
	return fc_session_finish(c, out);
}

/*
 * 'domain add' of a domain that exists: the edit applied to it changes
 * nothing (a no-op change, 0) or it names what differs (FC_EEXISTS).
 * Finishes or aborts the change.
 */
static int add_again(fc_change *c, const char *name, const fc_domain_edit *e, fc_outcome *out)
{
	fc_domain have, want;
	cJSON *hj = NULL, *wj = NULL;
	int rc;

	memset(&have, 0, sizeof(have));
	memset(&want, 0, sizeof(want));
	if ((rc = fc_domain_read(fc_change_store(c), name, &have)) < 0 ||
	    (rc = fc_domain_read(fc_change_store(c), name, &want)) < 0 || (rc = apply_edit(&want, e)) < 0)
		goto done;
	hj = fc_domain_to_json(&have, NULL, 0);
	wj = fc_domain_to_json(&want, NULL, 0);
	rc = fc_add_again(c, "domain", name, hj, wj, out);
	c = NULL;
done:
	fc_change_abort(c);
	cJSON_Delete(hj);
	cJSON_Delete(wj);
	fc_domain_clear(&have);
	fc_domain_clear(&want);
	return rc;
}

int fc_domain_add(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_domain d;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = fc_name_check("domain", name)) < 0)
		return rc;
	d.name = fc_strdup(name);
	d.owner = fc_strdup("");
	d.description = fc_strdup("");
	if ((rc = apply_edit(&d, e)) < 0)
		goto done;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if (fc_domain_exists(fc_change_store(c), name)) {
		/* idempotent: the same domain again is nothing to do; another is an error */
		rc = add_again(c, name, e, out);
		c = NULL;
		goto done;
	}
	if ((rc = fc_domain_write(fc_change_store(c), &d)) < 0)
		goto done;
	touch_domain(c, name);
	fc_change_subject(c, "map: add domain '%s'", name);
	fc_change_trailer(c, "Ficus-Action", "domain-add");
	fc_change_trailer(c, "Ficus-Domain", "%s", name);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_domain_clear(&d);
	return rc;
}

int fc_domain_set(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_domain d;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = fc_name_check("domain", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if ((rc = fc_domain_read(fc_change_store(c), name, &d)) < 0 ||
	    (rc = apply_edit(&d, e)) < 0 ||
	    (rc = fc_domain_write(fc_change_store(c), &d)) < 0)
		goto done;
	touch_domain(c, name);
	fc_change_subject(c, "map: edit domain '%s'", name);
	fc_change_trailer(c, "Ficus-Action", "domain-set");
	fc_change_trailer(c, "Ficus-Domain", "%s", name);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_domain_clear(&d);
	return rc;
}

/* Names of the rows that refer to a domain, for messages; "" if none. */
static char *referrers(fc_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	fc_buf b = FC_BUF_INIT;
	int n = 0;

	if (fc_store_preparef(s, &st,
		"SELECT DISTINCT src FROM dep WHERE dst = ?1 UNION SELECT DISTINCT dst FROM dep WHERE src = ?1 "
		"ORDER BY 1 LIMIT 6", "s", name) < 0)
		return fc_buf_detach(&b);
	while (fc_store_step(s, st) == 1) {
		if (n++ == 5) {
			fc_buf_puts(&b, ", ...");
			break;
		}
		fc_buf_printf(&b, "%s'%s'", b.len ? ", " : "", fc_col_text(st, 0));
	}
	sqlite3_finalize(st);
	return fc_buf_detach(&b);
}

/* The services that take over a domain, quoted, for messages ("" if none). */
static int domain_services(fc_store *s, const char *name, char **out)
{
	sqlite3_stmt *st = NULL;
	fc_buf b = FC_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = fc_store_preparef(s, &st, "SELECT service FROM service_domain WHERE domain = ? ORDER BY 1",
				    "s", name)) < 0)
		return rc;
	while ((rc = fc_store_step(s, st)) == 1)
		fc_buf_printf(&b, "%s'%s'", b.len ? ", " : "", fc_col_text(st, 0));
	sqlite3_finalize(st);
	*out = fc_buf_detach(&b);
	return rc < 0 ? rc : 0;
}

int fc_domain_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_store *s;
	char *refs = NULL;
	fc_dep *deps = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = fc_name_check("domain", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	s = fc_change_store(c);
	if (!fc_domain_exists(s, name)) {
		rc = fc_domain_missing(s, name);
		goto done;
	}
	{
		char *svc = NULL;
		if ((rc = domain_services(s, name, &svc)) < 0)
			goto done;
		if (*svc) {
			rc = fc_error_set(FC_ERROR, "domain '%s' is taken over by service %s: remove it from the service first",
					  name, svc);
			free(svc);
			goto done;
		}
		free(svc);
	}
	refs = referrers(s, name);
	if (*refs && !fc_change_opts(c)->force) {
		rc = fc_error_set(FC_ERROR, "domain '%s' has dependencies with %s: remove them first, or pass --force to remove them too",
				  name, refs);
		goto done;
	}
	/* every domain whose file lists a dependency on this one changes too */
	if ((rc = fc_deps_read(s, NULL, &deps, &n)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if (strcmp(deps[i].to, name) == 0)
			touch_domain(c, deps[i].from);
	if ((rc = fc_store_exec(s, "DELETE FROM domain WHERE name = ?", "s", name)) < 0)
		goto done;
	touch_domain(c, name);
	fc_change_subject(c, "map: remove domain '%s'", name);
	fc_change_trailer(c, "Ficus-Action", "domain-rm");
	fc_change_trailer(c, "Ficus-Domain", "%s", name);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_deps_free(deps, n);
	free(refs);
	fc_change_abort(c);
	return rc;
}

int fc_dep_add(fc_plan *p, const char *from, const char *to, const char *kind, int weight,
	       const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_store *s;
	sqlite3_stmt *st = NULL;
	int rc;

	if (!kind)
		kind = "calls";
	if (weight == 0)
		weight = 1;
	if ((rc = fc_name_check("domain", from)) < 0 || (rc = fc_name_check("domain", to)) < 0)
		return rc;
	if (!fc_dep_kind_valid(kind))
		return fc_error_set(FC_EINVAL, "dependency kind '%.30s' is not calls, reads, writes or shares-table", kind);
	if (weight < 1 || weight > 1000000)
		return fc_error_set(FC_EINVAL, "dependency weight must be 1..1000000");
	if (strcmp(from, to) == 0)
		return fc_error_set(FC_EINVAL, "domain '%s' cannot depend on itself", from);
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	s = fc_change_store(c);
	if (!fc_domain_exists(s, from) || !fc_domain_exists(s, to)) {
		rc = fc_domain_missing(s, fc_domain_exists(s, from) ? to : from);
		goto done;
	}
	if ((rc = fc_store_preparef(s, &st, "SELECT weight FROM dep WHERE src = ? AND dst = ? AND kind = ?",
				    "sss", from, to, kind)) < 0)
		goto done;
	if (fc_store_step(s, st) == 1) {
		int old = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (old == weight) {
			fc_change_noop(c, "'%s' already depends on '%s' (%s, weight %d)", from, to, kind, weight);
			rc = fc_session_finish(c, out);
			c = NULL;
			goto done;
		}
		rc = fc_store_exec(s, "UPDATE dep SET weight = ? WHERE src = ? AND dst = ? AND kind = ?",
				   "isss", weight, from, to, kind);
	} else {
		sqlite3_finalize(st);
		rc = fc_dep_insert(s, from, to, kind, weight);
	}
	if (rc < 0)
		goto done;
	touch_domain(c, from);
	fc_change_subject(c, "map: '%s' %s '%s'", from, kind, to);
	fc_change_trailer(c, "Ficus-Action", "dep-add");
	fc_change_trailer(c, "Ficus-Domain", "%s", from);
	fc_change_trailer(c, "Ficus-To", "%s %s weight %d", to, kind, weight);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	return rc;
}

int fc_dep_rm(fc_plan *p, const char *from, const char *to, const char *kind,
	      const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_store *s;
	int rc;

	if ((rc = fc_name_check("domain", from)) < 0 || (rc = fc_name_check("domain", to)) < 0)
		return rc;
	if (kind && !fc_dep_kind_valid(kind))
		return fc_error_set(FC_EINVAL, "dependency kind '%.30s' is not calls, reads, writes or shares-table", kind);
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	s = fc_change_store(c);
	if (!fc_domain_exists(s, from) || !fc_domain_exists(s, to)) {
		rc = fc_domain_missing(s, fc_domain_exists(s, from) ? to : from);
		goto done;
	}
	rc = kind ? fc_store_exec(s, "DELETE FROM dep WHERE src = ? AND dst = ? AND kind = ?", "sss", from, to, kind)
		  : fc_store_exec(s, "DELETE FROM dep WHERE src = ? AND dst = ?", "ss", from, to);
	if (rc < 0)
		goto done;
	if (sqlite3_changes(fc_store_db(s)) == 0) {
		rc = fc_error_set(FC_ENOTFOUND, "'%s' does not depend on '%s'%s%s", from, to,
				  kind ? " as " : "", kind ? kind : "");
		goto done;
	}
	touch_domain(c, from);
	fc_change_subject(c, "map: '%s' no longer depends on '%s'", from, to);
	fc_change_trailer(c, "Ficus-Action", "dep-rm");
	fc_change_trailer(c, "Ficus-Domain", "%s", from);
	fc_change_trailer(c, "Ficus-From", "%s%s%s", to, kind ? " " : "", kind ? kind : "");
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	return rc;
}

struct imported {
	fc_domain d;
	fc_dep *deps;
	size_t ndeps;
};

static int cmp_imported(const void *a, const void *b)
{
	return strcmp(((const struct imported *)a)->d.name, ((const struct imported *)b)->d.name);
}

static int find_imported(const struct imported *im, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(im[mid].d.name, name);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int fc_map_import(fc_plan *p, const char *data, size_t len, int replace,
		  const fc_write_opts *w, fc_outcome *out)
{
	cJSON *doc = NULL;
	const cJSON *arr, *c;
	struct imported *im = NULL;
	size_t n = 0, i, j, added = 0, total_deps = 0;
	fc_change *chg = NULL;
	fc_store *s;
	long long version = 1;
	int rc;

	if ((rc = fc_json_parse(&doc, "map", data, len, FC_MAP_MAX_BYTES)) < 0)
		return rc;
	if (!cJSON_IsObject(doc)) {
		rc = fc_error_set(FC_EPARSE, "map: the document must be an object with 'domains'");
		goto done;
	}
	for (c = doc->child; c; c = c->next)
		if (strcmp(c->string, "version") && strcmp(c->string, "domains")) {
			rc = fc_error_set(FC_EPARSE, "map: unknown key '%.60s' (expected 'version' and 'domains')", c->string);
			goto done;
		}
	if ((rc = fc_json_get_int(&version, doc, "version", "map")) < 0)
		goto done;
	if (version != 1) {
		rc = fc_error_set(FC_EPARSE, "map: version %lld is not supported (expected 1)", version);
		goto done;
	}
	arr = cJSON_GetObjectItemCaseSensitive(doc, "domains");
	if (!cJSON_IsArray(arr)) {
		rc = fc_error_set(FC_EPARSE, "map: 'domains' must be a list");
		goto done;
	}
	if (cJSON_GetArraySize(arr) > FC_MAP_MAX_DOMAINS) {
		rc = fc_error_set(FC_ELIMIT, "map: %d domains is more than the limit of %d",
				  cJSON_GetArraySize(arr), FC_MAP_MAX_DOMAINS);
		goto done;
	}
	im = fc_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*im));
	cJSON_ArrayForEach(c, arr) {
		char what[64];
		snprintf(what, sizeof(what), "map, domain %zu", n + 1);
		if ((rc = fc_domain_from_json(c, &im[n].d, &im[n].deps, &im[n].ndeps, what)) < 0)
			goto done;
		total_deps += im[n].ndeps;
		n++;
		if (total_deps > FC_MAP_MAX_DEPS) {
			rc = fc_error_set(FC_ELIMIT, "map: more than %d dependencies", FC_MAP_MAX_DEPS);
			goto done;
		}
	}
	/* the document is parsed; free its tree before the database work */
	cJSON_Delete(doc);
	doc = NULL;
	qsort(im, n, sizeof(*im), cmp_imported);
	for (i = 1; i < n; i++)
		if (strcmp(im[i - 1].d.name, im[i].d.name) == 0) {
			rc = fc_error_set(FC_EPARSE, "map: domain '%s' appears twice", im[i].d.name);
			goto done;
		}

	if ((rc = fc_change_begin(&chg, p, w)) < 0)
		goto done;
	s = fc_change_store(chg);
	/* dependencies may point at domains already in the plan (merge) */
	for (i = 0; i < n; i++)
		for (j = 0; j < im[i].ndeps; j++)
			if (!find_imported(im, n, im[i].deps[j].to) && (replace || !fc_domain_exists(s, im[i].deps[j].to))) {
				rc = fc_error_set(FC_EPARSE, "map: domain '%s' depends on unknown domain '%s'",
						  im[i].d.name, im[i].deps[j].to);
				goto done;
			}
	if (replace) {
		fc_domain *old = NULL;
		size_t nold = 0;
		if ((rc = fc_domain_list(p, &old, &nold)) < 0)
			goto done;
		for (i = 0; i < nold && rc == 0; i++)
			if (!find_imported(im, n, old[i].name)) {
				char *svc = NULL;
				if ((rc = domain_services(s, old[i].name, &svc)) == 0 && *svc)
					rc = fc_error_set(FC_EINVAL,
						"map: domain '%s' is taken over by service %s and cannot be removed",
						old[i].name, svc);
				free(svc);
				if (rc < 0)
					break;
				touch_domain(chg, old[i].name);
				rc = fc_store_exec(s, "DELETE FROM domain WHERE name = ?", "s", old[i].name);
			}
		fc_domains_free(old, nold);
		if (rc < 0)
			goto done;
	}
	for (i = 0; i < n; i++) {
		if (!fc_domain_exists(s, im[i].d.name))
			added++;
		if ((rc = fc_domain_write(s, &im[i].d)) < 0 ||
		    (rc = fc_store_exec(s, "DELETE FROM dep WHERE src = ?", "s", im[i].d.name)) < 0)
			goto done;
		touch_domain(chg, im[i].d.name);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < im[i].ndeps; j++)
			if ((rc = fc_dep_insert(s, im[i].deps[j].from, im[i].deps[j].to, im[i].deps[j].kind,
					     im[i].deps[j].weight)) < 0)
				goto done;
	fc_change_subject(chg, "map: import %zu domain%s (%zu new)%s", n, n == 1 ? "" : "s", added,
			  replace ? ", replacing the map" : "");
	fc_change_trailer(chg, "Ficus-Action", "map-import");
	/* name the domains so 'ficus log DOMAIN' finds the import (bounded) */
	for (i = 0; i < n && i < 100; i++)
		fc_change_trailer(chg, "Ficus-Domain", "%s", im[i].d.name);
	rc = fc_session_finish(chg, out);
	chg = NULL;
done:
	fc_change_abort(chg);
	for (i = 0; im && i < n; i++) {
		fc_domain_clear(&im[i].d);
		fc_deps_free(im[i].deps, im[i].ndeps);
	}
	free(im);
	cJSON_Delete(doc);
	return rc;
}

