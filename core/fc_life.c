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

int fc_rollback(fc_plan *p, const char *name, const char *target, const fc_write_opts *w, fc_outcome *out)
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
	fc_change_flag(c, sv.flag);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_service_clear(&sv);
	return rc;
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
static int store_result(fc_store *st, const char *service, const char *check, int pass, const char *detail,
			fc_time at, const char *actor)
{
	int rc;

	if ((rc = fc_store_exec(st, "INSERT INTO check_result (service, name, pass, detail, at, actor) "
				    "VALUES (?, ?, ?, ?, ?, ?)", "ssisIs", service, check, pass, detail,
				(long long)at, actor)) < 0)
		return rc;
	if ((rc = fc_store_exec(st,
		"DELETE FROM check_result WHERE service = ?1 AND name = ?2 AND id NOT IN "
		"(SELECT id FROM check_result WHERE service = ?1 AND name = ?2 ORDER BY at DESC, id DESC LIMIT ?3)",
		"ssi", service, check, FC_CHECKS_KEPT)) < 0)
		return rc;
	if (!pass)
		rc = fc_store_exec(st, "INSERT INTO check_state (service, name, last_fail) VALUES (?, ?, ?) "
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
	    (rc = store_result(fc_change_store(c), name, check, pass, clean, fc_now(), actor)) < 0)
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
		free(r[i].check);
		free(r[i].detail);
	}
	free(r);
}

/* The 'shadow' check: the routers' compare counters, judged by the gate's rule (fc_shadow.c). */
static int shadow_check(fc_plan *p, const fc_service *sv, const fc_settings *set, fc_check_run_result **results,
			size_t *n)
{
	fc_gate_settings g = set->gates;
	fc_check_run_result *r;
	int64_t t0 = fc_http_now_ms(), rc;

	if ((rc = fc_gate_settings_apply(&g, sv->gates, "service gates")) < 0)
		return (int)rc;
	*results = fc_calloc(2, sizeof(fc_check_run_result));
	r = &(*results)[0];
	if ((rc = fc_shadow_measure(p, sv, &g, &r->pass, &r->detail)) < 0)
		return (int)rc;
	r->check = fc_strdup("shadow");
	r->seconds = (double)(fc_http_now_ms() - t0) / 1000.0;
	*n = 1;
	return 0;
}

