#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_pin_edit.h"
#include "fc_service.h"
#include "fc_service_edit.h"

static const char usage[] =
	"usage: ficus service add NAME --domain D[,D] --route PREFIX [--flag KEY] [--router R[,R]] [--needs S[,S]]\n"
	"                [--description TEXT] [--gate KEY=VALUE]... [--check NAME=COMMAND]... [--check-timeout DUR]\n"
	"   or: ficus service set NAME [same options]\n"
	"   or: ficus service rm NAME [--force]\n"
	"   or: ficus service list\n"
	"   or: ficus service show NAME\n"
	"   or: ficus service pin NAME --in|--out|--unpin [TENANT[,TENANT]...] [--from FILE|-]";
static const char desc[] =
	"A service takes over one or more domains. Its flag key (default: its name)\n"
	"is what the routers split on; its routers default to every router of the\n"
	"plan ('all'). --needs names services that must serve 100% before this one\n"
	"enters read-cutover. --gate overrides a gate default for this service\n"
	"(dual_write_min, reconcile_passes, reconcile_max_age, reconcile_check,\n"
	"step_soak, cutover_soak, analysis_passes; 'KEY=' removes the override).\n"
	"--check configures a check command run by 'ficus check run' (exit status\n"
	"0 = pass); 'ficus check add' also defines analysis checks.\n"
	"'pin' pins tenants (as the routers read them: the X-Tenant header or the\n"
	"tenant query argument; 1 to 128 of A-Z a-z 0-9 . _ ~ @ + % -) to the new\n"
	"service (--in: routed there in read-cutover above 0%, decommission and done;\n"
	"an abort to 0% puts them back on the monolith) or to the monolith (--out:\n"
	"until decommission), or removes pins (--unpin). Tenants come as arguments,\n"
	"comma-separated, and from --from FILE (one per line, '#' comments, '-' for\n"
	"stdin). At most 10,000 pins per service; one commit per pin change.";

/* The pins lines of 'service show'. */
static void show_pins(const fc_service *s)
{
	int in_live, out_live;

	if (!s->pins_in.n && !s->pins_out.n)
		return;
	fc_service_pins_live(s, &in_live, &out_live);
	for (int side = 0; side < 2; side++) {
		const fc_tenants *t = side ? &s->pins_out : &s->pins_in;
		if (!t->n)
			continue;
		printf("pins %-7s %zu (%s):", side ? "out" : "in", t->n,
		       (side ? out_live : in_live) ? "on the routers" : side ? "not pushed from decommission on" :
		       "pushed in read-cutover above 0%");
		for (size_t i = 0; i < t->n; i++)
			printf(" %s", t->v[i]);
		printf("\n");
	}
}

static int show(struct cli *c, fc_plan *p, const char *name)
{
	fc_service s;
	cJSON *o;
	int rc = fc_service_get(p, name, &s);

	if (rc < 0)
		return cli_fail(rc);
	o = fc_service_to_json(&s);
	if (c->json) {
		cli_json("service", o);
	} else {
		char pct[16], since[32];
		fc_pct_format(pct, sizeof(pct), s.bp);
		fc_time_format(since, sizeof(since), s.phase_since);
		printf("service      %s\nflag         %s\nroute        %s\n", s.name, s.flag, s.route);
		printf("domains     ");
		for (size_t i = 0; i < s.ndomains; i++)
			printf(" %s", s.domains[i]);
		printf("\nphase        %s since %s\ntraffic      %s%s\n", fc_phase_name(s.phase), since, pct,
		       s.shadow ? " + shadow" : "");
		if (s.nneeds) {
			printf("needs       ");
			for (size_t i = 0; i < s.nneeds; i++)
				printf(" %s", s.needs[i]);
			printf("\n");
		}
		printf("routers     ");
		if (!s.nrouters)
			printf(" all");
		for (size_t i = 0; i < s.nrouters; i++)
			printf(" %s", s.routers[i]);
		printf("\n");
		if (s.description[0]) {
			char *d = fc_sanitize(s.description, 1);
			printf("description  %s\n", d);
			free(d);
		}
		show_pins(&s);
	}
	cJSON_Delete(o);
	fc_service_clear(&s);
	return 0;
}

