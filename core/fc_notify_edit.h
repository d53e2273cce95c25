#ifndef FC_NOTIFY_EDIT_H
#define FC_NOTIFY_EDIT_H
/*
 * The notify verbs (floor 7): 'notify add' and 'notify rm', each one
 * change of the settings' "webhooks" through the session.
 */
#include "fc_plan.h"

/* A webhook to add; NULL fields take the defaults. */
typedef struct {
	const char *name;
	const char *url;         /* kept in the plan: use url_file for a URL that is a secret */
	const char *url_file;    /* a file (mode 600) holding the URL: the plan keeps the path */
	const char *token_env;   /* variable holding a bearer token */
	const char *token_file;  /* file holding it (mode 600) */
	const char *events;      /* "change,gate-open"; NULL: every event but test */
	const char *format;      /* "json" (default) or "slack" */
} fc_notify_spec;
#define FC_NOTIFY_SPEC_INIT { 0 }

/*
 * Add a webhook to the settings: one commit.  The same webhook again is a
 * no-op; a different one under the name is FC_EEXISTS.  A url_file or
 * token_file must be readable now, mode 600 (FC_EINVAL otherwise).  Bad
 * input is FC_EINVAL with the offending part named (never the URL past
 * its host, never a token).
 */
int fc_notify_add(fc_plan *p, const fc_notify_spec *spec, const fc_write_opts *w, fc_outcome *out);

/* Remove a webhook (and its deliveries): one commit.  FC_ENOTFOUND ("did you mean"). */
int fc_notify_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out);

#endif
