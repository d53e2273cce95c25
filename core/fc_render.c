#include <stdlib.h>
#include <string.h>

#include "fc_error.h"
#include "fc_map.h"
#include "fc_name.h"
#include "fc_render.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_summary.h"

static const fc_file_kind kinds[] = {
	{ NULL, "ficus.json", fc_settings_render_file, fc_settings_load_file, NULL },
	{ "domains/", NULL, fc_domain_render_file, fc_domain_load_file, fc_domain_list_names },
	{ "services/", NULL, fc_service_render_file, fc_service_load_file, fc_service_list_names },
	{ NULL, "PLAN.md", fc_summary_render_file, NULL, NULL },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

char *fc_path_for(const char *dir, const char *name)
{
	return fc_asprintf("%s%s.json", dir, name);
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
		if (pl > dl + 5 && strncmp(path, k->dir, dl) == 0 &&
		    strcmp(path + pl - 5, ".json") == 0 && !strchr(path + dl, '/')) {
			*name = fc_strndup(path + dl, pl - dl - 5);
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
};

static int each_name(const char *name, void *vctx)
{
	struct each_ctx *e = vctx;
	char *path = fc_path_for(e->k->dir, name);
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
	struct each_ctx e = { s, NULL, cb, ctx, FC_BUF_INIT };
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
