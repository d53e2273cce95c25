/*
 * Lifecycle moves.  Every move: begin a change (lock + write transaction),
 * read the service inside it, check --expect, evaluate the gates, write
 * the new state, describe the commit, finish.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_change.h"
#include "fc_checkdef.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_exec.h"
#include "fc_http.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_name.h"
#include "fc_render.h"
#include "fc_rreport.h"
#include "fc_settings.h"
#include "fc_service_edit.h"
#include "fc_session.h"
#include "fc_shadow.h"
#include "fc_store.h"
#include "fc_suggest.h"

int fc_expect_parse(const char *s, int *has_phase, fc_phase *phase, int *has_bp, int *bp)
{
	char word[64];
	const char *rest = NULL;
	size_t n;

	*has_phase = *has_bp = 0;
	if (!s || !*s)
		return fc_error_set(FC_EINVAL, "--expect needs a phase, a percentage or both");
	n = strcspn(s, " @:");
	if (n >= sizeof(word))
		return fc_error_set(FC_EINVAL, "--expect '%.40s' is not a phase or percentage", s);
	memcpy(word, s, n);
	word[n] = '\0';
	if (s[n])
		rest = s + n + 1;
	if (fc_phase_parse(phase, word) == 0) {
		*has_phase = 1;
		if (rest) {
			if (fc_pct_parse(bp, rest) < 0)
				return fc_error_set(FC_EINVAL, "--expect '%.40s': '%.20s' is not a percentage", s, rest);
			*has_bp = 1;
		}
	} else if (!rest && fc_pct_parse(bp, word) == 0) {
		*has_bp = 1;
	} else {
		return fc_error_set(FC_EINVAL, "--expect '%.40s' is not a phase, a percentage, or 'PHASE PCT'", s);
	}
	fc_error_clear();
	return 0;
}

/* Compare-and-swap: inside the write transaction. */
static int check_expect(const fc_write_opts *w, const fc_service *sv)
{
	int has_phase, has_bp, bp = 0, rc;
	fc_phase phase = FC_PHASE_PLANNED;
	char have[64], want[64], pct[16];

	if (!w->expect)
		return 0;
	if ((rc = fc_expect_parse(w->expect, &has_phase, &phase, &has_bp, &bp)) < 0)
		return rc;
	if ((!has_phase || phase == sv->phase) && (!has_bp || bp == sv->bp))
		return 0;
	fc_state_format(have, sizeof(have), sv->phase, sv->bp);
	fc_pct_format(pct, sizeof(pct), bp);
	if (has_phase && has_bp)
		snprintf(want, sizeof(want), "%s %s", fc_phase_name(phase), pct);
	else
		snprintf(want, sizeof(want), "%s", has_phase ? fc_phase_name(phase) : pct);
	return fc_error_set(FC_ECONFLICT, "service '%s' is at %s, not %s as expected: nothing changed",
			    sv->name, sv->phase >= FC_PHASE_READ_CUTOVER || has_bp ? have : fc_phase_name(sv->phase),
			    want);
}


static void traffic_trailer(fc_change *c, const fc_service *sv, int from_bp, int to_bp)
{
	double moved = sv->rps * (double)(to_bp - from_bp) / 10000.0;

	if (from_bp == to_bp)
		return;
	fc_change_trailer(c, "Ficus-Traffic", "%s%.0f req/s %s the new service", moved >= 0 ? "+" : "",
			  moved, moved >= 0 ? "to" : "back from");
}

/* Apply a new state: times, revision, shadow off outside dual-write/backfill. */
static void move_to(fc_service *sv, fc_phase phase, int bp)
{
	fc_time now = fc_now();
	int old_shadow = sv->shadow;

	if (phase != sv->phase)
		sv->phase_since = now;
	if (bp != sv->bp)
		sv->step_since = now;
	if (phase != FC_PHASE_DUAL_WRITE && phase != FC_PHASE_BACKFILL)
		sv->shadow = 0;
	if (bp != sv->bp || old_shadow != sv->shadow)
		sv->rev++;
	sv->phase = phase;
	sv->bp = bp;
}

static void step_subject(fc_change *c, const fc_service *sv, const fc_step *st)
{
	char from[16], to[16];

	fc_pct_format(from, sizeof(from), st->from_bp);
	fc_pct_format(to, sizeof(to), st->to_bp);
	if (st->kind == FC_STEP_RAMP)
		fc_change_subject(c, "%s: %s %s -> %s", sv->name, st->action, from, to);
	else if (st->to_phase == FC_PHASE_READ_CUTOVER)
		fc_change_subject(c, "%s: %s -> %s at %s", sv->name, fc_phase_name(st->from_phase),
				  fc_phase_name(st->to_phase), to);
	else
		fc_change_subject(c, "%s: %s -> %s", sv->name, fc_phase_name(st->from_phase),
				  fc_phase_name(st->to_phase));
}

/* Copy a step for the caller (the change's copy is cleared with it). */
static void give_step(fc_step *dst, fc_step *src)
{
	if (dst)
		*dst = *src;
	else
		fc_step_clear(src);
	memset(src, 0, sizeof(*src));
}

