#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_clock.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_router.h"
#include "fc_router_edit.h"
#include "fc_takeover.h"

static const char usage[] =
	"usage: ficus router add NAME --driver DRIVER --replica URL [--replica URL]... [options]\n"
	"   or: ficus router rm NAME\n"
	"   or: ficus router list\n"
	"   or: ficus router status [FLAG...] [--router NAME]\n"
	"   or: ficus router sync [FLAG...] [--router NAME]\n"
	"   or: ficus router sync --take-over FLAG\n"
	"   or: ficus router verify [FLAG...] [--router NAME]";
static const char desc[] =
	"Routers turn the plan's percentages into traffic. 'add' records a router in\n"
	"the plan settings (ficus.json, one commit; no secret ever goes there: tokens\n"
	"come from --token-env or --token-file). Drivers: haproxy (runtime API over\n"
	"tcp://HOST:PORT or unix:///PATH, needs --map), nginx-lua and http (ficus router\n"
	"protocol v1 at an http(s) base URL), envoy (admin API), none (push nothing).\n"
	"\n"
	"'list' shows each router with its driver's capabilities. 'status' shows the\n"
	"recorded state per router, replica and flag (synced, pending, unreachable,\n"
	"drift, newer) without contacting any router. 'sync' pushes the latest desired\n"
	"state of the flags (default: all) to every replica in parallel and reads it\n"
	"back: exit 5 when a replica still lacks it. 'verify' reads every replica and\n"
	"reports drift (a flag missing or with another value than the plan's): exit 6.\n"
	"A replica that holds a newer revision of a flag than the plan (pushed behind\n"
	"ficus's back, or by another plan) is not in sync: exit 5. 'sync --take-over\n"
	"FLAG' reads every replica, records one decision that sets the plan's revision\n"
	"above the highest seen, and pushes the plan's value with it.\n"
	"FLAG may be a flag or a service name. See ficus-routers(7).";

static const char *yesno(int v)
{
	return v ? "yes" : "no";
}

static const char *restart_text(int v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "depends";
}

static cJSON *caps_json(const fc_router_caps *c)
{
	cJSON *o = fc_json_obj();
	fc_json_add_bool(o, "pushes", c->pushes);
	fc_json_add_str(o, "split", c->sticky ? "per-tenant" : "per-request");
	fc_json_add_num(o, "granularity_bp", c->granularity_bp);
	fc_json_add_str(o, "survives_restart", restart_text(c->survives_restart));
	fc_json_add_bool(o, "revisions", c->revisions);
	fc_json_add_bool(o, "shadow", c->shadow);
	return o;
}

