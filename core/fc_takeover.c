/*
 * A take-over: read every replica, then one change that moves the plan's
 * revision of the flag above what the routers hold, then the push (by the
 * change pipeline's reconciler, like every change).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_change.h"
#include "fc_error.h"
#include "fc_name.h"
#include "fc_rreport.h"
#include "fc_service.h"
#include "fc_service_edit.h"
#include "fc_session.h"
#include "fc_store.h"
#include "fc_takeover.h"

/* The highest revision any replica holds of `flag`, -1 when none keeps one. */
static int highest_seen(fc_plan *p, const char *flag, long long *out, char **service)
{
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_router_result res;
	const char *flags[] = { flag };
	int rc;

	*out = -1;
	*service = NULL;
	o.flags = flags;
	o.nflags = 1;
	rc = fc_rreport_verify(p, &o, &res);
	if (rc == FC_EDRIFT)
		rc = 0; /* a newer revision reads as drift: that is what we came for */
	for (size_t i = 0; rc == 0 && i < res.nflags; i++) {
		const fc_router_flag_state *f = &res.flags[i];
		if (!strcmp(f->state, "unreachable") || !strcmp(f->state, "pending")) {
			rc = fc_error_set(FC_ESYNC, "router '%s' replica %s could not be read (%s): nothing was taken over",
					  f->router, f->replica, f->error);
			break;
		}
		if (!*service && f->service && *f->service)
			*service = fc_strdup(f->service);
		if (f->seen && f->seen_rev > *out)
			*out = f->seen_rev;
	}
	if (rc == 0 && !*service)
		rc = fc_error_set(FC_ENOTFOUND, "no router holds a flag '%s' of this plan (see 'ficus router status')",
				  flag);
	fc_rstate_result_clear(&res);
	return rc;
}

int fc_router_take_over(fc_plan *p, const char *flag, const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	long long seen;
	char *name = NULL, pct[16];
	int rc;

	memset(&sv, 0, sizeof(sv));
	memset(out, 0, sizeof(*out));
	if ((rc = fc_name_check("flag", flag)) < 0)
		return rc;
	/* the routers are read before the lock: the change only records what was seen */
	if ((rc = highest_seen(p, flag, &seen, &name)) < 0)
		goto done;
	if ((rc = fc_change_begin(&c, p, w)) < 0 || (rc = fc_service_read(fc_change_store(c), name, &sv)) < 0)
		goto done;
	if (seen <= sv.rev) {
		fc_change_noop(c, "no replica holds a revision of '%s' newer than the plan's %lld: nothing to take over",
			       flag, (long long)sv.rev);
	} else {
		long long from = sv.rev;
		sv.rev = seen + 1;
		if ((rc = fc_service_write_state(fc_change_store(c), &sv)) < 0)
			goto done;
		fc_service_touch(c, sv.name);
		fc_pct_format(pct, sizeof(pct), sv.bp);
		fc_change_subject(c, "%s: take over flag '%s' on the routers", sv.name, flag);
		fc_change_trailer(c, "Ficus-Service", "%s", sv.name);
		fc_change_trailer(c, "Ficus-Action", "take-over");
		fc_change_trailer(c, "Ficus-From", "plan revision %lld; a router holds revision %lld", from, seen);
		fc_change_trailer(c, "Ficus-To", "revision %lld at %s%s", (long long)sv.rev, pct,
				  sv.shadow ? " + shadow" : "");
		fc_change_trailer(c, "Ficus-Gates", "none (a take-over pushes the plan's own value)");
		fc_change_trailer(c, "Ficus-Forced", "no");
		fc_change_flag(c, sv.flag);
	}
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&sv);
	free(name);
	return rc;
}
