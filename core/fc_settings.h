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
#define FC_SHADOW_MIN_COMPARED 1000

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
	 * Shadow compare gate of backfill -> read-cutover (zero: no gate):
	 * the newest 'shadow' result since compare went on has a mismatch
	 * rate <= shadow_max_mismatch percent over >= shadow_min_compared
	 * compared requests (0: FC_SHADOW_MIN_COMPARED).
	 */
	int shadow_gate;
	double shadow_max_mismatch;
	long long shadow_min_compared;
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

/* ---- webhooks: the settings' "webhooks" list (ficus-plan(5)) ---- */

/* Events a webhook may receive, as bits of fc_webhook.events. */
enum {
	FC_EVENT_CHANGE = 1,       /* every committed change */
	FC_EVENT_GATE_OPEN = 2,    /* a service's next gate turned open */
	FC_EVENT_PUSH_FAILED = 4,  /* a committed change not applied on every router */
	FC_EVENT_DRIFT = 8,        /* a router holds other values than the plan */
	FC_EVENT_TEST = 16         /* 'ficus notify test' */
};
#define FC_EVENT_DEFAULT (FC_EVENT_CHANGE | FC_EVENT_GATE_OPEN | FC_EVENT_PUSH_FAILED | FC_EVENT_DRIFT)
#define FC_WEBHOOKS_MAX 16

typedef struct {
	char *name;
	char *url;         /* given in the plan, or NULL */
	char *url_file;    /* a file (mode 600) that holds the URL, which is a secret */
	char *token_env;
	char *token_file;
	unsigned events;   /* FC_EVENT_* bits */
	int slack;         /* format "slack" (else "json") */
} fc_webhook;

/* Event names, NULL-terminated, in bit order (static). */
const char *const *fc_webhook_event_names(void);
/* The bit of an event name, 0 when unknown. */
unsigned fc_webhook_event_bit(const char *name);
/* The name of one bit (static), or "?". */
const char *fc_webhook_event_name(unsigned bit);

/*
 * Parse and check the settings' "webhooks" list (NULL: none) into *out
 * (caller frees with fc_webhooks_free).  FC_EPARSE naming `what`, the
 * webhook and the key: a name, exactly one of url / url_file, an http or
 * https URL without credentials, known events ("did you mean"), format
 * json or slack, no key that would hold a secret.
 */
int fc_webhooks_parse(fc_webhook **out, size_t *n, const cJSON *list, const char *what);
void fc_webhooks_free(fc_webhook *w, size_t n);

/* 1 when `url` is an http:// or https:// URL a webhook may use. */
int fc_webhook_url_ok(const char *url);

/*
 * A URL as it may be shown (messages, status, commits): its scheme and
 * authority, then "/..." when it has more ("https://hooks.example.com/...");
 * a webhook URL's path is often its secret.
 */
void fc_webhook_url_shown(char *buf, size_t size, const char *url);

/* fc_render kinds */
int fc_settings_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);
int fc_settings_load_file(fc_store *s, const char *name, const char *data, size_t len);

#endif
