/*
 * The routers reported: the configured routers, a read of every replica
 * compared with the plan (verify), the recorded state (status, pending)
 * and what a push will need (check_config).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_notify.h"
#include "fc_store.h"
#include "fc_rconf.h"
#include "fc_rengine.h"
#include "fc_rreport.h"
#include "fc_settings.h"


/* Drift found: one event for the webhooks that want it, delivered in the background. */
static void notify_drift(fc_plan *p, const fc_router_result *r, const char *text)
{
	cJSON *d = fc_json_obj(), *flags = fc_json_arr();

	for (size_t i = 0; i < r->nflags; i++) {
		const fc_router_flag_state *f = &r->flags[i];
		cJSON *o;
		if (strcmp(f->state, "drift"))
			continue;
		o = fc_json_obj();
		fc_json_add_str(o, "router", f->router);
		fc_json_add_str(o, "replica", f->replica);
		fc_json_add_str(o, "flag", f->flag);
		fc_json_add_str(o, "service", f->service ? f->service : "");
		fc_json_add_str(o, "error", f->error ? f->error : "");
		fc_json_push(flags, o);
	}
	fc_json_add_str(d, "action", "drift");
	fc_json_add(d, "flags", flags);
	fc_notify_emit(fc_plan_store(p), "drift", NULL, NULL, text, d);
	cJSON_Delete(d);
	fc_notify_kick(p);
}

int fc_rreport_verify(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	fc_rengine_run x;
	fc_buf rep = FC_BUF_INIT;
	size_t cap = 0, ndrift = 0, nfail = 0;
	const fc_router_flag_state *fd = NULL;
	const fc_router_replica_result *ff = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &none;
	if ((rc = fc_rengine_build(&x, fc_plan_store(p), o, 1, 1)) < 0)
		goto done;
	if (!x.njobs) {
		rc = fc_rengine_none(&x, out, "verify");
		goto done;
	}
	fc_rengine_run_jobs(&x, 1);
	for (size_t i = 0; i < x.njobs; i++)
		fc_rengine_judge_list(&x, &x.jobs[i], out, &cap, fc_now(), !o->nflags);
	for (size_t i = 0; i < out->nflags; i++)
		if (!strcmp(out->flags[i].state, "drift") && !ndrift++)
			fd = &out->flags[i];
	for (size_t i = 0; i < out->nreplicas; i++) {
		fc_rengine_report_line(&rep, &out->replicas[i], 1);
		if ((!strcmp(out->replicas[i].state, "unreachable") || !strcmp(out->replicas[i].state, "pending")) &&
		    !nfail++)
			ff = &out->replicas[i];
	}
	out->report = fc_buf_detach(&rep);
	if ((rc = fc_rengine_store(fc_plan_store(p), &x, out, 0)) < 0)
		goto done;
	if (ndrift) {
		char *msg = fc_asprintf("drift on %zu flag%s: router '%s' replica %s: flag '%s': %s", ndrift,
					ndrift == 1 ? "" : "s", fd->router, fd->replica, fd->flag, fd->error);
		notify_drift(p, out, msg);
		rc = fc_error_set(FC_EDRIFT, "%s", msg);
		free(msg);
	} else if (nfail)
		rc = fc_error_set(FC_ESYNC, "router '%s' replica %s could not be read: %s%s", ff->router, ff->replica,
				  ff->error, nfail > 1 ? " (and more)" : "");
done:
	fc_buf_free(&rep);
	fc_rengine_free(&x);
	return rc;
}

