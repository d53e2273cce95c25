#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_clock.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_notify.h"
#include "fc_notify_edit.h"
#include "fc_settings.h"

static const char usage[] =
	"usage: ficus notify add NAME (--url URL | --url-file FILE) [--token-env VAR | --token-file FILE]\n"
	"                        [--events LIST] [--format json|slack]\n"
	"   or: ficus notify rm NAME\n"
	"   or: ficus notify list\n"
	"   or: ficus notify test NAME\n"
	"   or: ficus notify deliver [--retry-failed]";
static const char desc[] =
	"Webhooks that hear of the plan's events. 'add' records one in the plan\n"
	"settings (ficus.json, one commit). A URL that is a secret (a Slack incoming\n"
	"webhook's is) goes in a file of mode 600 named by --url-file: the plan keeps\n"
	"the path, never the URL; a URL is only ever shown as scheme://host[:port]/...\n"
	"A bearer token comes from --token-env or --token-file, like a router's.\n"
	"\n"
	"Events (--events, comma-separated; default every one but test): change\n"
	"(every committed change, manual or automatic), gate-open (a service's next\n"
	"gate turned open), push-failed (a change not applied on every router),\n"
	"drift (router verify found drift), test. Formats: json (one event object,\n"
	"see ficus-json(7)) or slack (an incoming-webhook message).\n"
	"\n"
	"Delivery happens after the change, outside the plan lock, in the background:\n"
	"it never fails or delays a change. Each event is POSTed with the header\n"
	"X-Ficus-Event (receivers drop repeats: delivery is at least once), tried up\n"
	"to 3 times in about 30 seconds, and recorded. 'list' shows each webhook with\n"
	"its last delivery; 'status' and 'doctor' show deliveries that failed, and\n"
	"'doctor --repair' retries them. 'test' sends one test event now and says how\n"
	"the receiver answered (exit 1 when it did not take it). 'deliver' delivers\n"
	"what is due now, in the foreground (ficus starts it in the background after\n"
	"each command that has something to deliver); --retry-failed also retries\n"
	"the deliveries that gave up.";

static void events_text(char *buf, size_t size, unsigned events)
{
	buf[0] = '\0';
	for (unsigned bit = 1; bit <= FC_EVENT_TEST; bit <<= 1)
		if (events & bit) {
			if (*buf)
				fc_fmt_cat(buf, size, ",");
			fc_fmt_cat(buf, size, fc_webhook_event_name(bit));
		}
}

static void last_text(char *buf, size_t size, const fc_notify_hook_state *st)
{
	char at[32];

	if (!st || !st->last_state) {
		snprintf(buf, size, "never");
		return;
	}
	fc_time_format(at, sizeof(at), st->last_at);
	if (st->last_state > 0)
		snprintf(buf, size, "delivered %s (%ld)", at, st->last_status);
	else
		snprintf(buf, size, "not delivered %s: %s", at, *st->last_error ? st->last_error : "no answer");
}