int fc_promote(fc_plan *p, const char *name, const char *target, const fc_write_opts *w,
	       fc_step *step, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	fc_settings set;
	fc_step st;
	char from[64], to[64], *gates = NULL, *closed = NULL;
	int rc;

	memset(&sv, 0, sizeof(sv));
	memset(&set, 0, sizeof(set));
	memset(&st, 0, sizeof(st));
	if (step)
		memset(step, 0, sizeof(*step));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if ((rc = fc_service_read(fc_change_store(c), name, &sv)) < 0 ||
	    (rc = fc_settings_get(fc_change_store(c), &set)) < 0 ||
	    (rc = check_expect(w, &sv)) < 0 ||
	    (rc = fc_gate_step(&st, fc_change_store(c), &sv, &set.gates, target)) < 0)
		goto done;
	if (st.kind == FC_STEP_NONE) {
		fc_change_noop(c, "%s", st.why_none);
		rc = fc_session_finish(c, out);
		c = NULL;
		goto done;
	}
	fc_state_format(from, sizeof(from), st.from_phase, st.from_bp);
	fc_state_format(to, sizeof(to), st.to_phase, st.to_bp);
	closed = fc_step_closed_line(&st);
	if (!st.open && !w->force) {
		rc = fc_error_set(FC_EGATE, "'%s' %s -> %s: gate%s closed: %s", name, from, to,
				  strchr(closed, ',') ? "s" : "", closed);
		/* a skip says most: which steps the target jumps over */
		for (size_t i = 0; i < st.ngates; i++)
			if (!st.gates[i].open && !strcmp(st.gates[i].name, "skip")) {
				rc = fc_error_set(FC_EGATE, "'%s' %s -> %s refused: %s", name, from, to, st.gates[i].reason);
				goto done;
			}
		for (size_t i = 0; i < st.ngates; i++)
			if (!st.gates[i].open) {
				rc = fc_error_set(FC_EGATE, "'%s' %s -> %s refused: %s", name, from, to, st.gates[i].reason);
				break;
			}
		goto done;
	}
	if (st.irreversible && !w->yes && !w->dry_run) {
		rc = fc_error_set(FC_ECONFIRM, "'%s' %s -> %s cannot be undone without a forced rollback: pass --yes to confirm",
				  name, from, to);
		goto done;
	}
	move_to(&sv, st.to_phase, st.to_bp);
	if ((rc = fc_service_write_state(fc_change_store(c), &sv)) < 0)
		goto done;
	fc_service_touch(c, name);
	step_subject(c, &sv, &st);
	gates = fc_step_gates_line(&st);
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "%s", st.kind == FC_STEP_RAMP ? st.action : "promote");
	fc_change_trailer(c, "Ficus-From", "%s", from);
	fc_change_trailer(c, "Ficus-To", "%s", to);
	fc_change_trailer(c, "Ficus-Gates", "%s", gates);
	if (!st.open)
		fc_change_trailer(c, "Ficus-Forced", "yes (closed: %s)", closed);
	else
		fc_change_trailer(c, "Ficus-Forced", "no");
	/* a forced skip: every step jumped over, with the gates it would have met */
	for (size_t i = 0; i < st.nskipped; i++)
		fc_change_trailer(c, "Ficus-Skipped", "%s", st.skipped[i]);
	traffic_trailer(c, &sv, st.from_bp, st.to_bp);
	fc_change_flag(c, sv.flag);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	give_step(step, &st);
	free(gates);
	free(closed);
	fc_change_abort(c);
	fc_settings_clear(&set);
	fc_service_clear(&sv);
	return rc;
}

int fc_next_step(fc_plan *p, const char *name, fc_step *out)
{
	fc_service sv;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_service_get(p, name, &sv)) < 0)
		return rc;
	rc = fc_next_step_of(p, &sv, NULL, out);
	fc_service_clear(&sv);
	return rc;
}

int fc_next_step_of(fc_plan *p, const fc_service *sv, const fc_settings *set, fc_step *out)
{
	fc_settings own;
	int rc;

	memset(out, 0, sizeof(*out));
	if (set)
		return fc_gate_step(out, fc_plan_store(p), sv, &set->gates, NULL);
	if ((rc = fc_settings_of(p, &own)) < 0)
		return rc;
	rc = fc_gate_step(out, fc_plan_store(p), sv, &own.gates, NULL);
	fc_settings_clear(&own);
	return rc;
}

void fc_ready_free(fc_ready_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].service);
		free(r[i].note);
		fc_outcome_clear(&r[i].outcome);
	}
	free(r);
}

int fc_promote_ready(fc_plan *p, const fc_write_opts *w, fc_ready_result **out, size_t *n)
{
	return fc_promote_ready_ex(p, w, 0, out, n);
}

