/*
 * `service pin`: tenants pinned in, out, or unpinned, one change each.
 * The body of the commit lists the tenants (at most FC_PIN_BODY_MAX per
 * side; the plan file holds them all), the trailers the counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_change.h"
#include "fc_error.h"
#include "fc_name.h"
#include "fc_pin_edit.h"
#include "fc_rstate.h"
#include "fc_service.h"
#include "fc_service_edit.h"
#include "fc_session.h"

static const char *op_name(fc_pin_op op)
{
	return op == FC_PIN_IN ? "in" : op == FC_PIN_OUT ? "out" : "unpin";
}

/* FC_EINVAL when a router the service is bound to pushes but cannot pin per tenant. */
static int routers_can_pin(fc_store *st, const fc_service *sv)
{
	fc_router_conf *confs = NULL;
	size_t n = 0;
	int rc;

	if ((rc = fc_rstate_confs(st, &confs, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int bound = !sv->nrouters;
		for (size_t k = 0; k < sv->nrouters; k++)
			bound |= !strcmp(sv->routers[k], confs[i].name);
		if (bound && confs[i].drv->caps.pushes && !confs[i].drv->caps.pins)
			rc = fc_error_set(FC_EINVAL, "service '%s' is pushed to router '%s' (driver '%s'), which cannot "
					  "pin tenants: its split is per request, not per tenant (bind the service to "
					  "other routers with 'ficus service set %s --router R')", sv->name, confs[i].name,
					  confs[i].drv->name, sv->name);
	}
	fc_rconf_free(confs, n);
	return rc;
}

/* Remove `t` from sorted set `s` (present). */
static void tenants_remove(fc_tenants *s, const char *t)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], t)) {
			free(s->v[i]);
			memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(char *));
			s->n--;
			return;
		}
}

static void body_line(fc_buf *b, const char *what, const fc_tenants *t)
{
	char *shown;

	if (!t->n)
		return;
	shown = fc_tenants_shown(t->v, t->n, FC_PIN_BODY_MAX);
	fc_buf_printf(b, "%s%s (%zu): %s", b->len ? "\n" : "", what, t->n, shown);
	free(shown);
}

int fc_service_pin(fc_plan *p, const char *name, fc_pin_op op, const fc_tenants *tenants,
		   const fc_write_opts *w, fc_outcome *out)
{
	fc_change *c = NULL;
	fc_service sv;
	fc_tenants moved = { NULL, 0 };
	fc_buf body = FC_BUF_INIT;
	fc_store *st;
	size_t from_in, from_out;
	int rc;

	memset(&sv, 0, sizeof(sv));
	if ((rc = fc_name_check("service", name)) < 0)
		return rc;
	if (!tenants->n)
		return fc_error_set(FC_EINVAL, "no tenant given");
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto done;
	st = fc_change_store(c);
	if ((rc = fc_service_read(st, name, &sv)) < 0)
		goto done;
	from_in = sv.pins_in.n;
	from_out = sv.pins_out.n;
	if (op == FC_PIN_OUT && sv.phase >= FC_PHASE_DECOMMISSION) {
		rc = fc_error_set(FC_EINVAL, "'%s' is in '%s': the monolith is going away, so no tenant can be pinned "
				  "out (out pins hold until decommission)", name, fc_phase_name(sv.phase));
		goto done;
	}
	if (op != FC_PIN_UNPIN && (rc = routers_can_pin(st, &sv)) < 0)
		goto done;
	for (size_t i = 0; i < tenants->n; i++) {
		const char *t = tenants->v[i];
		const fc_tenants *mine = op == FC_PIN_IN ? &sv.pins_in : &sv.pins_out;
		const fc_tenants *other = op == FC_PIN_IN ? &sv.pins_out : &sv.pins_in;
		if (op == FC_PIN_UNPIN) {
			if (!fc_tenants_has(&sv.pins_in, t) && !fc_tenants_has(&sv.pins_out, t))
				continue;
			tenants_remove(fc_tenants_has(&sv.pins_in, t) ? &sv.pins_in : &sv.pins_out, t);
		} else if (fc_tenants_has(other, t)) {
			rc = fc_error_set(FC_EINVAL, "tenant '%s' is pinned %s for '%s': a tenant cannot be pinned both in "
					  "and out (unpin it first: ficus service pin %s --unpin %s)", t,
					  op == FC_PIN_IN ? "out" : "in", name, name, t);
			goto done;
		} else if (fc_tenants_has(mine, t)) {
			continue;
		}
		fc_tenants_add(&moved, t); /* sorted: `tenants` is */
	}
	for (size_t i = 0; op != FC_PIN_UNPIN && i < moved.n; i++) /* after the lookups: the sets stay sorted for them */
		fc_tenants_add(op == FC_PIN_IN ? &sv.pins_in : &sv.pins_out, moved.v[i]);
	if (!moved.n) {
		const char *where = op == FC_PIN_UNPIN ? "unpinned" : op == FC_PIN_IN ? "pinned in" : "pinned out";
		if (tenants->n == 1)
			fc_change_noop(c, "tenant '%s' is already %s for '%s'", tenants->v[0], where, name);
		else
			fc_change_noop(c, "the %zu tenants are already %s for '%s'", tenants->n, where, name);
		rc = fc_session_finish(c, out);
		c = NULL;
		goto done;
	}
	fc_tenants_sort(&sv.pins_in);
	fc_tenants_sort(&sv.pins_out);
	if (sv.pins_in.n + sv.pins_out.n > FC_PINS_MAX) {
		rc = fc_error_set(FC_ELIMIT, "'%s' would have %zu pins: at most %d per service", name,
				  sv.pins_in.n + sv.pins_out.n, FC_PINS_MAX);
		goto done;
	}
	if ((rc = fc_service_write_pins(st, name, &sv.pins_in, &sv.pins_out)) < 0)
		goto done;
	sv.rev++; /* the pins are part of the flag's desired state */
	if ((rc = fc_service_write_state(st, &sv)) < 0)
		goto done;
	fc_service_touch(c, name);
	if (op == FC_PIN_UNPIN)
		fc_change_subject(c, "%s: unpin %zu tenant%s", name, moved.n, moved.n == 1 ? "" : "s");
	else
		fc_change_subject(c, "%s: pin %zu tenant%s %s", name, moved.n, moved.n == 1 ? "" : "s", op_name(op));
	body_line(&body, op == FC_PIN_IN ? "pinned in" : op == FC_PIN_OUT ? "pinned out" : "unpinned", &moved);
	fc_change_body(c, fc_buf_cstr(&body));
	fc_change_trailer(c, "Ficus-Service", "%s", name);
	fc_change_trailer(c, "Ficus-Action", "pin");
	fc_change_trailer(c, "Ficus-From", "pins in %zu, out %zu", from_in, from_out);
	fc_change_trailer(c, "Ficus-To", "pins in %zu, out %zu", sv.pins_in.n, sv.pins_out.n);
	fc_change_flag(c, sv.flag);
	rc = fc_session_finish(c, out);
	c = NULL;
done:
	fc_change_abort(c);
	fc_buf_free(&body);
	fc_tenants_clear(&moved);
	fc_service_clear(&sv);
	return rc;
}
