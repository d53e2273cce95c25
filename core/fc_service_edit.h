#ifndef FC_SERVICE_EDIT_H
#define FC_SERVICE_EDIT_H
/*
 * The service verbs (floor 7): each is one change through the session
 * (fc_session_finish).  The service type and its rows are fc_service.h's.
 */
#include "fc_change.h"
#include "fc_plan.h"
#include "fc_service.h"

int fc_service_add(fc_plan *p, const char *name, const fc_service_edit *e,
		   const fc_write_opts *w, fc_outcome *out);
int fc_service_set(fc_plan *p, const char *name, const fc_service_edit *e,
		   const fc_write_opts *w, fc_outcome *out);
/* Refused while the service moves traffic (dual-write to decommission) unless forced. */
int fc_service_rm(fc_plan *p, const char *name, const fc_write_opts *w, fc_outcome *out);

/* Name the service's plan file and PLAN.md as touched by a change. */
void fc_service_touch(fc_change *c, const char *name);

#endif
