#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fc_watch.h"
#include "cli_step.h"
#include "fc_clock.h"
#include "fc_json.h"
#include "fc_life.h"
#include "fc_name.h"
#include "fc_notify.h"
#include "fc_notify_gate.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_svcdoc.h"

static const char usage[] =
	"usage: ficus status [SERVICE]\n"
	"   or: ficus status --watch [--interval DUR] [--count N]";
static const char desc[] =
	"Each service's phase and traffic, its next step, whether the gates of that\n"
	"step are open and when they open, with the reason and evidence of each gate.\n"
	"The answer is the one 'ficus promote' would act on (same core function).\n"
	"--watch redraws the table in place on a terminal every --interval (default\n"
	"2s), one frame after another when piped, until interrupted or --count\n"
	"frames.";

/*
 * The services written out as they come (fc_svcdoc), through a buffer of
 * 64 KiB reused (each page a process touches for the first time is a
 * fault).  `brief` (every service at once) leaves out the configuration and
 * the check history, which 'status SERVICE' and 'service show' give.
 */
typedef struct {
	fc_buf b;
	size_t n;
	int brief;
	char *watcher;  /* the "watcher" member, written before the services */
} json_out;

/*
 * The plan's watcher (ficus watch) as the local state has it:
 * "watcher": {"last_round": ..., "pid": N, "started": ..., "state": "running"}
 * ("state": "none" when no watcher ever ran here).
 */
static char *watcher_json(fc_plan *p)
{
	fc_watch_state ws;
	cJSON *o = fc_json_obj();
	fc_buf b = FC_BUF_INIT;
	char t[32];

	if (fc_watch_state_get(p, &ws) < 0)
		fc_error_clear();
	if (ws.last_round) {
		fc_time_format(t, sizeof(t), ws.last_round);
		fc_json_add_str(o, "last_round", t);
	} else {
		fc_json_add(o, "last_round", cJSON_CreateNull());
	}
	if (ws.known)
		fc_json_add_num(o, "pid", (double)ws.pid);
	if (ws.started) {
		fc_time_format(t, sizeof(t), ws.started);
		fc_json_add_str(o, "started", t);
	}
	fc_json_add_str(o, "state", ws.state);
	fc_json_render_compact(&b, o);
	cJSON_Delete(o);
	return fc_buf_detach(&b);
}

/* "watcher: running (pid 4242), last round 2026-01-01T00:00:00Z" for the header */
static void watcher_line(fc_plan *p)
{
	fc_watch_state ws;
	char t[32] = "none yet";

	if (fc_watch_state_get(p, &ws) < 0 || !ws.known) {
		fc_error_clear();
		printf("watcher: none\n");
		return;
	}
	if (ws.last_round)
		fc_time_format(t, sizeof(t), ws.last_round);
	printf("watcher: %s (pid %lld), last round %s\n", ws.state, ws.pid, t);
}

static void json_flush(json_out *o)
{
	fwrite(o->b.ptr, 1, o->b.len, stdout);
	o->b.len = 0;
}

static void json_service(json_out *o, const fc_service *s, const fc_step *st)
{
	if (!o->n) {
		fc_buf_puts(&o->b, cli_json_head());
		fc_buf_printf(&o->b, "  \"watcher\": %s,\n", o->watcher);
		fc_buf_puts(&o->b, "  \"services\": [");
		cli_json_streamed();
	}
	fc_buf_puts(&o->b, o->n ? ",\n    " : "\n    ");
	o->n++;
	fc_svcdoc_service(&o->b, s, st, 2, o->brief);
	if (o->b.len > (3u << 14))
		json_flush(o);
}

/* The webhooks with undelivered events: "notify": [...] of status --json. */
static void json_end(json_out *o, const cJSON *notify)
{
	if (!o->n) {
		fc_buf_puts(&o->b, cli_json_head());
		fc_buf_printf(&o->b, "  \"watcher\": %s,\n", o->watcher);
		fc_buf_puts(&o->b, "  \"services\": []");
		cli_json_streamed();
	} else
		fc_buf_puts(&o->b, "\n  ]");
	fc_buf_puts(&o->b, ",\n  \"notify\": ");
	if (notify)
		fc_json_render_compact(&o->b, notify);
	else
		fc_buf_puts(&o->b, "[]");
	fc_buf_puts(&o->b, "\n}\n");
	json_flush(o);
	fc_buf_free(&o->b);
	free(o->watcher);
}

