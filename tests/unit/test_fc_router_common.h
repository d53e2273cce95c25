#ifndef FICUS_TEST_FC_ROUTER_COMMON_H
#define FICUS_TEST_FC_ROUTER_COMMON_H
/*
 * Helpers shared by the router tests: a plan with services written
 * straight into the service table (the lifecycle is not under test), and
 * routers added through the core API.  Header only.
 */
#include "fc_json.h"
#include "fc_router.h"
#include "fc_router_edit.h"
#include "fc_settings.h"
#include "unit.h"
#include "loopback.h"

/* Insert or update a service row: flag = name. */
static inline void rt_service(unit_plan *u, const char *name, int bp, int shadow, long long rev, const char *routers)
{
	if (fc_store_exec(fc_plan_store(u->p),
		"INSERT INTO service (name, flag, bp, shadow, rev, phase, phase_since, step_since, routers) "
		"VALUES (?, ?, ?, ?, ?, 'read-cutover', 0, 0, ?) ON CONFLICT (name) DO UPDATE SET bp = excluded.bp, "
		"shadow = excluded.shadow, rev = excluded.rev, routers = excluded.routers",
		"ssiiIs", name, name, bp, shadow, rev, routers ? routers : "") < 0)
		fail_msg("service row: %s", fc_error_last());
}

/* Add a router with one or more replicas (NULL-terminated); extra settings in sp. */
static inline void rt_router(unit_plan *u, fc_router_spec *sp)
{
	fc_outcome o = { 0 };
	if (fc_router_add(u->p, sp, &u->w, &o) < 0)
		fail_msg("fc_router_add: %s", fc_error_last());
	fc_outcome_clear(&o);
}

static inline void rt_simple(unit_plan *u, const char *name, const char *driver, const char *replica,
			     const char *timeout)
{
	fc_router_spec sp = FC_ROUTER_SPEC_INIT;
	const char *reps[] = { replica };
	sp.name = name;
	sp.driver = driver;
	sp.replicas = reps;
	sp.nreplicas = 1;
	sp.timeout = timeout;
	rt_router(u, &sp);
}

/* The state of (router, replica, flag) in a result, or NULL. */
static inline const fc_router_flag_state *rt_find(const fc_router_result *r, const char *router,
						  const char *replica, const char *flag)
{
	for (size_t i = 0; i < r->nflags; i++)
		if (!strcmp(r->flags[i].router, router) && !strcmp(r->flags[i].replica, replica) &&
		    !strcmp(r->flags[i].flag, flag))
			return &r->flags[i];
	return NULL;
}

/* The recorded state (fc_rreport_status) of one flag, as a string copy. */
static inline char *rt_state(unit_plan *u, const char *router, const char *replica, const char *flag)
{
	fc_router_result r;
	const fc_router_flag_state *f;
	char *s;

	if (fc_rreport_status(u->p, NULL, &r) < 0)
		fail_msg("fc_rreport_status: %s", fc_error_last());
	f = rt_find(&r, router, replica, flag);
	s = fc_strdup(f ? f->state : "(none)");
	fc_rstate_result_clear(&r);
	return s;
}

#define assert_state(u, router, replica, flag, want) do { \
	char *rt_s_ = rt_state(u, router, replica, flag); \
	if (strcmp(rt_s_, want)) \
		fail_msg("state of %s %s %s is '%s', expected '%s'", router, replica, flag, rt_s_, want); \
	free(rt_s_); \
} while (0)

#endif
