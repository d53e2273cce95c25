#ifndef FC_LOG_H
#define FC_LOG_H
/*
 * The history of rollout decisions: the plan repository's log, each
 * commit with its parsed Ficus-* trailers.
 */
#include <cjson/cJSON.h>

#include "fc_plan.h"
#include "fc_repo.h"

typedef fc_commit_info fc_log_entry;

/*
 * Walk history newest first; with `name`, only the commits whose
 * Ficus-Service or Ficus-Domain is that name.  At most `limit` entries
 * (negative: all).  `cb` returns non-zero to stop.
 */
int fc_log_walk(fc_plan *p, const char *name, long limit,
		int (*cb)(const fc_log_entry *e, void *ctx), void *ctx);

/*
 * A name given to 'log' that matched no commit: 0 when it is a service or a
 * domain of the plan (its history is just empty), else FC_ENOTFOUND naming
 * the close services and domains ("did you mean").
 */
int fc_log_name_known(fc_plan *p, const char *name);

/* An entry as JSON: commit, author, email, time, subject, body, trailers. */
cJSON *fc_log_entry_json(const fc_log_entry *e);

#endif