int fc_check_run(fc_plan *p, const char *name, const char *check, const fc_write_opts *w,
		 fc_check_run_result **results, size_t *n, fc_outcome *out)
{
	fc_service sv;
	fc_settings set;
	cJSON *cmds = fc_json_obj(), *c;
	fc_change *chg = NULL;
	char *actor = NULL, *email = NULL;
	fc_time at = fc_now();
	int rc;

	*results = NULL;
	*n = 0;
	memset(&set, 0, sizeof(set));
	if ((rc = fc_name_check("service", name)) < 0 || (check && (rc = fc_name_check("check", check)) < 0) ||
	    (rc = fc_service_get(p, name, &sv)) < 0) {
		cJSON_Delete(cmds);
		return rc;
	}
	if ((rc = fc_settings_get(fc_plan_store(p), &set)) < 0)
		goto done;
	/* plan-wide checks, overridden by the service's own of the same name */
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(set.doc, "checks"))
		fc_json_add(cmds, c->string, cJSON_Duplicate(c, 1));
	cJSON_ArrayForEach(c, sv.checks) {
		cJSON_DeleteItemFromObjectCaseSensitive(cmds, c->string);
		fc_json_add(cmds, c->string, cJSON_Duplicate(c, 1));
	}
	if (check && !strcmp(check, "shadow") && !cJSON_GetObjectItemCaseSensitive(cmds, check)) {
		/* the shadow compare counters of the routers, unless a command named so is configured */
		if ((rc = shadow_check(p, &sv, &set, results, n)) < 0)
			goto done;
		goto record;
	}
	if (check && !cJSON_GetObjectItemCaseSensitive(cmds, check)) {
		const char *names[64];
		size_t k = 0;
		char *hint;
		cJSON_ArrayForEach(c, cmds)
			if (k < 64)
				names[k++] = c->string;
		hint = fc_suggest_hint(check, names, k, NULL);
		rc = fc_error_set(FC_ENOTFOUND, "service '%s' has no check '%s' configured%s", name, check, hint);
		free(hint);
		goto done;
	}
	if (!cmds->child) {
		rc = fc_error_set(FC_ENOTFOUND, "service '%s' has no checks configured (ficus service set %s --check NAME=COMMAND)",
				  name, name);
		goto done;
	}
	*results = fc_calloc((size_t)cJSON_GetArraySize(cmds) + 1, sizeof(fc_check_run_result));
	/* run outside the plan lock: checks may take minutes */
	cJSON_ArrayForEach(c, cmds) {
		const char *cmd = NULL, *timeout = NULL;
		int64_t secs = 300;
		fc_exec_result er;
		char pct[16];
		char *env[6];
		fc_check_run_result *r;

		if (check && strcmp(check, c->string))
			continue;
		fc_json_get_str(&cmd, c, "command", "check");
		fc_json_get_str(&timeout, c, "timeout", "check");
		if (timeout)
			fc_duration_parse(&secs, timeout);
		fc_pct_format(pct, sizeof(pct), sv.bp);
		env[0] = fc_asprintf("FICUS_SERVICE=%s", sv.name);
		env[1] = fc_asprintf("FICUS_FLAG=%s", sv.flag);
		env[2] = fc_asprintf("FICUS_PHASE=%s", fc_phase_name(sv.phase));
		env[3] = fc_asprintf("FICUS_PERCENT=%s", pct);
		env[4] = fc_asprintf("FICUS_CHECK=%s", c->string);
		env[5] = NULL;
		rc = fc_exec(&er, cmd ? cmd : "false", (const char *const *)env, secs);
		for (int k = 0; k < 5; k++)
			free(env[k]);
		if (rc < 0)
			goto done;
		r = &(*results)[(*n)++];
		r->check = fc_strdup(c->string);
		r->pass = !er.timed_out && er.exit_status == 0;
		r->seconds = er.seconds;
		if (er.timed_out)
			r->detail = fc_asprintf("timed out after %s%s%s", timeout ? timeout : "5m",
						*er.last_line ? ": " : "", er.last_line);
		else if (!r->pass && !*er.last_line)
			r->detail = fc_asprintf("exit status %d", er.exit_status);
		else
			r->detail = fc_strdup(er.last_line);
		fc_exec_result_clear(&er);
	}
record:
	if ((rc = fc_change_begin(&chg, p, w)) < 0 || (rc = fc_plan_author(p, w->actor, &actor, &email)) < 0)
		goto done;
	{
		fc_service again;
		if ((rc = fc_service_read(fc_change_store(chg), name, &again)) < 0)
			goto done;
		fc_service_clear(&again);
	}
	{
		int passed = 0;
		for (size_t i = 0; i < *n; i++) {
			if ((rc = store_result(fc_change_store(chg), name, (*results)[i].check, (*results)[i].pass,
					       (*results)[i].detail, at, actor)) < 0)
				goto done;
			passed += (*results)[i].pass;
		}
		fc_service_touch(chg, name);
		if (*n == 1)
			fc_change_subject(chg, "%s: check %s %s", name, (*results)[0].check,
					  (*results)[0].pass ? "passed" : "FAILED");
		else
			fc_change_subject(chg, "%s: checks %d of %zu passed", name, passed, *n);
		fc_change_trailer(chg, "Ficus-Service", "%s", name);
		fc_change_trailer(chg, "Ficus-Action", "check");
		for (size_t i = 0; i < *n; i++)
			fc_change_trailer(chg, "Ficus-Check", "%s %s%s%s", (*results)[i].check,
					  (*results)[i].pass ? "pass" : "fail", *(*results)[i].detail ? ": " : "",
					  (*results)[i].detail);
	}
	rc = fc_session_finish(chg, out);
	chg = NULL;
done:
	fc_change_abort(chg);
	cJSON_Delete(cmds);
	fc_settings_clear(&set);
	fc_service_clear(&sv);
	free(actor);
	free(email);
	return rc;
}