/* The tenants of `pin`: the arguments (comma-separated) and the file; usage errors printed. */
static int pin_tenants(const char *const *args, int nargs, const char *from, fc_tenants *out)
{
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	for (int i = 0; i < nargs && rc == 0; i++)
		rc = fc_tenants_parse(out, args[i], 0);
	if (rc == 0 && from &&
	    (rc = cli_read_file(from, (size_t)FC_PINS_MAX * (FC_TENANT_MAX + 2) + 65536, &text, &len)) == 0) {
		if (memchr(text, '\0', len))
			rc = fc_error_set(FC_EINVAL, "'%s' holds a NUL byte: not a list of tenants", from);
		else
			rc = fc_tenants_parse(out, text, 1);
	}
	free(text);
	if (rc == 0 && !out->n)
		rc = fc_error_set(FC_EINVAL, "no tenant given (TENANT[,TENANT] or --from FILE)");
	else if (rc == 0 && out->n > FC_PINS_MAX)
		rc = fc_error_set(FC_ELIMIT, "%zu tenants given: at most %d pins per service", out->n, FC_PINS_MAX);
	return rc < 0 ? cli_fail(rc) : 0;
}

/* `service pin NAME --in|--out|--unpin [TENANT,...] [--from FILE]` */
static int pin(struct cli *c, const char *const *pos, int npos, int in, int out, int unpin, const char *from)
{
	fc_tenants t = { NULL, 0 };
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	int rc;

	if (in + out + unpin != 1)
		return cli_usage(c, "'service pin' needs exactly one of --in, --out and --unpin");
	if (npos < 2)
		return cli_usage(c, "'service pin' needs a service name");
	if (npos < 3 && !from)
		return cli_usage(c, "'service pin' needs tenants: TENANT[,TENANT] or --from FILE");
	if ((rc = pin_tenants(pos + 2, npos - 2, from, &t)) == 0 && (rc = cli_open(c, &p)) == 0) {
		rc = fc_service_pin(p, pos[1], in ? FC_PIN_IN : out ? FC_PIN_OUT : FC_PIN_UNPIN, &t, &c->w, &o);
		rc = cli_outcome(c, rc, &o);
	}
	fc_outcome_clear(&o);
	fc_tenants_clear(&t);
	fc_plan_free(p);
	return rc;
}