int fc_promote_ready_ex(fc_plan *p, const fc_write_opts *w, int no_resume, fc_ready_result **out, size_t *n)
{
	fc_service *all = NULL;
	size_t nall = 0, i;
	fc_settings set;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_settings_get(fc_plan_store(p), &set)) < 0)
		return rc;
	if ((rc = fc_service_list(p, &all, &nall)) < 0) {
		fc_settings_clear(&set);
		return rc;
	}
	*out = fc_calloc(nall + 1, sizeof(fc_ready_result));
	for (i = 0; i < nall; i++) {
		fc_ready_result *r = &(*out)[(*n)++];
		fc_step st;
		char expect[64];
		fc_write_opts wo = *w;

		r->service = fc_strdup(all[i].name);
		fc_state_format(r->from, sizeof(r->from), all[i].phase, all[i].bp);
		if ((r->rc = fc_gate_step(&st, fc_plan_store(p), &all[i], &set.gates, NULL)) < 0) {
			r->status = FC_READY_FAILED;
			r->note = fc_strdup(fc_error_last());
			continue;
		}
		fc_state_format(r->to, sizeof(r->to), st.to_phase, st.to_bp);
		if (st.kind == FC_STEP_NONE) {
			r->status = FC_READY_NONE;
			r->note = fc_strdup(st.why_none);
		} else if (no_resume && st.action && !strcmp(st.action, "resume")) {
			/* a paused service is a person's to resume, whatever its gates say */
			r->status = FC_READY_CONFIRM;
			r->note = fc_asprintf("paused at 0%% after a rollback: resume it by hand (ficus promote %s)%s",
					      all[i].name, st.open ? "" : " once its gates open");
		} else if (!st.open) {
			r->status = FC_READY_CLOSED;
			for (size_t g = 0; g < st.ngates && !r->note; g++)
				if (!st.gates[g].open)
					r->note = fc_strdup(st.gates[g].reason);
		} else if (st.irreversible) {
			r->status = FC_READY_CONFIRM;
			r->note = fc_asprintf("%s -> %s is irreversible: promote it by hand with --yes", r->from, r->to);
		} else {
			/* promote with CAS on the state the decision was made on */
			snprintf(expect, sizeof(expect), "%s", r->from);
			wo.expect = expect;
			wo.force = 0;
			wo.yes = 0;
			r->rc = fc_promote(p, all[i].name, NULL, &wo, NULL, &r->outcome);
			if (r->rc < 0 && r->rc != FC_ESYNC) {
				r->status = FC_READY_FAILED;
				r->note = fc_strdup(fc_error_last());
			} else {
				r->status = FC_READY_PROMOTED;
				if (r->rc == FC_ESYNC)
					r->note = fc_strdup(fc_error_last());
			}
		}
		fc_step_clear(&st);
	}
	fc_services_free(all, nall);
	fc_settings_clear(&set);
	return 0;
}

