#ifndef FC_MAP_EDIT_H
#define FC_MAP_EDIT_H
/*
 * The map verbs (floor 7): each is one change through the session
 * (fc_session_finish).  The domain and dependency types are fc_map.h's.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_map.h"
#include "fc_plan.h"

int fc_domain_add(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out);
int fc_domain_set(fc_plan *p, const char *name, const fc_domain_edit *e,
		  const fc_write_opts *w, fc_outcome *out);
/* Refuses while dependencies or services refer to it, unless w->force. */
int fc_domain_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out);

/* kind NULL: "calls"; weight 0: 1.  FC_EEXISTS for a duplicate. */
int fc_dep_add(fc_plan *p, const char *from, const char *to, const char *kind, int weight,
	       const fc_write_opts *w, fc_outcome *out);
/* kind NULL removes every kind between the two. */
int fc_dep_rm(fc_plan *p, const char *from, const char *to, const char *kind,
	      const fc_write_opts *w, fc_outcome *out);

/*
 * Import a map document (one commit).  Merge: each domain in the document
 * is created or replaced with its dependencies; with `replace`, domains
 * absent from the document are removed.
 */
int fc_map_import(fc_plan *p, const char *data, size_t len, int replace,
		  const fc_write_opts *w, fc_outcome *out);

/*
 * The end of an add of something that exists (a domain here, a service in
 * fc_service.c): `want` is `have` with the add's options applied.  The same:
 * a no-op change, finished (0).  Different: FC_EEXISTS naming each
 * difference and the '<what> set' verb, the change aborted.  Consumes `c`.
 */
struct fc_change;
int fc_add_again(struct fc_change *c, const char *what, const char *name, const cJSON *have, const cJSON *want,
		 fc_outcome *out);

#endif