static int do_list(struct cli *c, fc_plan *p)
{
	fc_settings set;
	fc_webhook *hooks = NULL;
	fc_notify_hook_state *st = NULL;
	size_t n = 0, nst = 0;
	int rc;

	if ((rc = fc_settings_of(p, &set)) < 0)
		return cli_fail(rc);
	rc = fc_webhooks_parse(&hooks, &n, cJSON_GetObjectItemCaseSensitive(set.doc, "webhooks"), "settings");
	fc_settings_clear(&set);
	if (rc < 0 || (rc = fc_notify_states(fc_plan_store(p), &st, &nst)) < 0) {
		fc_webhooks_free(hooks, n);
		return cli_fail(rc);
	}
	if (c->json) {
		cJSON *doc = fc_json_obj(), *arr = fc_json_arr();
		for (size_t i = 0; i < n; i++) {
			const fc_notify_hook_state *s = fc_notify_state_of(st, nst, hooks[i].name);
			cJSON *o = fc_json_obj(), *ev = fc_json_arr(), *dl = fc_json_obj();
			char shown[256], at[32];
			fc_json_add_str(o, "name", hooks[i].name);
			if (hooks[i].url) {
				fc_webhook_url_shown(shown, sizeof(shown), hooks[i].url);
				fc_json_add_str(o, "url", shown);
			} else {
				fc_json_add(o, "url", cJSON_CreateNull());
			}
			fc_json_add(o, "url_file", hooks[i].url_file ? cJSON_CreateString(hooks[i].url_file) : cJSON_CreateNull());
			fc_json_add(o, "token_env", hooks[i].token_env ? cJSON_CreateString(hooks[i].token_env) : cJSON_CreateNull());
			fc_json_add(o, "token_file", hooks[i].token_file ? cJSON_CreateString(hooks[i].token_file) : cJSON_CreateNull());
			for (unsigned bit = 1; bit <= FC_EVENT_TEST; bit <<= 1)
				if (hooks[i].events & bit)
					fc_json_push(ev, cJSON_CreateString(fc_webhook_event_name(bit)));
			fc_json_add(o, "events", ev);
			fc_json_add_str(o, "format", hooks[i].slack ? "slack" : "json");
			fc_json_add_num(dl, "delivered", s ? (double)s->delivered : 0);
			fc_json_add_num(dl, "undelivered", s ? (double)s->undelivered : 0);
			fc_json_add_num(dl, "failed", s ? (double)s->failed : 0);
			if (s && s->last_state) {
				cJSON *last = fc_json_obj();
				fc_time_format(at, sizeof(at), s->last_at);
				fc_json_add_str(last, "state", s->last_state > 0 ? "delivered" : "not-delivered");
				fc_json_add_num(last, "status", (double)s->last_status);
				fc_json_add_str(last, "error", s->last_error);
				fc_json_add_num(last, "attempts", s->last_attempts);
				fc_json_add_str(last, "at", at);
				fc_json_add(dl, "last", last);
			} else {
				fc_json_add(dl, "last", cJSON_CreateNull());
			}
			fc_json_add(o, "deliveries", dl);
			fc_json_push(arr, o);
		}
		fc_json_add(doc, "webhooks", arr);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (!n) {
		cli_note(c, "no webhooks configured; see 'ficus notify add --help'");
	} else {
		static const char *const hdr[] = { "WEBHOOK", "URL", "EVENTS", "FORMAT", "TOKEN", "UNDELIVERED", "LAST" };
		cli_table *t = cli_table_new(7, hdr);
		for (size_t i = 0; i < n; i++) {
			const fc_notify_hook_state *s = fc_notify_state_of(st, nst, hooks[i].name);
			char url[300], ev[96], tok[300], und[24], last[400];
			if (hooks[i].url)
				fc_webhook_url_shown(url, sizeof(url), hooks[i].url);
			else
				snprintf(url, sizeof(url), "file:%s", hooks[i].url_file);
			events_text(ev, sizeof(ev), hooks[i].events);
			if (hooks[i].token_env)
				snprintf(tok, sizeof(tok), "env:%s", hooks[i].token_env);
			else if (hooks[i].token_file)
				snprintf(tok, sizeof(tok), "file:%s", hooks[i].token_file);
			else
				snprintf(tok, sizeof(tok), "-");
			snprintf(und, sizeof(und), "%ld", s ? s->undelivered : 0L);
			last_text(last, sizeof(last), s);
			const char *row[] = { hooks[i].name, url, ev, hooks[i].slack ? "slack" : "json", tok, und, last };
			cli_table_add(t, row);
		}
		cli_table_print(c, t);
		cli_table_free(t);
	}
	fc_notify_states_free(st, nst);
	fc_webhooks_free(hooks, n);
	return 0;
}

static int do_test(struct cli *c, fc_plan *p, const char *name)
{
	fc_notify_answer a;
	char *body = NULL;
	int rc = fc_notify_send_test(p, name, c->w.actor, c->w.dry_run, &a, &body);

	if (rc < 0)
		return cli_fail(rc);
	if (c->json) {
		cJSON *doc = fc_json_obj();
		fc_json_add_str(doc, "webhook", name);
		fc_json_add_str(doc, "url", a.url);
		fc_json_add_bool(doc, "dry_run", c->w.dry_run);
		if (c->w.dry_run) {
			cJSON *pl = body ? cJSON_Parse(body) : NULL;
			fc_json_add(doc, "payload", pl ? pl : cJSON_CreateNull());
		} else {
			fc_json_add_bool(doc, "delivered", a.delivered);
			fc_json_add_num(doc, "status", (double)a.status);
			fc_json_add_num(doc, "ms", (double)a.ms);
		}
		fc_json_add_str(doc, "error", a.error);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (c->w.dry_run) {
		printf("dry run: nothing sent\n\nwould POST to %s (webhook '%s'):\n    %s\n", a.url, name, body ? body : "");
		if (a.error[0])
			cli_err("warning: webhook '%s': %s", name, a.error);
	} else if (a.delivered) {
		printf("webhook '%s' (%s): delivered: HTTP %ld in %ld ms\n", name, a.url, a.status, a.ms);
	} else {
		cli_err("webhook '%s' (%s): not delivered: %s", name, a.url, a.error[0] ? a.error : "no answer");
	}
	free(body);
	if (c->json && !c->w.dry_run && !a.delivered)
		cli_json_error(a.error[0] ? a.error : "not delivered");
	return c->w.dry_run || a.delivered ? 0 : EXIT_ERROR;
}

static int do_deliver(struct cli *c, fc_plan *p, int retry_failed)
{
	char *report = NULL;
	int failed = 0, rc = fc_notify_deliver(p, retry_failed, FC_NOTIFY_ATTEMPTS, &report, &failed);

	if (rc < 0) {
		free(report);
		return cli_fail(rc);
	}
	if (c->json) {
		cJSON *doc = fc_json_obj(), *lines = fc_json_arr();
		for (char *l = strtok(report, "\n"); l; l = strtok(NULL, "\n"))
			fc_json_push(lines, cJSON_CreateString(l));
		fc_json_add(doc, "deliveries", lines);
		fc_json_add_num(doc, "not_delivered", failed);
		cli_json(NULL, doc);
		cJSON_Delete(doc);
	} else if (!c->quiet) {
		fputs(*report ? report : "nothing to deliver\n", stdout);
	}
	free(report);
	if (failed) {
		cli_err("%d event%s not delivered", failed, failed == 1 ? "" : "s");
		return EXIT_ERROR;
	}
	return 0;
}

int cmd_notify(struct cli *c, int argc, char **argv)
{
	static const char *const subs[] = { "add", "rm", "list", "test", "deliver", NULL };
	const char *pos[3], *sub;
	const char *url = NULL, *url_file = NULL, *token_env = NULL, *token_file = NULL, *events = NULL,
		   *format = NULL;
	int npos, rc, retry_failed = 0;
	fc_outcome o = { 0 };
	fc_plan *p = NULL;
	cli_opt opts[] = {
		{ "url", 0, "URL", "add: the http(s) URL to POST to (kept in the plan)", &url, NULL, NULL },
		{ "url-file", 0, "FILE", "add: a file (mode 600) holding the URL, for a URL that is a secret", &url_file,
		  NULL, NULL },
		{ "token-env", 0, "VAR", "add: environment variable holding a bearer token", &token_env, NULL, NULL },
		{ "token-file", 0, "FILE", "add: file holding a bearer token (mode 600)", &token_file, NULL, NULL },
		{ "events", 0, "LIST", "add: change,gate-open,push-failed,drift,test or all (default: all but test)",
		  &events, NULL, NULL },
		{ "format", 0, "FMT", "add: json (default) or slack", &format, NULL, NULL },
		{ "retry-failed", 0, NULL, "deliver: retry the deliveries that gave up too", NULL, &retry_failed, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 3, &npos)))
		goto done;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		goto done;
	}
	if (npos < 1) {
		rc = cli_usage(c, "which notify verb: add, rm, list or test?");
		goto done;
	}
	sub = pos[0];
	if (strcmp(sub, "add") && strcmp(sub, "rm") && strcmp(sub, "list") && strcmp(sub, "test") &&
	    strcmp(sub, "deliver")) {
		rc = cli_bad_subverb(c, "notify", sub, subs);
		goto done;
	}
	if (strcmp(sub, "add") && (url || url_file || token_env || token_file || events || format)) {
		rc = cli_usage(c, "the webhook options go with 'notify add'");
		goto done;
	}
	if (retry_failed && strcmp(sub, "deliver")) {
		rc = cli_usage(c, "--retry-failed goes with 'notify deliver'");
		goto done;
	}
	if (!strcmp(sub, "deliver")) {
		if (npos != 1) {
			rc = cli_usage(c, "'notify deliver' takes no arguments");
			goto done;
		}
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = do_deliver(c, p, retry_failed);
		goto done;
	}
	if (!strcmp(sub, "list")) {
		if (npos != 1) {
			rc = cli_usage(c, "'notify list' takes no arguments");
			goto done;
		}
		if ((rc = cli_open_read(c, &p)))
			goto done;
		rc = do_list(c, p);
		goto done;
	}
	if (npos != 2) {
		rc = cli_usage(c, "'notify %s' needs one webhook name", sub);
		goto done;
	}
	if (fc_name_check("webhook", pos[1]) < 0) {
		rc = cli_fail(FC_EINVAL);
		goto done;
	}
	if (!strcmp(sub, "add")) {
		fc_notify_spec sp = FC_NOTIFY_SPEC_INIT;
		if (!url == !url_file) {
			rc = cli_usage(c, "'notify add' needs exactly one of --url and --url-file");
			goto done;
		}
		if (token_env && token_file) {
			rc = cli_usage(c, "--token-env and --token-file: one or the other");
			goto done;
		}
		if (format && strcmp(format, "json") && strcmp(format, "slack")) {
			rc = cli_usage(c, "--format '%s': json or slack", format);
			goto done;
		}
		sp.name = pos[1];
		sp.url = url;
		sp.url_file = url_file;
		sp.token_env = token_env;
		sp.token_file = token_file;
		sp.events = events;
		sp.format = format;
		if ((rc = cli_open(c, &p)))
			goto done;
		rc = fc_notify_add(p, &sp, &c->w, &o);
		rc = cli_outcome(c, rc, &o);
		if (rc == 0 && !o.noop && !o.dry_run && !c->json)
			cli_note(c, "'ficus notify test %s' sends a test event now", pos[1]);
		goto done;
	}
	if ((rc = cli_open(c, &p)))
		goto done;
	if (!strcmp(sub, "rm")) {
		rc = fc_notify_rm(p, pos[1], &c->w, &o);
		rc = cli_outcome(c, rc, &o);
	} else {
		rc = do_test(c, p, pos[1]);
	}
done:
	fc_outcome_clear(&o);
	fc_plan_free(p);
	return rc;
}