/* `evidence`: Ficus-Check trailers naming the measurements an automatic rollback acted on. */
static int rollback(fc_plan *p, const char *name, const char *target, const fc_write_opts *w,
		    const char *const *evidence, size_t nevidence, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	fc_phase to_phase;
	int to_bp, rc, from_bp, shadow_off = 0, was_shadow = 0;
	char from[64], to[64];

	fc_write_opts wo = *w;

	memset(&sv, 0, sizeof(sv));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	wo.offline_ok = 1; /* a rollback must work with the remote down */
	if ((rc = fc_change_begin(&c, p, &wo)) < 0)
		goto done;
	if ((rc = fc_service_read(fc_change_store(c), name, &sv)) < 0 || (rc = check_expect(w, &sv)) < 0)
		goto done;
	to_phase = sv.phase;
	to_bp = sv.bp;
	from_bp = sv.bp;
	fc_state_format(from, sizeof(from), sv.phase, sv.bp);
	if (sv.phase == FC_PHASE_DONE) {
		rc = fc_error_set(FC_ERROR, "'%s' is done: the monolith path is gone, only history remains", name);
		goto done;
	}
	if (sv.phase == FC_PHASE_DECOMMISSION && !w->force) {
		rc = fc_error_set(FC_ERROR, "'%s' is in decommission, a one-way door: pass --force with --reason to roll back",
				  name);
		goto done;
	}
	if (target) {
		fc_phase ph;
		int bp;
		if (fc_phase_parse(&ph, target) == 0) {
			if (ph > sv.phase || (ph == sv.phase && ph != FC_PHASE_READ_CUTOVER)) {
				rc = fc_error_set(FC_EINVAL, "'%s' is at %s: rollback --to %s is not backwards", name, from, target);
				goto done;
			}
			to_phase = ph;
			to_bp = ph < FC_PHASE_READ_CUTOVER ? 0 : ph == FC_PHASE_READ_CUTOVER && sv.phase > ph ? 10000 : sv.bp;
			if (ph == sv.phase)
				to_bp = 0;
		} else if (fc_pct_parse(&bp, target) == 0) {
			if (sv.phase != FC_PHASE_READ_CUTOVER && sv.phase != FC_PHASE_DECOMMISSION) {
				rc = fc_error_set(FC_EINVAL, "'%s' is in '%s': percentages apply in read-cutover", name,
						  fc_phase_name(sv.phase));
				goto done;
			}
			if (bp > sv.bp) {
				rc = fc_error_set(FC_EINVAL, "'%s' is at %s: %s is not backwards (use 'ficus promote')", name, from, target);
				goto done;
			}
			to_phase = FC_PHASE_READ_CUTOVER;
			to_bp = bp;
		} else {
			rc = fc_error_set(FC_EINVAL, "--to '%.40s' is neither a phase nor a percentage", target);
			goto done;
		}
		fc_error_clear();
	} else {
		/*
		 * The abort: nothing live on the new service (flag 0%, shadow
		 * off), in the same phase; idempotent, so a retried abort never
		 * does more than the first.  Out of decommission (forced) the
		 * service is paused in read-cutover.
		 */
		to_phase = sv.phase == FC_PHASE_DECOMMISSION ? FC_PHASE_READ_CUTOVER : sv.phase;
		to_bp = 0;
		if (sv.shadow && to_bp == sv.bp)
			shadow_off = 1;
	}
	if (to_phase == sv.phase && to_bp == sv.bp && !shadow_off) {
		if (target)
			fc_change_noop(c, "'%s' is at %s: nothing to roll back", name, from);
		else
			fc_change_noop(c, "'%s' is at %s with shadow off: nothing is on the new service, nothing to roll back%s",
				       name, from, sv.phase > FC_PHASE_PLANNED ? " (a phase back: rollback --to PHASE)" : "");
		rc = fc_session_finish(c, out);
		c = NULL;
		goto done;
	}
	was_shadow = sv.shadow;
	move_to(&sv, to_phase, to_bp);
	if (!target && sv.shadow) {
		sv.shadow = 0;
		sv.rev++; /* move_to counted no change: the flag stayed */
	}
	fc_state_format(to, sizeof(to), to_phase, to_bp);
	if ((rc = fc_service_write_state(fc_change_store(c), &sv)) < 0)
		goto done;
	fc_service_touch(c, name);
	if (shadow_off) {
		fc_change_subject(c, "%s: rollback shadow on -> off", name);
	} else if (from_bp != to_bp && to_phase == FC_PHASE_READ_CUTOVER && strncmp(from, "read-cutover", 12) == 0) {
		char a[16], b[16];
		fc_pct_format(a, sizeof(a), from_bp);
		fc_pct_format(b, sizeof(b), to_bp);
		fc_change_subject(c, "%s: rollback %s -> %s", name, a, b);
	} else {
		fc_change_subject(c, "%s: rollback %s -> %s", name, from, to);
	}
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "rollback");
	fc_change_trailer(c, "Ficus-From", "%s%s", from, was_shadow ? ", shadow on" : "");
	fc_change_trailer(c, "Ficus-To", "%s", to);
	fc_change_trailer(c, "Ficus-Gates", "none (rollback is never gated)");
	fc_change_trailer(c, "Ficus-Forced", "%s", w->force ? "yes" : "no");
	traffic_trailer(c, &sv, from_bp, to_bp);
	for (size_t i = 0; i < nevidence; i++)
		fc_change_trailer(c, "Ficus-Check", "%s", evidence[i]);
	fc_change_flag(c, sv.flag);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&sv);
	return rc;
}

int fc_rollback(fc_plan *p, const char *name, const char *target, const fc_write_opts *w, fc_outcome *out)
{
	return rollback(p, name, target, w, NULL, 0, out);
}

int fc_rollback_abort_because(fc_plan *p, const char *name, const fc_write_opts *w, const char *const *evidence,
			      size_t n, fc_outcome *out)
{
	return rollback(p, name, NULL, w, evidence, n, out);
}

int fc_shadow(fc_plan *p, const char *name, int on, const fc_write_opts *w, fc_outcome *out)
{
	return fc_shadow_set(p, name, on, NULL, w, out);
}

/* The wanted compare of a shadow verb, checked (no change yet). */
static int compare_wanted(fc_compare *want, const fc_shadow_opts *o)
{
	int rc;

	memset(want, 0, sizeof(*want));
	if (!o || !o->compare)
		return 0;
	if (o->sample && (fc_pct_parse(&want->sample_bp, o->sample) < 0 || want->sample_bp < 1)) {
		fc_compare_clear(want);
		return fc_error_set(FC_EINVAL, "--sample '%.40s' is not a percentage above 0%% (0.01%% to 100%%)", o->sample);
	}
	if (!o->sample)
		want->sample_bp = 10000;
	if (o->ignore && (rc = fc_compare_parse_ignore(want, o->ignore)) < 0) {
		fc_compare_clear(want);
		return rc;
	}
	fc_error_clear();
	return 0;
}

/* "shadow on", "shadow on, compare 10% sampled, ignoring ts" */
static char *shadow_state(int shadow, const fc_compare *c)
{
	char *d, *s;

	if (!shadow)
		return fc_strdup("shadow off");
	if (!c->sample_bp)
		return fc_strdup("shadow on");
	d = fc_compare_describe(c);
	s = fc_asprintf("shadow on, compare %s", d);
	free(d);
	return s;
}

