#ifndef FC_SUMMARY_H
#define FC_SUMMARY_H
/*
 * PLAN.md: the generated, human-readable summary of the plan (services by
 * phase and percentage, domains with owners and traffic).  Deterministic.
 */
#include <stddef.h>

#include "fc_buf.h"

typedef struct fc_store fc_store;

/* Above this many services or domains PLAN.md holds counts, not tables. */
#define FC_SUMMARY_MAX 100

int fc_summary_render_file(fc_store *s, const char *name, fc_buf *out, int *exists);

#endif