static int list(struct cli *c, fc_plan *p)
{
	fc_service *all = NULL;
	size_t n = 0;
	int rc = fc_service_list(p, &all, &n);

	if (rc < 0)
		return cli_fail(rc);
	if (c->json) {
		cJSON *arr = fc_json_arr();
		for (size_t i = 0; i < n; i++)
			fc_json_push(arr, fc_service_to_json(&all[i]));
		cli_json("services", arr);
		cJSON_Delete(arr);
	} else {
		static const char *const hdr[] = { "SERVICE", "PHASE", "TRAFFIC", "FLAG", "ROUTE", "DOMAINS" };
		cli_table *t = cli_table_new(6, hdr);
		for (size_t i = 0; i < n; i++) {
			char pct[16];
			fc_buf d = FC_BUF_INIT;
			fc_pct_format(pct, sizeof(pct), all[i].bp);
			for (size_t j = 0; j < all[i].ndomains; j++)
				fc_buf_printf(&d, "%s%s", j ? "," : "", all[i].domains[j]);
			const char *row[] = { all[i].name, fc_phase_name(all[i].phase), pct, all[i].flag, all[i].route,
					      fc_buf_cstr(&d) };
			cli_table_add(t, row);
			fc_buf_free(&d);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	fc_services_free(all, n);
	return 0;
}

int cmd_service(struct cli *c, int argc, char **argv)
{
	const char *pos[66], *from = NULL;
	int pin_in = 0, pin_out = 0, unpin = 0;
	fc_service_edit e = FC_SERVICE_EDIT_INIT;
	cli_list gates = { 0 }, checks = { 0 };
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	int npos, rc;
	cli_opt opts[] = {
		{ "domain", 0, "D[,D]", "the domains the service takes over", &e.domains, NULL, NULL },
		{ "route", 0, "PREFIX", "path prefix routed to it, e.g. /api/tracking", &e.route, NULL, NULL },
		{ "flag", 0, "KEY", "flag key on the routers (default: the service name)", &e.flag, NULL, NULL },
		{ "router", 0, "R[,R]", "routers it is pushed to (default: all)", &e.routers, NULL, NULL },
		{ "needs", 0, "S[,S]", "services that must serve 100% before its read-cutover", &e.needs, NULL, NULL },
		{ "description", 0, "TEXT", "free-text description", &e.description, NULL, NULL },
		{ "gate", 0, "KEY=VALUE", "override a gate default (repeatable)", NULL, NULL, &gates },
		{ "check", 0, "NAME=COMMAND", "a check command (repeatable; 'NAME=' removes)", NULL, NULL, &checks },
		{ "check-timeout", 0, "DUR", "timeout of the checks given (default 5m)", &e.check_timeout, NULL, NULL },
		{ "in", 0, NULL, "pin: pin the tenants to the new service", NULL, &pin_in, NULL },
		{ "out", 0, NULL, "pin: pin the tenants to the monolith", NULL, &pin_out, NULL },
		{ "unpin", 0, NULL, "pin: remove the tenants' pins", NULL, &unpin, NULL },
		{ "from", 0, "FILE", "pin: tenants from FILE, one per line ('-': standard input)", &from, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 66, &npos)))
		goto done;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		goto done;
	}
	if (npos < 1) {
		rc = cli_usage(c, "which service verb: add, set, rm, list, show or pin?");
		goto done;
	}
	if (e.check_timeout) {
		int64_t secs;
		if (fc_duration_parse(&secs, e.check_timeout) < 0 || secs < 1) {
			rc = cli_usage(c, "--check-timeout '%s' is not a duration like 5m", e.check_timeout);
			goto done;
		}
	}
	e.gates = gates.v;
	e.ngates = gates.n;
	e.checks = checks.v;
	e.nchecks = checks.n;
	if (!strcmp(pos[0], "pin")) {
		rc = pin(c, pos, npos, pin_in, pin_out, unpin, from);
		goto done;
	}
	if (pin_in || pin_out || unpin || from) {
		rc = cli_usage(c, "--in, --out, --unpin and --from go with 'service pin'");
		goto done;
	}
	if (npos > 2) {
		rc = cli_usage(c, "too many arguments");
		goto done;
	}
	if (!strcmp(pos[0], "list")) {
		if (npos != 1) {
			rc = cli_usage(c, "'service list' takes no arguments");
			goto done;
		}
		if ((rc = cli_open_read(c, &p)) == 0)
			rc = list(c, p);
		goto done;
	}
	if (strcmp(pos[0], "add") && strcmp(pos[0], "set") && strcmp(pos[0], "rm") && strcmp(pos[0], "show")) {
		{
		static const char *const subs[] = { "add", "set", "rm", "list", "show", "pin", NULL };
		rc = cli_bad_subverb(c, "service", pos[0], subs);
	}
		goto done;
	}
	if (npos != 2) {
		rc = cli_usage(c, "'service %s' needs a service name", pos[0]);
		goto done;
	}
	if ((rc = !strcmp(pos[0], "show") ? cli_open_read(c, &p) : cli_open(c, &p)))
		goto done;
	if (!strcmp(pos[0], "show")) {
		rc = show(c, p, pos[1]);
		goto done;
	}
	if (!strcmp(pos[0], "add"))
		rc = fc_service_add(p, pos[1], &e, &c->w, &o);
	else if (!strcmp(pos[0], "set"))
		rc = fc_service_set(p, pos[1], &e, &c->w, &o);
	else
		rc = fc_service_rm(p, pos[1], &c->w, &o);
	rc = cli_outcome(c, rc, &o);
done:
	free(gates.v);
	free(checks.v);
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