int fc_shadow_set(fc_plan *p, const char *name, int on, const fc_shadow_opts *o, const fc_write_opts *w,
		  fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	fc_compare want;
	char *from = NULL, *to = NULL, *cannot = NULL;
	int rc;

	memset(&sv, 0, sizeof(sv));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if (!on && o && o->compare)
		return fc_error_set(FC_EINVAL, "--compare goes with 'on': 'shadow %s off' turns shadow and compare off", name);
	if ((rc = compare_wanted(&want, o)) < 0)
		return rc;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if ((rc = fc_service_read(fc_change_store(c), name, &sv)) < 0 || (rc = check_expect(w, &sv)) < 0)
		goto done;
	if (on && sv.phase != FC_PHASE_DUAL_WRITE && sv.phase != FC_PHASE_BACKFILL) {
		rc = fc_error_set(FC_EINVAL, "'%s' is in '%s': shadow traffic applies in dual-write and backfill",
				  name, fc_phase_name(sv.phase));
		goto done;
	}
	if (want.sample_bp) {
		if ((rc = fc_rreport_cannot_compare(fc_change_store(c), sv.flag, &cannot)) < 0)
			goto done;
		if (cannot) {
			rc = fc_error_set(FC_EINVAL, "'%s' is bound to router%s %s, which cannot compare answers: shadow "
					  "compare needs the nginx-lua router (or an http router speaking the compare "
					  "extension); bind '%s' to such routers only (ficus service set %s --router R) or "
					  "use 'ficus shadow %s on' without --compare", name, strchr(cannot, ',') ? "s" : "",
					  cannot, name, name, name);
			goto done;
		}
	}
	if (!sv.shadow)
		fc_compare_clear(&sv.compare); /* a stale row: compare lives only with shadow */
	if (sv.shadow == on && fc_compare_same(&sv.compare, &want)) {
		char *state = shadow_state(on, &sv.compare);
		fc_change_noop(c, "shadow of '%s' is already %s", name, state + strlen("shadow "));
		free(state);
		rc = fc_session_finish(c, out);
		c = NULL;
		goto done;
	}
	from = shadow_state(sv.shadow, &sv.compare);
	if (want.sample_bp) {
		/* a new compare counts from zero: the routers key their counters by since */
		want.since = fc_now();
		if (sv.compare.sample_bp && want.since <= sv.compare.since)
			want.since = sv.compare.since + 1;
	}
	fc_compare_clear(&sv.compare);
	sv.compare = want;
	memset(&want, 0, sizeof(want));
	sv.shadow = on;
	sv.rev++;
	to = shadow_state(on, &sv.compare);
	if ((rc = fc_service_write_state(fc_change_store(c), &sv)) < 0)
		goto done;
	fc_service_touch(c, name);
	if (sv.compare.sample_bp)
		fc_change_subject(c, "%s: %s", name, to);
	else
		fc_change_subject(c, "%s: %s", name, on ? (strstr(from, "compare") ? "shadow on, compare off" : "shadow on")
							 : "shadow off");
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "shadow");
	fc_change_trailer(c, "Ficus-From", "%s", from);
	fc_change_trailer(c, "Ficus-To", "%s", to);
	fc_change_flag(c, sv.flag);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_compare_clear(&want);
	fc_service_clear(&sv);
	free(from);
	free(to);
	free(cannot);
	return rc;
}

/* Store one result: keep the last FC_CHECKS_KEPT per name, note failures. */
static int store_result(fc_store *st, const char *service, const char *check, int outcome, const char *detail,
			fc_time at, const char *actor)
{
	int rc;

	if ((rc = fc_check_result_insert(st, service, check, outcome, detail, at, actor)) < 0)
		return rc;
	if ((rc = fc_store_exec_kept(st,
		"DELETE FROM check_result WHERE service = ?1 AND name = ?2 AND id NOT IN "
		"(SELECT id FROM check_result WHERE service = ?1 AND name = ?2 ORDER BY at DESC, id DESC LIMIT ?3)",
		"ssi", service, check, FC_CHECKS_KEPT)) < 0)
		return rc;
	/* no-data and error neither pass nor fail: they are no last failure */
	if (outcome == FC_CHECK_FAIL)
		rc = fc_store_exec_kept(st, "INSERT INTO check_state (service, name, last_fail) VALUES (?, ?, ?) "
				       "ON CONFLICT (service, name) DO UPDATE SET last_fail = excluded.last_fail",
				   "ssI", service, check, (long long)at);
	return rc;
}

static int check_detail_ok(const char *detail)
{
	if (detail && strlen(detail) > 1000)
		return fc_error_set(FC_ELIMIT, "check detail is longer than 1000 bytes");
	return 0;
}

int fc_check_record(fc_plan *p, const char *name, const char *check, int pass, const char *detail,
		    const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	char *clean = NULL, *actor = NULL, *email = NULL;
	int rc;

	memset(&sv, 0, sizeof(sv));
	if ((rc = fc_name_check("service", name)) < 0 || (rc = fc_name_check("check", check)) < 0 ||
	    (rc = check_detail_ok(detail)) < 0)
		return rc;
	clean = fc_sanitize(detail ? detail : "", 0);
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	if ((rc = fc_service_read(fc_change_store(c), name, &sv)) < 0 ||
	    (rc = fc_plan_author(p, w->actor, &actor, &email)) < 0 ||
	    (rc = store_result(fc_change_store(c), name, check, pass ? FC_CHECK_PASS : FC_CHECK_FAIL, clean, fc_now(),
			       actor)) < 0)
		goto done;
	fc_service_touch(c, name);
	fc_change_subject(c, "%s: check %s %s", name, check, pass ? "passed" : "FAILED");
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "check");
	fc_change_trailer(c, "Ficus-Check", "%s %s%s%s", check, pass ? "pass" : "fail", *clean ? ": " : "", clean);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&sv);
	free(clean);
	free(actor);
	free(email);
	return rc;
}