int fc_rreport_status(fc_plan *p, const fc_router_opts *o, fc_router_result *out)
{
	static const fc_router_opts none = FC_ROUTER_OPTS_INIT;
	fc_store *s = fc_plan_store(p);
	fc_buf rep = FC_BUF_INIT;
	fc_rengine_run x;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &none;
	if ((rc = fc_rengine_build(&x, fc_plan_store(p), o, 1, 1)) < 0)
		goto done;
	if (!x.njobs) {
		rc = fc_rengine_none(&x, out, "report");
		goto done;
	}
	if ((rc = fc_store_begin(s, 0)) < 0)
		goto done;
	for (size_t i = 0; i < x.njobs && rc == 0; i++) {
		const fc_router_job *j = &x.jobs[i];
		fc_router_replica_result *rr = fc_rengine_add_replica(out, j);
		size_t first = out->nflags;
		fc_router_flag_state **fs = fc_calloc(j->nwant + 1, sizeof(*fs));
		for (size_t k = 0; k < j->nwant; k++) {
			fc_router_flag_state *f = fc_rstate_add_flag(out, &cap);
			const fc_rstate_svc *v = fc_rengine_svc(&x, j->want[k].flag);
			f->router = fc_strdup(j->r->name);
			f->replica = fc_strdup(j->replica);
			f->flag = fc_strdup(j->want[k].flag);
			f->service = fc_strdup(v ? v->service : "");
			f->want_bp = j->want[k].bp;
			f->want_shadow = j->want[k].shadow;
			f->want_rev = j->want[k].rev;
		}
		for (size_t k = 0; k < j->nwant; k++)
			fs[k] = &out->flags[first + k]; /* after the last realloc */
		rc = fc_rstate_judge_rows(s, j, x.svcs_sorted, fs);
		free(fs);
		for (size_t k = 0; k < j->nwant && rc == 0; k++) {
			const fc_router_flag_state *f = &out->flags[first + k];
			fc_rstate_count(rr, f->state);
			if (!rr->error && strcmp(f->state, "synced") && strcmp(f->state, "newer"))
				rr->error = fc_strdup(f->error);
		}
		if (!rr->error)
			rr->error = fc_strdup("");
		fc_buf_printf(&rep, "router '%s' replica %s: %zu synced, %zu pending, %zu drift, %zu unreachable%s%s\n",
			      rr->router, rr->replica, rr->nsynced + rr->nnewer, rr->npending, rr->ndrift,
			      rr->nunreachable, *rr->error ? ": " : "", rr->error);
	}
	fc_store_commit(s);
	out->report = fc_buf_detach(&rep);
done:
	fc_buf_free(&rep);
	fc_rengine_free(&x);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fc_rreport_pending(fc_plan *p, char ***flags, size_t *n)
{
	fc_router_result res;
	char **out = NULL;
	size_t k = 0;
	int rc;

	*flags = NULL;
	*n = 0;
	if ((rc = fc_rreport_status(p, NULL, &res)) < 0)
		return rc;
	for (size_t i = 0; i < res.nflags; i++) {
		const fc_router_flag_state *f = &res.flags[i];
		if (!strcmp(f->state, "synced") || !strcmp(f->state, "newer"))
			continue;
		out = fc_realloc(out, (k + 1) * sizeof(char *));
		out[k++] = fc_strdup(f->flag);
	}
	/* a flag pending on several replicas once */
	if (k > 1) {
		size_t u = 1;
		qsort(out, k, sizeof(char *), cmp_str);
		for (size_t i = 1; i < k; i++) {
			if (!strcmp(out[i], out[u - 1]))
				free(out[i]);
			else
				out[u++] = out[i];
		}
		k = u;
	}
	fc_rstate_result_clear(&res);
	*flags = out;
	*n = k;
	return 0;
}

int fc_rreport_check_config(fc_plan *p, char **notes, int *problems)
{
	fc_router_conf *confs = NULL;
	size_t n = 0;
	fc_buf b = FC_BUF_INIT;
	int rc;

	*notes = NULL;
	*problems = 0;
	if ((rc = fc_rstate_confs(fc_plan_store(p), &confs, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		fc_router_conf *c = &confs[i];
		int plain = 0;
		if (!c->drv->caps.pushes)
			continue;
		for (size_t k = 0; k < c->nreplicas; k++)
			plain |= !strncmp(c->replicas[k], "http://", 7);
		if (c->token_env || c->token_file) {
			fc_rconf_resolve_token(c);
			if (c->token_error[0]) {
				fc_buf_printf(&b, "router '%s': %s\n", c->name, c->token_error);
				(*problems)++;
			} else if (plain) {
				fc_buf_printf(&b, "router '%s': the token travels over plain http: use https, "
					      "or keep the admin port on loopback\n", c->name);
			}
		}
		if (!c->tls_verify)
			fc_buf_printf(&b, "router '%s': TLS verification is off ('tls_verify': false)\n", c->name);
	}
	*notes = fc_buf_detach(&b);
	fc_rconf_free(confs, n);
	return 0;
}

/* ---- configuration ---- */

int fc_rreport_list(fc_plan *p, fc_router_info **out, size_t *n)
{
	fc_settings st;
	fc_router_info *v = NULL;
	const cJSON *routers, *c;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = fc_settings_get(fc_plan_store(p), &st)) < 0)
		return rc;
	routers = cJSON_GetObjectItemCaseSensitive(st.doc, "routers");
	if ((rc = fc_rconf_check(routers, "settings")) < 0)
		goto done;
	v = fc_calloc((size_t)cJSON_GetArraySize(routers) + 1, sizeof(*v));
	cJSON_ArrayForEach(c, routers) {
		fc_router_info *r = &v[k++];
		const cJSON *reps = cJSON_GetObjectItemCaseSensitive(c, "replicas"), *e;
		r->name = fc_strdup(cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
		r->driver = fc_strdup(cJSON_GetObjectItemCaseSensitive(c, "driver")->valuestring);
		fc_rconf_driver_info(r->driver, &r->caps, NULL);
		r->replicas = fc_calloc((size_t)cJSON_GetArraySize(reps) + 1, sizeof(char *));
		cJSON_ArrayForEach(e, reps)
			r->replicas[r->nreplicas++] = fc_strdup(e->valuestring);
		r->config = cJSON_Duplicate(c, 1);
		if (!strcmp(r->driver, "haproxy"))
			r->caps.survives_restart = cJSON_GetObjectItemCaseSensitive(c, "map_file") ? 1 : 0;
	}
	*out = v;
	*n = k;
done:
	fc_settings_clear(&st);
	return rc;
}

void fc_rreport_infos_free(fc_router_info *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].driver);
		for (size_t k = 0; k < r[i].nreplicas; k++)
			free(r[i].replicas[k]);
		free(r[i].replicas);
		cJSON_Delete(r[i].config);
	}
	free(r);
}