/*
 * Notifications: gates that turned open since last seen become events
 * (when the plan lock is free at once: a reader never waits), and the
 * webhooks with undelivered events are one line each on stderr (text) or
 * "notify" (--json).
 */
static cJSON *notify_report(struct cli *c, fc_plan *p)
{
	fc_notify_hook_state *st = NULL;
	cJSON *arr = fc_json_arr();
	size_t n = 0;

	if (fc_plan_trylock(p) == 0) {
		fc_plan_unlock(p);
		fc_notify_gates(p, NULL);
	}
	if (fc_notify_states(fc_plan_store(p), &st, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		char *line = fc_notify_state_line(&st[i]);
		cJSON *o;
		if (!line)
			continue;
		if (!c->json)
			cli_note(c, "notify: %s", line);
		o = fc_json_obj();
		fc_json_add_str(o, "webhook", st[i].hook);
		fc_json_add_num(o, "undelivered", (double)st[i].undelivered);
		fc_json_add_num(o, "failed", (double)st[i].failed);
		fc_json_add_num(o, "last_status", (double)st[i].last_status);
		fc_json_add_str(o, "last_error", st[i].last_error);
		fc_json_add_str(o, "line", line);
		fc_json_push(arr, o);
		free(line);
	}
	fc_notify_states_free(st, n);
	fc_error_clear();
	return arr;
}

static void table_row(cli_table *t, const fc_service *s, const fc_step *st)
{
	char pct[24], next[64] = "-", *closed = fc_step_closed_line(st);
	char gates[128];

	fc_pct_format(pct, sizeof(pct), s->bp);
	if (s->shadow)
		strcat(pct, "+shadow");
	if (st->kind != FC_STEP_NONE)
		fc_state_format(next, sizeof(next), st->to_phase, st->to_bp);
	if (st->kind == FC_STEP_NONE)
		snprintf(gates, sizeof(gates), "-");
	else if (st->open)
		snprintf(gates, sizeof(gates), "open%s", st->irreversible ? " (needs --yes)" : "");
	else
		snprintf(gates, sizeof(gates), "closed: %s", closed);
	char opens[96];
	cli_step_opens(opens, sizeof(opens), st);
	const char *row[] = { s->name, fc_phase_name(s->phase), pct, next, gates, opens };
	cli_table_add(t, row);
	free(closed);
}

/* The plan-wide status: each service judged and written as it is read. */
typedef struct {
	fc_plan *p;
	const fc_settings *set;
	json_out *json; /* or */
	cli_table *table;
} status_walk;

static int status_one(fc_service *s, void *ctx)
{
	status_walk *w = ctx;
	fc_step step;
	int rc;

	if ((rc = fc_next_step_of(w->p, s, w->set, &step)) < 0)
		return rc;
	if (w->json)
		json_service(w->json, s, &step);
	else
		table_row(w->table, s, &step);
	fc_step_clear(&step);
	return 0;
}

static int status_all(struct cli *c, fc_plan *p, const fc_settings *set)
{
	static const char *const hdr[] = { "SERVICE", "PHASE", "TRAFFIC", "NEXT", "GATES", "OPENS" };
	status_walk w = { p, set, NULL, NULL };
	json_out out;
	int rc;

	if (c->json) {
		memset(&out, 0, sizeof(out));
		out.brief = 1;
		out.watcher = watcher_json(p);
		fc_buf_grow(&out.b, 1u << 16);
		w.json = &out;
	} else {
		if (c->tty)
			watcher_line(p);
		w.table = cli_table_new(6, hdr);
	}
	/*
	 * A failure part way (a damaged row) leaves the JSON written so far
	 * unfinished on standard output; the exit status and the message on
	 * standard error say so, as for any failed command.
	 */
	rc = fc_service_each(p, 1, status_one, &w);
	if (c->json) {
		if (rc == 0) {
			cJSON *notify = notify_report(c, p);
			json_end(&out, notify);
			cJSON_Delete(notify);
		}
		else
			json_flush(&out), fc_buf_free(&out.b), free(out.watcher);
	} else {
		if (rc == 0) {
			cli_table_print(c, w.table);
			cJSON_Delete(notify_report(c, p));
		}
		cli_table_free(w.table);
	}
	return rc < 0 ? cli_fail(rc) : 0;
}

/*
 * --watch: the table again every interval, in place on a terminal (cursor
 * home, clear), one frame after another when piped.  Each frame reads the
 * plan afresh (readers never wait for a writer).
 */
static int watch(struct cli *c, fc_plan *p, int64_t interval, long count)
{
	char now[32];
	int rc = 0;

	for (long frame = 0; !count || frame < count; frame++) {
		fc_settings set;
		memset(&set, 0, sizeof(set));
		if (frame) {
			struct timespec ts = { (time_t)interval, 0 };
			while (nanosleep(&ts, &ts) < 0)
				;
		}
		if (c->tty)
			fputs("\033[H\033[2J", stdout);
		fc_time_format(now, sizeof(now), fc_now());
		printf("ficus status at %s, every %llds%s\n", now, (long long)interval,
		       c->tty ? " (Ctrl-C stops)" : "");
		if ((rc = fc_settings_of(p, &set)) < 0)
			rc = cli_fail(rc);
		else
			rc = status_all(c, p, &set);
		fc_settings_clear(&set);
		if (!c->tty)
			putchar('\n');
		fflush(stdout);
		if (rc)
			break;
	}
	return rc;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	fc_service sv;
	fc_step step;
	fc_settings set;
	fc_plan *p = NULL;
	int npos, rc, want_watch = 0;
	const char *interval = NULL, *count = NULL;
	int64_t every = 2;
	long frames = 0;
	cli_opt opts[] = {
		{ "watch", 0, NULL, "redraw the table every interval until interrupted", NULL, &want_watch, NULL },
		{ "interval", 0, "DUR", "--watch: time between frames (default 2s)", &interval, NULL, NULL },
		{ "count", 0, "N", "--watch: stop after N frames", &count, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	memset(&set, 0, sizeof(set));
	memset(&sv, 0, sizeof(sv));
	memset(&step, 0, sizeof(step));
	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (interval || count || want_watch) {
		char *end = NULL;
		if (!want_watch)
			return cli_usage(c, "--interval and --count go with --watch");
		if (npos || c->json)
			return cli_usage(c, "--watch shows the table of every service: no SERVICE, no --json");
		if (interval && (fc_duration_parse(&every, interval) < 0 || every < 1))
			return cli_usage(c, "--interval '%s' is not a duration of a second or more", interval);
		if (count && ((frames = strtol(count, &end, 10)) < 1 || *end))
			return cli_usage(c, "--count '%s' must be a whole number above 0", count);
		if ((rc = cli_open_read(c, &p)))
			return rc;
		rc = watch(c, p, every, frames);
		fc_plan_free(p);
		return rc;
	}
	if ((rc = cli_open_read(c, &p)))
		return rc;
	if ((rc = fc_settings_of(p, &set)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (!npos) {
		rc = status_all(c, p, &set);
		goto done;
	}
	if ((rc = fc_service_get(p, pos[0], &sv)) < 0 ||
	    (rc = fc_next_step_of(p, &sv, &set, &step)) < 0) {
		rc = cli_fail(rc);
		goto done;
	}
	if (c->json) {
		/* the same document as the plan-wide one: one service in the list, in full */
		json_out out;
		cJSON *notify = notify_report(c, p);
		memset(&out, 0, sizeof(out));
		out.watcher = watcher_json(p);
		json_service(&out, &sv, &step);
		json_end(&out, notify);
		cJSON_Delete(notify);
	} else {
		char pct[16], since[32], tsince[32];
		fc_pct_format(pct, sizeof(pct), sv.bp);
		fc_time_format(since, sizeof(since), sv.phase_since);
		fc_time_format(tsince, sizeof(tsince), sv.step_since);
		printf("%s: %s since %s, traffic %s since %s%s\n", sv.name, fc_phase_name(sv.phase), since,
		       pct, tsince, sv.shadow ? ", shadow on" : "");
		cli_step_print(stdout, &step, "  ");
		if (sv.nresults) {
			printf("  recent checks:\n");
			for (size_t k = sv.nresults; k-- > 0;) {
				char at[32];
				char *d = fc_sanitize(sv.results[k].detail, 0);
				fc_time_format(at, sizeof(at), sv.results[k].at);
				printf("    %s %-12s %s %s\n", at, sv.results[k].name,
				       fc_check_result_outcome(&sv.results[k]) == FC_CHECK_FAIL ? "FAIL"
				       : fc_check_outcome_name(fc_check_result_outcome(&sv.results[k])), d);
				free(d);
			}
		}
		cJSON_Delete(notify_report(c, p));
	}
	rc = 0;
done:
	fc_step_clear(&step);
	fc_service_clear(&sv);
	fc_settings_clear(&set);
	fc_plan_free(p);
	return rc;
}