void fc_check_run_free(fc_check_run_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].service);
		free(r[i].check);
		free(r[i].detail);
		free(r[i].query);
	}
	free(r);
}

int fc_check_eval_shadow(fc_check_run_result *out, fc_plan *p, const fc_service *sv, const fc_settings *set)
{
	fc_gate_settings g = set->gates;
	int64_t t0 = fc_http_now_ms();
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fc_gate_settings_apply(&g, sv->gates, "service gates")) < 0 ||
	    (rc = fc_shadow_measure(p, sv, &g, &out->pass, &out->detail)) < 0) {
		free(out->detail);
		out->detail = NULL;
		return rc;
	}
	out->service = fc_strdup(sv->name);
	out->check = fc_strdup("shadow");
	out->outcome = out->pass ? FC_CHECK_PASS : FC_CHECK_FAIL;
	out->seconds = (double)(fc_http_now_ms() - t0) / 1000.0;
	return 0;
}

/* The 'shadow' check of 'check run': the routers' compare counters, judged by the gate's rule (fc_shadow.c). */
static int shadow_check(fc_plan *p, const fc_service *sv, const fc_settings *set, fc_check_run_result **results,
			size_t *n)
{
	int rc;

	*results = fc_calloc(2, sizeof(fc_check_run_result));
	if ((rc = fc_check_eval_shadow(&(*results)[0], p, sv, set)) < 0)
		return rc;
	*n = 1;
	return 0;
}

/* The detail an analysis result records: what was measured, against what, by which query. */
static char *analysis_detail(const fc_analysis_result *a, int no_data_fail)
{
	char *d;
	size_t qlen = a->query ? strlen(a->query) : 0;

	d = fc_asprintf("%s%s; query: %.*s%s", a->detail ? a->detail : "",
			no_data_fail && a->outcome == FC_ANALYSIS_NO_DATA ? " (no_data: fail)" : "",
			qlen > 600 ? 600 : (int)qlen, a->query ? a->query : "", qlen > 600 ? "..." : "");
	if (strlen(d) > 1000)
		d[1000] = '\0';
	return d;
}

int fc_check_eval_analysis(fc_check_run_result *out, const fc_check_target *t, size_t n)
{
	fc_analysis_spec *specs = fc_calloc(n + 1, sizeof(*specs));
	fc_prom_vars *vars = fc_calloc(n + 1, sizeof(*vars));
	fc_analysis_result *res = fc_calloc(n + 1, sizeof(*res));
	fc_checkdef *defs = fc_calloc(n + 1, sizeof(*defs));
	char **tokens = fc_calloc(n + 1, sizeof(char *));
	char **errs = fc_calloc(n + 1, sizeof(char *));
	size_t *idx = fc_calloc(n + 1, sizeof(size_t)), k = 0;
	fc_time now = fc_now();
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		fc_check_run_result *r = &out[i];
		memset(r, 0, sizeof(*r));
		r->service = fc_strdup(t[i].sv->name);
		r->check = fc_strdup(t[i].def->string);
		r->outcome = FC_CHECK_ERROR;
		if (fc_checkdef_parse(&defs[i], t[i].def, "service") < 0 || defs[i].kind != FC_CHECKDEF_ANALYSIS) {
			errs[i] = fc_strdup(fc_error_last());
			continue;
		}
		r->failure_limit = defs[i].failure_limit;
		if (fc_checkdef_spec(&specs[k], &tokens[k], &defs[i]) < 0) {
			errs[i] = fc_strdup(fc_error_last());
			continue;
		}
		vars[k].service = t[i].sv->name;
		vars[k].flag = t[i].sv->flag;
		vars[k].route = t[i].sv->route;
		vars[k].step_since_s = now > t[i].sv->step_since ? now - t[i].sv->step_since : 0;
		idx[k++] = i;
	}
	fc_error_clear();
	if (k && (rc = fc_analysis_run(res, specs, vars, k)) < 0) {
		/* nothing was asked: every check an error, with the reason */
		for (size_t j = 0; j < k; j++)
			errs[idx[j]] = fc_strdup(fc_error_last());
		k = 0;
		rc = 0;
	}
	for (size_t j = 0; j < k; j++) {
		fc_check_run_result *r = &out[idx[j]];
		const fc_checkdef *d = &defs[idx[j]];
		switch (res[j].outcome) {
		case FC_ANALYSIS_PASS: r->outcome = FC_CHECK_PASS; break;
		case FC_ANALYSIS_FAIL: r->outcome = FC_CHECK_FAIL; break;
		case FC_ANALYSIS_NO_DATA: r->outcome = d->no_data_fail ? FC_CHECK_FAIL : FC_CHECK_NO_DATA; break;
		default: r->outcome = FC_CHECK_ERROR; break;
		}
		r->pass = r->outcome == FC_CHECK_PASS;
		r->has_value = res[j].has_value;
		r->value = res[j].value;
		r->query = fc_strdup(res[j].query ? res[j].query : "");
		r->detail = analysis_detail(&res[j], d->no_data_fail);
		r->analysis = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!errs[i])
			continue;
		out[i].analysis = 1;
		out[i].detail = fc_asprintf("%s: error: %.900s", out[i].check, errs[i]);
		free(errs[i]);
	}
	for (size_t j = 0; j < n; j++) {
		fc_analysis_result_clear(&res[j]);
		if (tokens[j]) {
			memset(tokens[j], 0, strlen(tokens[j]));
			free(tokens[j]);
		}
	}
	free(specs);
	free(vars);
	free(res);
	free(defs);
	free(tokens);
	free(errs);
	free(idx);
	return rc;
}