/* ---- shadow compare ---- */

void fc_rreport_shadow_free(fc_shadow_replica *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].router);
		free(r[i].replica);
		free(r[i].driver);
		free(r[i].error);
		cJSON_Delete(r[i].stats);
	}
	free(r);
}

int fc_rreport_shadow(fc_plan *p, const char *flag, fc_shadow_replica **out, size_t *n)
{
	fc_router_opts o = FC_ROUTER_OPTS_INIT;
	fc_rengine_run x;
	int rc;

	*out = NULL;
	*n = 0;
	o.flags = &flag;
	o.nflags = 1;
	if ((rc = fc_rengine_build(&x, fc_plan_store(p), &o, 1, 0)) < 0)
		goto done;
	fc_rengine_run_jobs(&x, FC_RENGINE_SHADOW_STATS);
	*out = fc_calloc(x.njobs + 1, sizeof(**out));
	for (size_t i = 0; i < x.njobs; i++) {
		fc_router_job *j = &x.jobs[i];
		fc_shadow_replica *r = &(*out)[(*n)++];
		r->router = fc_strdup(j->r->name);
		r->replica = fc_strdup(j->replica);
		r->driver = fc_strdup(j->r->drv->name);
		if (!j->failed && j->stats)
			r->stats = cJSON_Parse(j->stats);
		r->ok = r->stats != NULL;
		r->error = fc_strdup(r->ok ? "" : j->msg[0] ? j->msg : "no answer");
	}
done:
	fc_rengine_free(&x);
	return rc;
}

int fc_rreport_cannot_compare(fc_store *s, const char *flag, char **out)
{
	fc_router_conf *confs = NULL;
	fc_rstate_svc *v = NULL;
	size_t nconfs = 0, nv = 0;
	fc_buf b = FC_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = fc_rstate_confs(s, &confs, &nconfs)) < 0 ||
	    (rc = fc_rstate_load_named(s, &v, &nv, &flag, 1)) < 0)
		goto done;
	for (size_t i = 0; i < nconfs; i++) {
		const fc_router_conf *c = &confs[i];
		if (!c->drv->caps.pushes || c->drv->caps.compare || (nv && !fc_rstate_is_bound(&v[0], c->name)))
			continue;
		fc_buf_printf(&b, "%s'%s' (%s)", b.len ? ", " : "", c->name, c->drv->name);
	}
	if (b.len)
		*out = fc_buf_detach(&b);
done:
	fc_buf_free(&b);
	fc_rconf_free(confs, nconfs);
	fc_rstate_svcs_free(v, nv);
	return rc;
}
