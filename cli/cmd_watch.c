#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_watch.h"

static const char usage[] = "usage: ficus watch [--interval DUR] [--once] [--promote]";
static const char desc[] =
	"Watch the plan: every --interval (default 15s) measure each service's due\n"
	"analysis checks (all at once, one commit for the round's results); roll back\n"
	"as an abort (flag 0%, shadow off; actor 'ficus watch', reason 'automatic\n"
	"rollback') any service in dual-write, backfill or read-cutover whose analysis\n"
	"failed its failure limit since the step began, then read every replica back\n"
	"to confirm 0%; with --promote, promote every service whose next gate is open\n"
	"(never an irreversible step, never the resume of a paused service). No-data\n"
	"never acts: it holds and says so. One event per line on stdout (--json: JSON\n"
	"lines). One watcher per plan: a second one exits 4 naming the first.\n"
	"SIGTERM or SIGINT ends it after its current action, exit 0. --once does one\n"
	"round: exit 5 when a rolled-back replica is not confirmed at 0%, 1 when an\n"
	"action failed.";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void log_event(const fc_watch_event *e, void *ctx)
{
	struct cli *c = ctx;
	char at[32];
	static const char *const levels[] = { "info", "warn", "alert" };

	fc_time_format(at, sizeof(at), fc_now());
	if (c->json) {
		cJSON *o = fc_json_obj();
		fc_buf b = FC_BUF_INIT;
		fc_json_add_num(o, "ficus", 1);
		fc_json_add_str(o, "at", at);
		fc_json_add_str(o, "event", e->event);
		fc_json_add_str(o, "level", levels[e->level]);
		if (e->service)
			fc_json_add_str(o, "service", e->service);
		if (e->check)
			fc_json_add_str(o, "check", e->check);
		if (e->outcome)
			fc_json_add_str(o, "outcome", e->outcome);
		if (e->detail)
			fc_json_add_str(o, "detail", e->detail);
		if (e->commit)
			fc_json_add_str(o, "commit", e->commit);
		fc_json_render_compact(&b, o);
		printf("%s\n", b.ptr);
		fc_buf_free(&b);
		cJSON_Delete(o);
	} else if (!c->quiet || e->level == FC_WATCH_ALERT) {
		char *d = fc_sanitize(e->detail ? e->detail : "", 0);
		printf("%s %-8s %s%s%s%s%s%s%s%s%s\n", at, e->event, e->service ? e->service : "-",
		       e->check ? " " : "", e->check ? e->check : "", e->outcome ? " " : "", e->outcome ? e->outcome : "",
		       *d ? ": " : "", d, e->commit ? " commit " : "", e->commit ? e->commit : "");
		free(d);
	}
	fflush(stdout);
}

static void log_line(struct cli *c, const char *event, fc_watch_level level, const char *detail)
{
	fc_watch_event e = { event, level, NULL, NULL, NULL, detail, NULL };
	log_event(&e, c);
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *interval = NULL;
	int npos, rc, once = 0, promote = 0;
	int64_t every = 15;
	fc_plan *p = NULL;
	fc_watch_lock *lock = NULL;
	fc_time started = fc_now();
	struct sigaction sa;
	cli_opt opts[] = {
		{ "interval", 0, "DUR", "time between rounds (default 15s)", &interval, NULL, NULL },
		{ "once", 0, NULL, "one round, then exit (a CI schedule, a systemd timer)", NULL, &once, NULL },
		{ "promote", 0, NULL, "also promote every service whose next gate is open", NULL, &promote, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (interval && (fc_duration_parse(&every, interval) < 0 || every < 1 || every > 86400))
		return cli_usage(c, "--interval '%s' is not a duration from 1s to 1d", interval);
	if (c->w.force || c->w.yes || c->w.expect)
		return cli_usage(c, "'watch' takes no --force, --yes or --expect: it never forces a gate");
	if ((rc = cli_open(c, &p)))
		return rc;
	if ((rc = fc_watch_lock_take(p, &lock)) < 0) {
		rc = cli_fail(rc); /* the error envelope, as any verb's */
		fc_plan_free(p);
		return rc;
	}
	if (c->json)
		cli_json_streamed(); /* from here, JSON lines, one per event */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!c->w.dry_run)
		fc_watch_state_set(p, "running", started, 0);
	{
		char *d = fc_asprintf("watching every %llds%s%s%s", (long long)every, promote ? ", promoting" : "",
				      once ? ", one round" : "",
				      c->w.dry_run ? "; dry run: what it would record and do, nothing changed" : "");
		log_line(c, "start", FC_WATCH_INFO, d);
		free(d);
	}
	rc = 0;
	for (;;) {
		fc_watch_opts wo = { promote, &c->w, log_event, c, &stop_flag };
		fc_watch_summary sum;
		int r;

		if (!p && (r = cli_open(c, &p))) {
			/* the plan could not be opened this round: say so, try again next round */
			log_line(c, "error", FC_WATCH_ALERT, "the plan could not be opened; trying again next round");
			if (once) {
				rc = r;
				break;
			}
		} else if ((r = fc_watch_round(p, &wo, &sum)) < 0) {
			log_line(c, "error", FC_WATCH_ALERT, fc_error_last());
			if (once)
				rc = EXIT_ERROR;
		} else {
			char *d = fc_asprintf("%zu measured (%zu pass, %zu fail, %zu no-data, %zu error), %zu rolled back, "
					      "%zu promoted%s", sum.measured, sum.passes, sum.failures, sum.no_data,
					      sum.errors, sum.rolled_back, sum.promoted,
					      sum.unconfirmed ? ", a rollback NOT CONFIRMED on every replica" : "");
			log_line(c, "round", sum.unconfirmed || sum.failed ? FC_WATCH_ALERT : FC_WATCH_INFO, d);
			free(d);
			if (!c->w.dry_run)
				fc_watch_state_set(p, "running", started, fc_now());
			if (once)
				rc = sum.unconfirmed ? EXIT_SYNC : sum.failed ? EXIT_ERROR : 0;
		}
		if (once || stop_flag)
			break;
		/* the plan afresh each round: a rebuild or a pull between rounds is seen */
		fc_plan_free(p);
		p = NULL;
		{
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			for (int64_t slept = 0; slept < every * 5 && !stop_flag; slept++)
				nanosleep(&ts, NULL);
		}
		if (stop_flag)
			break;
	}
	if (stop_flag)
		log_line(c, "stop", FC_WATCH_INFO, "stopped by a signal after its current action");
	if (!p)
		cli_open(c, &p);
	if (p && !c->w.dry_run)
		fc_watch_state_set(p, "stopped", started, 0);
	fc_watch_lock_release(lock);
	fc_plan_free(p);
	return rc;
}
