#ifndef FC_SETTINGS_H
#define FC_SETTINGS_H
/*
 * Plan settings (ficus.json): ramp steps, gate defaults, routers, checks.
 *
 * The database keeps the document as canonical compact JSON under the
 * setting key "plan"; the file is its pretty rendering.  Every document is
 * validated before it is stored, so readers may trust it.
 */
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"
#include "fc_plan.h"

typedef struct fc_store fc_store;

#define FC_RAMP_MAX 16

typedef struct {
	int ramp[FC_RAMP_MAX];    /* basis points, strictly increasing, last 10000 */
	size_t nramp;
	int64_t dual_write_min;   /* seconds */
	int reconcile_passes;
	int analysis_passes;      /* passes of each analysis check since the step began */
	int64_t reconcile_max_age;
	int64_t step_soak;
	int64_t cutover_soak;
	char reconcile_check[64]; /* the check name the gates read */
	/*
	 * The plan's routers, borrowed from the fc_settings document that
	 * fc_settings_get() filled (routers_known 1); otherwise the routers
	 * gate reads them from the store for each service it evaluates.
	 */
	int routers_known;
	const cJSON *routers;
} fc_gate_settings;

typedef struct {
	fc_gate_settings gates;
	cJSON *doc;               /* the whole document (owned) */
} fc_settings;

/* The default document (caller deletes). */
cJSON *fc_settings_default(void);

/*
 * Validate a document and extract the gate settings.  `what` names it in
 * messages.  FC_EPARSE with the offending key otherwise.
 */
int fc_settings_parse(fc_gate_settings *out, const cJSON *doc, const char *what);

/*
 * Read gate overrides from an object (settings "gates" or a service's
 * "gates") on top of `base`.
 */
int fc_gate_settings_apply(fc_gate_settings *g, const cJSON *obj, const char *what);

/* Load the settings from the database. */
int fc_settings_get(fc_store *s, fc_settings *out);
/* The same for a plan, for the faces (caller clears). */
int fc_settings_of(fc_plan *p, fc_settings *out);
void fc_settings_clear(fc_settings *st);

/* Validate and store a document (inside a write transaction). */
int fc_settings_put(fc_store *s, const cJSON *doc);

/* fc_render kinds */
int fc_settings_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);
int fc_settings_load_file(fc_store *s, const char *name, const char *data, size_t len);

#endif
