/*
 * The plan session: open and repair, the verb's change, then the routers.
 *
 * Invariants:
 * - the routers are pushed after the change's lock is released and its
 *   commit published, never under the lock;
 * - a change that lost a race on the remote is never pushed;
 * - a journal row goes 'committed' (owner: this process) -> 'applied'
 *   once its flags were handed to the reconciler; settling takes only rows
 *   whose owner process is gone.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_notify.h"
#include "fc_notify_gate.h"
#include "fc_repo.h"
#include "fc_reconcile.h"
#include "fc_rreport.h"
#include "fc_session.h"
#include "fc_settings.h"
#include "fc_store.h"

int fc_session_open(fc_plan **out, const fc_open_opts *o)
{
	fc_plan *p = NULL;
	int rc;

	if ((rc = fc_plan_open(&p, o)) < 0)
		return rc;
	/*
	 * Finish what a killed process left and adopt a HEAD moved by git, when
	 * the lock is free at once: a reader never waits for a writer (which
	 * does the same under its lock), and a plan this user cannot lock
	 * (read-only) is read as it is.  A rebuild (create_db) opens no database.
	 */
	if (fc_plan_store(p) && fc_plan_trylock(p) == 0) {
		char *note = NULL;
		rc = fc_change_catch_up(p, 0, &note);
		fc_plan_unlock(p);
		fc_plan_set_adopted(p, note);
		if (rc < 0 || (rc = fc_session_settle(p)) < 0) {
			fc_plan_free(p);
			return rc;
		}
		/* events an interrupted process left undelivered: in the background */
		fc_notify_kick(p);
	}
	fc_error_clear();
	*out = p;
	return 0;
}

int fc_session_settle(fc_plan *p)
{
	long long *ids = NULL;
	char **flags = NULL;
	size_t n = 0, nids = 0;
	int rc;

	if ((rc = fc_change_unsettled(p, &ids, &nids)) < 0 || !nids) {
		free(ids);
		return rc;
	}
	/* every flag some replica lacks, at its desired state read now */
	if ((rc = fc_rreport_pending(p, &flags, &n)) == 0 && n)
		rc = fc_reconcile_push(p, (const char *const *)flags, n, NULL);
	fc_rstate_names_free(flags, n);
	if (rc < 0 && rc != FC_ESYNC) {
		free(ids);
		return rc;
	}
	fc_error_clear();
	rc = fc_change_settled(p, ids, nids);
	free(ids);
	return rc;
}

int fc_session_repair(fc_plan *p, int *repaired)
{
	int rc = fc_change_repair(p, repaired);

	return rc < 0 ? rc : fc_session_settle(p);
}

/* For a dry run: the router calls the change would make, from its new rows. */
static void describe_pushes(fc_plan *p, fc_outcome *out)
{
	fc_router_value *v;

	if (!out->nflags)
		return;
	v = fc_calloc(out->nflags, sizeof(*v));
	for (size_t i = 0; i < out->nflags; i++) {
		v[i].flag = out->flags[i].flag;
		v[i].bp = out->flags[i].bp;
		v[i].shadow = out->flags[i].shadow;
		v[i].rev = out->flags[i].rev;
		v[i].npin_in = out->flags[i].npin_in;
		v[i].npin_out = out->flags[i].npin_out;
		v[i].compare = out->flags[i].compare;
	}
	fc_reconcile_describe(p, v, out->nflags, &out->router_report);
	free(v);
	fc_error_clear();
}

/* Push the flags to the routers (the reconciler reads the desired state now). */
static void push_flags(fc_plan *p, fc_outcome *out)
{
	const char **names = fc_calloc(out->nflags + 1, sizeof(*names));
	int rc;

	for (size_t i = 0; i < out->nflags; i++)
		names[i] = out->flags[i].flag;
	fc_change_test_kill("push");
	rc = fc_reconcile_push(p, names, out->nflags, &out->router_report);
	free(names);
	if (rc == FC_ESYNC) {
		out->router_status = FC_ESYNC;
		fc_error_wrap(FC_ESYNC, "committed, but not applied on every router ('ficus router sync' retries)");
	} else if (rc < 0) {
		/* the change is committed: a push that could not even start is pending too */
		out->router_status = FC_ESYNC;
		fc_error_wrap(FC_ESYNC, "committed, but the routers were not updated");
	}
}

/*
 * After a committed change, outside the lock: a push that failed is an
 * event too, gates the change opened are, and the deliverer starts in
 * the background (the change's own event was written with its journal
 * row).  Never fails or delays the change.
 */
static void notify_after(fc_plan *p, const fc_outcome *out, const char *router_error)
{
	if (router_error && out->commit[0])
		fc_notify_emit(fc_plan_store(p), "push-failed", NULL, out->change_id, router_error, NULL);
	fc_notify_gates(p, NULL);
	fc_notify_kick(p);
	fc_error_clear();
}