int fc_check_results_record(fc_plan *p, const fc_check_run_result *r, size_t n, const fc_write_opts *w,
			    fc_outcome *out)
{
	fc_change *chg = NULL;
	char *actor = NULL, *email = NULL;
	const char *one = n ? r[0].service : NULL;
	size_t count[4] = { 0 }, kept = 0, nserv = 0;
	fc_time at = fc_now();
	fc_store *st;
	int rc;

	for (size_t i = 1; i < n && one; i++)
		if (strcmp(r[i].service, one))
			one = NULL;
	if ((rc = fc_change_begin(&chg, p, w)) < 0 || (rc = fc_plan_author(p, w->actor, &actor, &email)) < 0)
		goto done;
	st = fc_change_store(chg);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *q = NULL;
		int first = !i || strcmp(r[i].service, r[i - 1].service), found;
		/* a service removed while its checks ran: nothing to record against */
		if ((rc = fc_store_kept(st, &q, "SELECT 1 FROM service WHERE name = ?")) < 0)
			goto done;
		if (sqlite3_bind_text(q, 1, r[i].service, -1, SQLITE_STATIC) != SQLITE_OK) {
			fc_store_release(q);
			rc = fc_store_error(st, "reading a service");
			goto done;
		}
		found = fc_store_step(st, q);
		fc_store_release(q);
		if (found < 0) {
			rc = found;
			goto done;
		}
		if (!found)
			continue;
		if ((rc = store_result(st, r[i].service, r[i].check, r[i].outcome, r[i].detail ? r[i].detail : "", at,
				       actor)) < 0)
			goto done;
		count[r[i].outcome & 3]++;
		kept++;
		if (first) {
			nserv++;
			fc_service_touch(chg, r[i].service);
			fc_change_trailer(chg, "Ficus-Service", "%s", r[i].service);
		}
	}
	if (!kept) {
		fc_change_noop(chg, "no check result to record: the services are gone");
		rc = fc_session_finish(chg, out);
		chg = NULL;
		goto done;
	}
	if (one && n == 1)
		fc_change_subject(chg, "%s: check %s %s", one, r[0].check,
				  r[0].outcome == FC_CHECK_PASS ? "passed" : r[0].outcome == FC_CHECK_FAIL ? "FAILED"
				  : fc_check_outcome_name(r[0].outcome));
	else if (one)
		fc_change_subject(chg, "%s: checks %zu of %zu passed%s", one, count[FC_CHECK_PASS], kept,
				  count[FC_CHECK_NO_DATA] + count[FC_CHECK_ERROR] ? " (some had no verdict)" : "");
	else
		fc_change_subject(chg, "checks of %zu services: %zu pass, %zu fail, %zu no-data, %zu error", nserv,
				  count[FC_CHECK_PASS], count[FC_CHECK_FAIL], count[FC_CHECK_NO_DATA], count[FC_CHECK_ERROR]);
	fc_change_trailer(chg, "Ficus-Action", "check");
	for (size_t i = 0; i < n; i++)
		fc_change_trailer(chg, "Ficus-Check", "%s%s%s %s%s%s", one ? "" : r[i].service, one ? "" : "/", r[i].check,
				  fc_check_outcome_name(r[i].outcome), r[i].detail && *r[i].detail ? ": " : "",
				  r[i].detail ? r[i].detail : "");
	rc = fc_session_finish(chg, out);
	chg = NULL;
done:
	fc_change_abort(chg);
	free(actor);
	free(email);
	return rc;
}

/* The checks that apply to `sv`: the plan's, overridden by the service's own of the same name. */
static cJSON *checks_of(const fc_service *sv, const fc_settings *set)
{
	cJSON *all = fc_json_obj();
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(set->doc, "checks"))
		fc_json_add(all, c->string, cJSON_Duplicate(c, 1));
	cJSON_ArrayForEach(c, sv->checks) {
		cJSON_DeleteItemFromObjectCaseSensitive(all, c->string);
		fc_json_add(all, c->string, cJSON_Duplicate(c, 1));
	}
	return all;
}

