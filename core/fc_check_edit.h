#ifndef FC_CHECK_EDIT_H
#define FC_CHECK_EDIT_H
/*
 * The check definition verbs (floor 7): `check add|set|rm SERVICE NAME`.
 * Each is one change (one commit) of the service's "checks" object, so
 * that definitions are in plan history and survive `ficus rebuild`.  The
 * shape and validation of a definition are fc_checkdef.h's.
 */
#include "fc_change.h"
#include "fc_plan.h"

/*
 * Fields as given on the command line; NULL leaves a field as it is
 * (set) or at its default (add).  For set, "" removes min, max, timeout,
 * token_env and token_file.
 */
typedef struct {
	const char *command;
	const char *timeout;
	const char *prometheus;
	const char *query;
	const char *min;
	const char *max;
	const char *interval;
	const char *failure_limit;
	const char *no_data;
	const char *token_env;
	const char *token_file;
} fc_check_edit;
#define FC_CHECK_EDIT_INIT { 0 }

/*
 * Add a check to a service: a command check (command) or an analysis
 * check (prometheus and query).  The same definition again is nothing to
 * do; another under the same name is FC_EEXISTS (use set).  FC_EINVAL
 * for a bad definition, FC_ENOTFOUND for an unknown service.
 */
int fc_check_add(fc_plan *p, const char *service, const char *check, const fc_check_edit *e,
		 const fc_write_opts *w, fc_outcome *out);

/* Change the given fields of a check; FC_ENOTFOUND ("did you mean") for an unknown check. */
int fc_check_set(fc_plan *p, const char *service, const char *check, const fc_check_edit *e,
		 const fc_write_opts *w, fc_outcome *out);

/* Remove a check's definition (its recorded results stay in history). */
int fc_check_rm(fc_plan *p, const char *service, const char *check, const fc_write_opts *w, fc_outcome *out);

#endif
