#include <stdlib.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fc_error.h"
#include "fc_map.h"
#include "fc_name.h"
#include "fc_render.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_store.h"
#include "fc_summary.h"

static const fc_file_kind kinds[] = {
	{ NULL, "ficus.json", fc_settings_render_file, fc_settings_load_file, NULL },
	{ "domains/", NULL, fc_domain_render_file, fc_domain_load_file, fc_domain_list_names },
	{ "services/", NULL, fc_service_render_file, fc_service_load_file, fc_service_list_names },
	{ NULL, "PLAN.md", fc_summary_render_file, NULL, NULL },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Large plans fan files out into 256 subdirectories (see fc_render.h). */
static int fanned_out(fc_store *s)
{
	char *layout = fc_store_setting(s, "layout");
	int yes = layout && !strcmp(layout, "fanout");
	free(layout);
	return yes;
}

static char *path_in(int fanout, const char *dir, const char *name)
{
	if (fanout)
		return fc_asprintf("%s%02x/%s.json", dir, (unsigned)(fc_crc32(0, name, strlen(name)) & 0xff), name);
	return fc_asprintf("%s%s.json", dir, name);
}

char *fc_path_for(fc_store *s, const char *dir, const char *name)
{
	return path_in(fanned_out(s), dir, name);
}

static int count_rows(fc_store *s, const char *table)
{
	sqlite3_stmt *st = NULL;
	char sql[64];
	int n = 0;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (fc_store_prepare(s, &st, sql) == 0 && fc_store_step(s, st) == 1)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int fc_render_layout_due(fc_store *s)
{
	return !fanned_out(s) && (count_rows(s, "domain") > FC_FANOUT_AT || count_rows(s, "service") > FC_FANOUT_AT);
}

static int list_flat_paths(const char *name, void *ctx)
{
	void **x = ctx;
	void (*touch)(void *, const char *) = (void (*)(void *, const char *))x[0];
	char *path = path_in(0, x[2], name), *fan = path_in(1, x[2], name);
	touch(x[1], path);
	touch(x[1], fan);
	free(path);
	free(fan);
	return 0;
}

int fc_render_fan_out(fc_store *s, void (*touch)(void *ctx, const char *path), void *ctx)
{
	void *x[3] = { (void *)touch, ctx, NULL };
	int rc;

	if ((rc = fc_store_set_setting(s, "layout", "fanout")) < 0)
		return rc;
	x[2] = (void *)"domains/";
	if ((rc = fc_domain_list_names(s, list_flat_paths, x)) < 0)
		return rc;
	x[2] = (void *)"services/";
	return fc_service_list_names(s, list_flat_paths, x);
}

/* Find the kind of `path`; *name receives the entity name (caller frees). */
static const fc_file_kind *kind_of(const char *path, char **name)
{
	size_t i, dl, pl = strlen(path);

	*name = NULL;
	for (i = 0; i < NKINDS; i++) {
		const fc_file_kind *k = &kinds[i];
		if (k->file) {
			if (strcmp(path, k->file) == 0)
				return k;
			continue;
		}
		dl = strlen(k->dir);
		if (pl > dl + 5 && strncmp(path, k->dir, dl) == 0 && strcmp(path + pl - 5, ".json") == 0) {
			const char *rest = path + dl;
			/* flat "dir/name.json" or fanned out "dir/xx/name.json" */
			if (isxdigit((unsigned char)rest[0]) && isxdigit((unsigned char)rest[1]) && rest[2] == '/')
				rest += 3;
			if (strchr(rest, '/') || path + pl - 5 <= rest)
				continue;
			*name = fc_strndup(rest, (size_t)(path + pl - 5 - rest));
			return k;
		}
	}
	return NULL;
}

int fc_path_known(const char *path)
{
	char *name;
	const fc_file_kind *k = kind_of(path, &name);
	free(name);
	return k != NULL;
}

int fc_render_path(fc_store *s, const char *path, fc_buf *out, int *exists)
{
	char *name = NULL;
	const fc_file_kind *k = kind_of(path, &name);
	int rc;

	*exists = 0;
	if (!k)
		return fc_error_set(FC_ERROR, "no renderer for plan file '%s'", path);
	if (name) {
		/* a path of the other layout must not exist */
		char *want = fc_path_for(s, k->dir, name);
		int here = !strcmp(want, path);
		free(want);
		if (!here) {
			free(name);
			return 0;
		}
	}
	rc = k->render(s, name, out, exists);
	free(name);
	return rc;
}

struct each_ctx {
	fc_store *s;
	const fc_file_kind *k;
	int (*cb)(const char *, const char *, size_t, void *);
	void *ctx;
	fc_buf buf;
	int fanout;
};

static int each_name(const char *name, void *vctx)
{
	struct each_ctx *e = vctx;
	char *path = path_in(e->fanout, e->k->dir, name);
	int exists = 0, rc;

	fc_buf_clear(&e->buf);
	rc = e->k->render(e->s, name, &e->buf, &exists);
	if (rc == 0 && exists)
		rc = e->cb(path, e->buf.ptr, e->buf.len, e->ctx);
	free(path);
	return rc;
}

int fc_render_each(fc_store *s, int (*cb)(const char *path, const char *data, size_t len, void *ctx),
		   void *ctx)
{
	struct each_ctx e = { s, NULL, cb, ctx, FC_BUF_INIT, fanned_out(s) };
	size_t i;
	int rc = 0;

	for (i = 0; i < NKINDS && rc == 0; i++) {
		const fc_file_kind *k = &kinds[i];
		e.k = k;
		if (k->file) {
			int exists = 0;
			fc_buf_clear(&e.buf);
			rc = k->render(s, NULL, &e.buf, &exists);
			if (rc == 0 && exists)
				rc = cb(k->file, e.buf.ptr, e.buf.len, ctx);
		} else {
			rc = k->list(s, each_name, &e);
		}
	}
	fc_buf_free(&e.buf);
	return rc;
}

int fc_load_path(fc_store *s, const char *path, const char *data, size_t len, int *known)
{
	char *name = NULL;
	const fc_file_kind *k = kind_of(path, &name);
	int rc = 0;

	*known = k != NULL;
	if (k && k->load) {
		if (name && (rc = fc_name_check("file", name)) < 0)
			rc = fc_error_wrap(FC_EPARSE, "plan file '%s'", path);
		else
			rc = k->load(s, name, data, len);
	}
	free(name);
	return rc;
}