int fc_check_unknown(const cJSON *checks, const char *service, const char *check)
{
	const char *names[64];
	size_t k = 0;
	const cJSON *c;
	char *hint;
	int rc;

	cJSON_ArrayForEach(c, checks)
		if (k < 64)
			names[k++] = c->string;
	hint = fc_suggest_hint(check, names, k, NULL);
	rc = fc_error_set(FC_ENOTFOUND, "service '%s' has no check '%s' configured%s", service, check, hint);
	free(hint);
	return rc;
}

static void run_command(fc_check_run_result *r, const fc_service *sv, const fc_checkdef *d, int *rc)
{
	fc_exec_result er;
	char pct[16];
	char *env[6];

	fc_pct_format(pct, sizeof(pct), sv->bp);
	env[0] = fc_asprintf("FICUS_SERVICE=%s", sv->name);
	env[1] = fc_asprintf("FICUS_FLAG=%s", sv->flag);
	env[2] = fc_asprintf("FICUS_PHASE=%s", fc_phase_name(sv->phase));
	env[3] = fc_asprintf("FICUS_PERCENT=%s", pct);
	env[4] = fc_asprintf("FICUS_CHECK=%s", d->name);
	env[5] = NULL;
	*rc = fc_exec(&er, d->command, (const char *const *)env, d->timeout_s);
	for (int k = 0; k < 5; k++)
		free(env[k]);
	if (*rc < 0)
		return;
	r->service = fc_strdup(sv->name);
	r->check = fc_strdup(d->name);
	r->pass = !er.timed_out && er.exit_status == 0;
	r->outcome = r->pass ? FC_CHECK_PASS : FC_CHECK_FAIL;
	r->seconds = er.seconds;
	if (er.timed_out)
		r->detail = fc_asprintf("timed out after %s%s%s", d->timeout ? d->timeout : "5m",
					*er.last_line ? ": " : "", er.last_line);
	else if (!r->pass && !*er.last_line)
		r->detail = fc_asprintf("exit status %d", er.exit_status);
	else
		r->detail = fc_strdup(er.last_line);
	fc_exec_result_clear(&er);
}

int fc_check_run(fc_plan *p, const char *name, const char *check, const fc_write_opts *w,
		 fc_check_run_result **results, size_t *n, fc_outcome *out)
{
	fc_service sv;
	fc_settings set;
	cJSON *cmds = NULL, *c;
	fc_check_target *targets = NULL;
	size_t *slot = NULL, nt = 0, total;
	int rc;

	*results = NULL;
	*n = 0;
	memset(&set, 0, sizeof(set));
	if ((rc = fc_name_check("service", name)) < 0 || (check && (rc = fc_name_check("check", check)) < 0) ||
	    (rc = fc_service_get(p, name, &sv)) < 0)
		return rc;
	if ((rc = fc_settings_get(fc_plan_store(p), &set)) < 0)
		goto done;
	cmds = checks_of(&sv, &set);
	if (check && !strcmp(check, "shadow") && !cJSON_GetObjectItemCaseSensitive(cmds, check)) {
		/* the shadow compare counters of the routers, unless a check named so is configured */
		if ((rc = shadow_check(p, &sv, &set, results, n)) == 0)
			rc = fc_check_results_record(p, *results, *n, w, out);
		goto done;
	}
	if (check && !cJSON_GetObjectItemCaseSensitive(cmds, check)) {
		rc = fc_check_unknown(cmds, name, check);
		goto done;
	}
	if (!cmds->child) {
		rc = fc_error_set(FC_ENOTFOUND, "service '%s' has no checks configured (ficus check add %s NAME ...)",
				  name, name);
		goto done;
	}
	total = (size_t)cJSON_GetArraySize(cmds);
	*results = fc_calloc(total + 1, sizeof(fc_check_run_result));
	targets = fc_calloc(total + 1, sizeof(*targets));
	slot = fc_calloc(total + 1, sizeof(size_t));
	/* run outside the plan lock: checks may take minutes; analysis checks all at once */
	cJSON_ArrayForEach(c, cmds) {
		fc_checkdef d;
		if (check && strcmp(check, c->string))
			continue;
		if ((rc = fc_checkdef_parse(&d, c, "service")) < 0)
			goto done;
		if (d.kind == FC_CHECKDEF_ANALYSIS) {
			targets[nt].sv = &sv;
			targets[nt].def = c;
			slot[nt++] = (*n)++;
			continue;
		}
		run_command(&(*results)[*n], &sv, &d, &rc);
		if (rc < 0)
			goto done;
		(*n)++;
	}
	if (nt) {
		fc_check_run_result *ar = fc_calloc(nt, sizeof(*ar));
		rc = fc_check_eval_analysis(ar, targets, nt);
		for (size_t i = 0; i < nt; i++)
			(*results)[slot[i]] = ar[i];
		free(ar);
		if (rc < 0)
			goto done;
	}
	rc = fc_check_results_record(p, *results, *n, w, out);
done:
	free(targets);
	free(slot);
	cJSON_Delete(cmds);
	fc_settings_clear(&set);
	fc_service_clear(&sv);
	return rc;
}
