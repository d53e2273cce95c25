#ifndef FC_RENDER_H
#define FC_RENDER_H
/*
 * The layout of the plan repository, in one table: which module renders
 * which file from the database and loads it back on rebuild.
 *
 *   ficus.json              plan settings           (fc_settings)
 *   domains/<name>.json     a domain and its deps   (fc_map)
 *   services/<name>.json    a service               (fc_service)
 *   PLAN.md                 generated summary       (fc_summary)
 *
 * A plan with more than FC_FANOUT_AT domains or services fans those files
 * out into 256 subdirectories named by the low byte of the name's crc32
 * (domains/3f/tracking.json), so that a commit rewrites a tree of a few
 * dozen entries instead of thousands.  The switch is made once, inside the
 * change that crosses the threshold, and recorded in ficus.json
 * ("layout": "fanout"); rebuild reads both layouts.
 *
 * Rendering is deterministic: the same rows always give the same bytes.
 */
#include <stddef.h>

#include "fc_buf.h"
#include "fc_json.h"

typedef struct fc_store fc_store;

typedef struct {
	const char *dir;      /* "domains/" or NULL for a single file */
	const char *file;     /* "ficus.json" for a single file */
	/* render `name` into out; *exists = 0 when the row is gone */
	int (*render)(fc_store *s, const char *name, fc_buf *out, int *exists);
	/* insert the rows a file describes (rebuild) */
	int (*load)(fc_store *s, const char *name, const char *data, size_t len);
	/* call cb for every name the database holds */
	int (*list)(fc_store *s, int (*cb)(const char *name, void *ctx), void *ctx);
} fc_file_kind;

#define FC_FANOUT_AT 256

/* "domains/<name>.json" or its fanned-out path (caller frees). */
char *fc_path_for(fc_store *s, const char *dir, const char *name);

/* 1 when the plan should fan out now. */
int fc_render_layout_due(fc_store *s);

/*
 * Switch the database to the fanned-out layout and call touch(ctx, path)
 * with every old and new path of domains and services (inside a change).
 */
int fc_render_fan_out(fc_store *s, void (*touch)(void *ctx, const char *path), void *ctx);

/* Render one plan file by path. *exists = 0 when it should not exist. */
int fc_render_path(fc_store *s, const char *path, fc_buf *out, int *exists);

/* Render every plan file; cb(path, data, len, ctx) for each. */
int fc_render_each(fc_store *s, int (*cb)(const char *path, const char *data, size_t len, void *ctx),
		   void *ctx);

/*
 * Load one file of HEAD into an empty database; files outside the layout
 * are ignored (returns 0 and sets *known = 0).
 */
int fc_load_path(fc_store *s, const char *path, const char *data, size_t len, int *known);

/* 1 when path belongs to the layout. */
int fc_path_known(const char *path);

#endif