int fc_session_finish(fc_change *c, fc_outcome *out)
{
	fc_plan *p = fc_change_plan(c);
	int rollback = fc_change_opts(c)->offline_ok;
	char *router_error = NULL;
	int rc = fc_change_finish(c, out);

	if (rc == FC_ECONFLICT && out->change_id[0] && !out->commit[0]) {
		/* lost a race on the remote: set aside, never announced */
		char *msg = fc_strdup(fc_error_last());
		fc_notify_withdraw(fc_plan_store(p), out->change_id);
		fc_error_set(rc, "%s", msg);
		free(msg);
	}
	if (rc < 0 || out->noop)
		return rc;
	if (out->dry_run) {
		describe_pushes(p, out);
		return 0;
	}
	if (out->nflags)
		push_flags(p, out);
	if (out->router_status == FC_ESYNC)
		router_error = fc_strdup(fc_error_last());
	if (rollback && fc_repo_has_remote(fc_plan_repo(p))) {
		/* a rollback: the routers first, then the remote, briefly, else in the background */
		free(out->note);
		fc_change_publish_soon(p, &out->note);
	}
	fc_change_applied(p, out->change_id);
	/* changes an interrupted process committed under our lock: their flags now */
	fc_session_settle(p);
	notify_after(p, out, router_error);
	rc = router_error ? fc_error_set(FC_ESYNC, "%s", router_error) : 0;
	free(router_error);
	return rc;
}

int fc_session_init(fc_plan **out, const char *dir, const fc_write_opts *w, fc_outcome *outcome)
{
	fc_plan *p = NULL;
	fc_change *c = NULL;
	cJSON *settings = NULL;
	int rc;

	*out = NULL;
	if ((rc = fc_plan_create(&p, dir)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto fail;
	settings = fc_settings_default();
	if ((rc = fc_settings_put(fc_change_store(c), settings)) < 0)
		goto fail;
	fc_change_touch(c, "ficus.json");
	fc_change_touch(c, "PLAN.md");
	fc_change_subject(c, "plan: init");
	fc_change_trailer(c, "Ficus-Action", "init");
	rc = fc_session_finish(c, outcome);
	c = NULL;
	if (rc < 0)
		goto fail;
	cJSON_Delete(settings);
	*out = p;
	return 0;
fail:
	fc_change_abort(c);
	cJSON_Delete(settings);
	fc_plan_free(p);
	return rc;
}

int fc_session_init_remote(fc_plan **out, const char *dir, const char *url, const fc_write_opts *w,
			   fc_outcome *outcome)
{
	fc_plan *p = NULL;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return fc_error_set(FC_EINVAL, "--remote needs a URL");
	if ((rc = fc_repo_remote_has_plan(url)) < 0)
		return rc;
	if (!rc) {
		/* a new plan: create it here, then publish it */
		if ((rc = fc_session_init(&p, dir, w, outcome)) < 0)
			return rc;
		if ((rc = fc_repo_add_remote(fc_plan_repo(p), url)) < 0 || (rc = fc_repo_push(fc_plan_repo(p))) < 0) {
			fc_plan_free(p);
			return fc_error_wrap(rc, "the plan was created but not published to '%s'", url);
		}
		*out = p;
		return 0;
	}
	if ((rc = fc_plan_clone(&p, dir, url)) < 0)
		return rc;
	if ((rc = fc_change_rebuild(p)) < 0) {
		fc_plan_free(p);
		return rc;
	}
	memset(outcome, 0, sizeof(*outcome));
	outcome->noop = 1;
	outcome->note = fc_asprintf("cloned the plan from '%s'", url);
	*out = p;
	return 0;
}

int fc_session_sync(fc_plan *p, int reset, char **report)
{
	int moved = 0, ahead = 0, rc;
	char *aside = NULL;
	fc_router_result res;

	*report = NULL;
	if (!fc_repo_has_remote(fc_plan_repo(p))) {
		*report = fc_strdup("the plan has no remote: nothing to sync");
		return 0;
	}
	/* the network outside the lock; the local moves under it */
	if ((rc = fc_repo_fetch(fc_plan_repo(p))) < 0)
		return rc;
	if ((rc = fc_plan_lock(p)) < 0)
		return rc;
	if (reset) {
		if ((rc = fc_repo_reset_to_remote(fc_plan_repo(p), &aside)) == 0)
			rc = fc_change_rebuild(p);
		moved = 1;
	} else if ((rc = fc_repo_fast_forward(fc_plan_repo(p), &moved, &ahead)) == 0 && moved) {
		rc = fc_change_rebuild(p);
	}
	fc_plan_unlock(p);
	if (rc < 0)
		goto done;
	if (ahead && (rc = fc_repo_push(fc_plan_repo(p))) < 0)
		goto done;
	*report = fc_asprintf("%s%s", reset ? "took the remote's plan" : moved ? "fast-forwarded to the remote's plan" :
			      ahead ? "pushed local changes to the remote" : "already up to date with the remote",
			      aside ? "; " : "");
	if (aside) {
		char *r2 = fc_asprintf("%s%s", *report, aside);
		free(*report);
		*report = r2;
	}
	/* the routers follow the plan the remote gave us */
	if (moved) {
		rc = fc_reconcile_sync(p, NULL, &res);
		fc_rstate_result_clear(&res);
		if (rc == FC_ESYNC)
			rc = fc_error_wrap(FC_ESYNC, "the plan is synced, but not every router holds it ('ficus router sync')");
	}
done:
	free(aside);
	return rc;
}