static int do_list(struct cli *c, fc_plan *p)
{
	fc_router_info *rs = NULL;
	size_t n = 0;
	int rc = fc_rreport_list(p, &rs, &n);

	if (rc < 0)
		return cli_fail(rc);
	if (c->json) {
		cJSON *doc = fc_json_obj(), *arr = fc_json_arr(), *drivers = fc_json_arr();
		for (size_t i = 0; i < n; i++) {
			cJSON *o = fc_json_obj(), *reps = fc_json_arr();
			fc_json_add_str(o, "name", rs[i].name);
			fc_json_add_str(o, "driver", rs[i].driver);
			for (size_t k = 0; k < rs[i].nreplicas; k++)
				fc_json_push(reps, cJSON_CreateString(rs[i].replicas[k]));
			fc_json_add(o, "replicas", reps);
			fc_json_add(o, "capabilities", caps_json(&rs[i].caps));
			fc_json_add(o, "settings", cJSON_Duplicate(rs[i].config, 1));
			fc_json_push(arr, o);
		}
		for (const char *const *d = fc_rconf_drivers(); *d; d++) {
			fc_router_caps caps;
			const char *summary;
			cJSON *o = fc_json_obj();
			fc_rconf_driver_info(*d, &caps, &summary);
			fc_json_add_str(o, "name", *d);
			fc_json_add_str(o, "summary", summary);
			fc_json_add(o, "capabilities", caps_json(&caps));
			fc_json_push(drivers, o);
		}
		fc_json_add(doc, "routers", arr);
		fc_json_add(doc, "drivers", drivers);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (n == 0) {
		cli_note(c, "no routers configured: driver 'none' (decisions are recorded, nothing is pushed); "
			 "see 'ficus router add --help'");
	} else {
		static const char *const hdr[] = { "ROUTER", "DRIVER", "SPLIT", "STEP", "SURVIVES-RESTART",
						   "REVISIONS", "SHADOW", "REPLICAS" };
		cli_table *t = cli_table_new(8, hdr);
		for (size_t i = 0; i < n; i++) {
			fc_buf reps = FC_BUF_INIT;
			char step[16];
			fc_pct_format(step, sizeof(step), rs[i].caps.granularity_bp);
			for (size_t k = 0; k < rs[i].nreplicas; k++)
				fc_buf_printf(&reps, "%s%s", k ? " " : "", rs[i].replicas[k]);
			const char *row[] = { rs[i].name, rs[i].driver,
					      !rs[i].caps.pushes ? "-" : rs[i].caps.sticky ? "per tenant" : "per request",
					      rs[i].caps.pushes ? step : "-",
					      rs[i].caps.pushes ? restart_text(rs[i].caps.survives_restart) : "-",
					      rs[i].caps.pushes ? yesno(rs[i].caps.revisions) : "-",
					      rs[i].caps.pushes ? yesno(rs[i].caps.shadow) : "-", fc_buf_cstr(&reps) };
			cli_table_add(t, row);
			fc_buf_free(&reps);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	fc_rreport_infos_free(rs, n);
	return 0;
}

static void value_text(char *buf, size_t len, int bp, int shadow, long long rev)
{
	char pct[16];
	fc_pct_format(pct, sizeof(pct), bp);
	if (rev >= 0)
		snprintf(buf, len, "%s%s rev %lld", pct, shadow ? "+shadow" : "", rev);
	else
		snprintf(buf, len, "%s%s", pct, shadow ? "+shadow" : "");
}

static cJSON *result_json(const fc_router_result *r, int ok)
{
	cJSON *doc = fc_json_obj(), *reps = fc_json_arr(), *flags = fc_json_arr();

	fc_json_add_bool(doc, "ok", ok);
	fc_json_add_bool(doc, "none", r->none);
	for (size_t i = 0; i < r->nreplicas; i++) {
		const fc_router_replica_result *x = &r->replicas[i];
		cJSON *o = fc_json_obj(), *extra = fc_json_arr();
		fc_json_add_str(o, "router", x->router);
		fc_json_add_str(o, "replica", x->replica);
		fc_json_add_str(o, "driver", x->driver);
		fc_json_add_str(o, "state", x->state);
		fc_json_add_num(o, "flags", (double)x->nflags);
		fc_json_add_num(o, "synced", (double)x->nsynced);
		fc_json_add_num(o, "pending", (double)x->npending);
		fc_json_add_num(o, "unreachable", (double)x->nunreachable);
		fc_json_add_num(o, "drift", (double)x->ndrift);
		fc_json_add_num(o, "newer", (double)x->nnewer);
		fc_json_add_num(o, "attempts", x->attempts);
		fc_json_add_num(o, "ms", (double)x->ms);
		fc_json_add_str(o, "error", x->error);
		for (size_t k = 0; k < x->nextra; k++)
			fc_json_push(extra, cJSON_CreateString(x->extra[k]));
		fc_json_add(o, "not_in_plan", extra);
		fc_json_push(reps, o);
	}
	for (size_t i = 0; i < r->nflags; i++) {
		const fc_router_flag_state *f = &r->flags[i];
		cJSON *o = fc_json_obj(), *want = fc_json_obj();
		char when[32];
		fc_json_add_str(o, "router", f->router);
		fc_json_add_str(o, "replica", f->replica);
		fc_json_add_str(o, "flag", f->flag);
		fc_json_add_str(o, "service", f->service);
		fc_json_add_str(o, "state", f->state);
		fc_json_add_num(want, "bp", f->want_bp);
		fc_json_add_bool(want, "shadow", f->want_shadow);
		fc_json_add_num(want, "rev", (double)f->want_rev);
		fc_json_add(o, "plan", want);
		if (f->seen) {
			cJSON *seen = fc_json_obj();
			fc_json_add_num(seen, "bp", f->seen_bp);
			fc_json_add_bool(seen, "shadow", f->seen_shadow);
			if (f->seen_rev >= 0)
				fc_json_add_num(seen, "rev", (double)f->seen_rev);
			fc_json_add(o, "router_value", seen);
		} else {
			fc_json_add(o, "router_value", cJSON_CreateNull());
		}
		fc_json_add_str(o, "error", f->error ? f->error : "");
		fc_json_add_num(o, "attempts", f->attempts);
		if (f->updated) {
			fc_time_format(when, sizeof(when), f->updated);
			fc_json_add_str(o, "updated", when);
		} else {
			fc_json_add(o, "updated", cJSON_CreateNull());
		}
		fc_json_push(flags, o);
	}
	fc_json_add(doc, "replicas", reps);
	fc_json_add(doc, "flags", flags);
	return doc;
}

static void print_flags(struct cli *c, const fc_router_result *r, int only_bad)
{
	static const char *const hdr[] = { "ROUTER", "REPLICA", "FLAG", "STATE", "PLAN", "ROUTER-VALUE",
					   "UPDATED", "DETAIL" };
	cli_table *t = cli_table_new(8, hdr);
	size_t rows = 0;

	for (size_t i = 0; i < r->nflags; i++) {
		const fc_router_flag_state *f = &r->flags[i];
		char want[48], seen[48], when[32];
		if (only_bad && !strcmp(f->state, "synced"))
			continue;
		value_text(want, sizeof(want), f->want_bp, f->want_shadow, f->want_rev);
		if (f->seen)
			value_text(seen, sizeof(seen), f->seen_bp, f->seen_shadow, f->seen_rev);
		else
			snprintf(seen, sizeof(seen), "-");
		if (f->updated)
			fc_time_format(when, sizeof(when), f->updated);
		else
			snprintf(when, sizeof(when), "never");
		const char *row[] = { f->router, f->replica, f->flag, f->state, want, seen, when,
				      f->error ? f->error : "" };
		cli_table_add(t, row);
		rows++;
	}
	if (rows)
		cli_table_print(c, t);
	cli_table_free(t);
}

static int do_status(struct cli *c, fc_plan *p, const fc_router_opts *o)
{
	fc_router_result r;
	int rc = fc_rreport_status(p, o, &r);

	if (rc < 0)
		return cli_fail(rc);
	if (c->json) {
		cJSON *doc = result_json(&r, 1);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (!r.nreplicas) {
		cli_note(c, "%s", r.report ? strtok(r.report, "\n") : "nothing to report");
	} else {
		size_t synced = 0, pending = 0, unreachable = 0, drift = 0;
		print_flags(c, &r, 0);
		for (size_t i = 0; i < r.nflags; i++) {
			const char *s = r.flags[i].state;
			if (!strcmp(s, "synced") || !strcmp(s, "newer"))
				synced++;
			else if (!strcmp(s, "drift"))
				drift++;
			else
				pending++;
			unreachable += !strcmp(s, "unreachable");
		}
		if (unreachable)
			cli_note(c, "%zu synced, %zu pending (%zu unreachable), %zu drift%s", synced, pending, unreachable,
				 drift, " ('ficus router sync' pushes the plan's values)");
		else
			cli_note(c, "%zu synced, %zu pending, %zu drift%s", synced, pending, drift,
				 pending + drift ? " ('ficus router sync' pushes the plan's values)" : "");
	}
	fc_rstate_result_clear(&r);
	return 0;
}

static int do_sync(struct cli *c, fc_plan *p, fc_router_opts *o)
{
	fc_router_result r;
	int rc;

	o->dry_run = c->w.dry_run;
	rc = fc_reconcile_sync(p, o, &r);
	if (rc < 0 && rc != FC_ESYNC) {
		fc_rstate_result_clear(&r);
		return cli_fail(rc);
	}
	if (c->json) {
		cJSON *doc = result_json(&r, rc == 0);
		if (o->dry_run) {
			fc_json_add_bool(doc, "dry_run", 1);
			fc_json_add_str(doc, "calls", r.calls ? r.calls : "");
		}
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (o->dry_run && r.calls) {
		printf("dry run: nothing pushed\n\nwould call:\n");
		for (char *line = strtok(r.calls, "\n"); line; line = strtok(NULL, "\n"))
			printf("    %s\n", line);
	} else if (!r.nreplicas) {
		cli_note(c, "%s", r.report ? strtok(r.report, "\n") : "nothing to push");
	} else if (!c->quiet || rc < 0) {
		fputs(r.report ? r.report : "", stdout);
	}
	fc_rstate_result_clear(&r);
	if (rc == FC_ESYNC) {
		cli_fail(rc);
		cli_note(c, "'ficus router sync' tries again; the plan itself is unchanged");
		return EXIT_SYNC;
	}
	return 0;
}

static int do_verify(struct cli *c, fc_plan *p, const fc_router_opts *o)
{
	fc_router_result r;
	int rc = fc_rreport_verify(p, o, &r);

	if (rc < 0 && rc != FC_ESYNC && rc != FC_EDRIFT) {
		fc_rstate_result_clear(&r);
		return cli_fail(rc);
	}
	if (c->json) {
		cJSON *doc = result_json(&r, rc == 0);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (!r.nreplicas) {
		cli_note(c, "%s", r.report ? strtok(r.report, "\n") : "nothing to verify");
	} else {
		if (!c->quiet || rc < 0)
			fputs(r.report ? r.report : "", stdout);
		if (rc == FC_EDRIFT) {
			for (size_t i = 0; i < r.nflags; i++) {
				const fc_router_flag_state *f = &r.flags[i];
				if (!strcmp(f->state, "drift"))
					printf("drift: router '%s' replica %s flag '%s': %s\n", f->router, f->replica,
					       f->flag, f->error);
			}
		}
		for (size_t i = 0; !c->quiet && i < r.nreplicas; i++)
			for (size_t k = 0; k < r.replicas[i].nextra; k++)
				printf("note: router '%s' replica %s has flag '%s', which the plan does not bind to it\n",
				       r.replicas[i].router, r.replicas[i].replica, r.replicas[i].extra[k]);
	}
	fc_rstate_result_clear(&r);
	if (rc < 0) {
		int st = cli_fail(rc);
		if (rc == FC_EDRIFT)
			cli_note(c, "'ficus router sync' restores the plan's values");
		return st;
	}
	if (!c->json)
		cli_note(c, "every replica has the plan's values");
	return 0;
}

int cmd_router(struct cli *c, int argc, char **argv)
{
	const char *pos[65], *sub;
	const char *driver = NULL, *map = NULL, *map_file = NULL, *pin_map = NULL, *prefix = NULL, *token_env = NULL,
		   *token_file = NULL, *ca_file = NULL, *timeout = NULL, *connect_timeout = NULL, *retries = NULL,
		   *router = NULL, *take_over = NULL;
	int no_tls_verify = 0, npos, rc;
	cli_list replicas = { 0 };
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	fc_router_opts ro = FC_ROUTER_OPTS_INIT;
	cli_opt opts[] = {
		{ "driver", 0, "DRIVER", "add: haproxy, nginx-lua, http, envoy or none", &driver, NULL, NULL },
		{ "replica", 0, "URL", "add: a replica (repeatable): tcp://H:P, unix:///PATH, http(s)://H:P[/base]",
		  NULL, NULL, &replicas },
		{ "map", 0, "MAP", "add, haproxy: the map as the runtime API names it (its file path)", &map, NULL, NULL },
		{ "map-file", 0, "FILE", "add, haproxy: rewrite this file too, so a reload keeps the values",
		  &map_file, NULL, NULL },
		{ "pin-map", 0, "MAP", "add, haproxy: the map of tenant pins, keys '<flag>:<tenant>' (ficus-routers(7))",
		  &pin_map, NULL, NULL },
		{ "prefix", 0, "PREFIX", "add, envoy: runtime key prefix (default 'ficus.')", &prefix, NULL, NULL },
		{ "token-env", 0, "VAR", "add: environment variable holding the bearer token", &token_env, NULL, NULL },
		{ "token-file", 0, "FILE", "add: file holding the bearer token (mode 600)", &token_file, NULL, NULL },
		{ "ca-file", 0, "FILE", "add: CA bundle that signed the routers' certificates", &ca_file, NULL, NULL },
		{ "no-tls-verify", 0, NULL, "add: do not verify TLS certificates (not recommended)", NULL,
		  &no_tls_verify, NULL },
		{ "timeout", 0, "DUR", "add: time allowed per replica and push, retries included (default 5s)",
		  &timeout, NULL, NULL },
		{ "connect-timeout", 0, "DUR", "add: time allowed to connect (default 2s)", &connect_timeout, NULL, NULL },
		{ "retries", 0, "N", "add: retries after a failed connection or a 5xx (default 2)", &retries, NULL, NULL },
		{ "router", 0, "NAME", "status, sync, verify: only this router", &router, NULL, NULL },
		{ "take-over", 0, "FLAG", "sync: push the plan's value above a newer revision on the routers (one commit)",
		  &take_over, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 65, &npos)))
		goto done;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		goto done;
	}
	if (npos < 1) {
		rc = cli_usage(c, "which router verb: add, rm, list, status, sync or verify?");
		goto done;
	}
	sub = pos[0];
	if (!strcmp(sub, "add")) {
		fc_router_spec sp = FC_ROUTER_SPEC_INIT;
		if (npos != 2) {
			rc = cli_usage(c, "'router add' needs one router name");
			goto done;
		}
		if (fc_name_check("router", pos[1]) < 0) {
			rc = cli_fail(FC_EINVAL);
			goto done;
		}
		if (!driver) {
			rc = cli_usage(c, "'router add' needs --driver (haproxy, nginx-lua, http, envoy or none)");
			goto done;
		}
		sp.name = pos[1];
		sp.driver = driver;
		sp.replicas = replicas.v;
		sp.nreplicas = replicas.n;
		sp.map = map;
		sp.map_file = map_file;
		sp.pin_map = pin_map;
		sp.prefix = prefix;
		sp.token_env = token_env;
		sp.token_file = token_file;
		sp.ca_file = ca_file;
		sp.timeout = timeout;
		sp.connect_timeout = connect_timeout;
		sp.retries = retries;
		sp.no_tls_verify = no_tls_verify;
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = fc_router_add(p, &sp, &c->w, &o);
		rc = cli_outcome(c, rc, &o);
		if (rc == 0 && !o.noop && !o.dry_run && !c->json)
			cli_note(c, "'ficus router sync --router %s' pushes the plan's flags to it", pos[1]);
		goto done;
	}
	if (driver || replicas.n || map || map_file || pin_map || prefix || token_env || token_file || ca_file || no_tls_verify ||
	    timeout || connect_timeout || retries) {
		rc = cli_usage(c, "the router settings options go with 'router add'");
		goto done;
	}
	if (!strcmp(sub, "rm")) {
		if (npos != 2) {
			rc = cli_usage(c, "'router rm' needs one router name");
			goto done;
		}
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = fc_router_rm(p, pos[1], &c->w, &o);
		rc = cli_outcome(c, rc, &o);
		goto done;
	}
	if (!strcmp(sub, "list")) {
		if (npos != 1 || router) {
			rc = cli_usage(c, "'router list' takes no arguments");
			goto done;
		}
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = do_list(c, p);
		goto done;
	}
	if (take_over && (strcmp(sub, "sync") || npos != 1 || router)) {
		rc = cli_usage(c, "--take-over FLAG goes with 'router sync' alone");
		goto done;
	}
	if (take_over) {
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = fc_router_take_over(p, take_over, &c->w, &o);
		rc = cli_outcome(c, rc, &o);
		goto done;
	}
	if (strcmp(sub, "status") && strcmp(sub, "sync") && strcmp(sub, "verify")) {
		{
		static const char *const subs[] = { "add", "rm", "list", "status", "sync", "verify", NULL };
		rc = cli_bad_subverb(c, "router", sub, subs);
	}
		goto done;
	}
	for (int i = 1; i < npos; i++)
		if (fc_name_check("flag", pos[i]) < 0) {
			rc = cli_fail(FC_EINVAL);
			goto done;
		}
	if (router && fc_name_check("router", router) < 0) {
		rc = cli_fail(FC_EINVAL);
		goto done;
	}
	ro.flags = npos > 1 ? pos + 1 : NULL;
	ro.nflags = (size_t)(npos - 1);
	ro.router = router;
	if ((rc = cli_open(c, &p)))
		goto done;
	if (!strcmp(sub, "status"))
		rc = do_status(c, p, &ro);
	else if (!strcmp(sub, "sync"))
		rc = do_sync(c, p, &ro);
	else
		rc = do_verify(c, p, &ro);
done:
	free(replicas.v);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
