/*
 * The dashboard's two helper threads.
 *
 * router thread: every FICUS_DASH_REFRESH seconds (default 5), or at once
 *   when asked, reads the routers (fc_rreport_verify: live, records what it
 *   saw; with --readonly fc_rreport_status: the recorded state, nothing
 *   written) and hands a snapshot to the main thread.
 * worker thread: runs one job at a time: an action (the same core call as
 *   the CLI verb) or a ':' command (this binary, on a pty, output captured).
 *
 * Each thread opens its own fc_plan handle: core handles are not
 * thread-safe and the last-error buffer is per thread.  Results are handed
 * over under d->mu and the main loop is woken through a pipe; the main
 * thread never waits for either of them while it reads keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "tui.h"

extern char **environ;

#define OUTPUT_MAX (8u << 20)

static size_t snap_counter;
static pid_t child_pid; /* the ':' command running, 0 if none (guarded by d->mu) */

void job_free(job *j)
{
	if (!j)
		return;
	free(j->service);
	free(j->check);
	free(j->detail);
	free(j->reason);
	free(j->expect);
	free(j->actor);
	free(j->title);
	for (size_t i = 0; i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->err);
	fc_outcome_clear(&j->out);
	fc_step_clear(&j->st);
	fc_check_run_free(j->runres, j->nrun);
	free(j->output);
	free(j);
}

static void snap_free(router_snap *s)
{
	if (!s)
		return;
	fc_rstate_result_clear(&s->res);
	fc_shadow_reports_free(s->shadow, s->nshadow);
	free(s->error);
	free(s);
}

static void wake(dash *d)
{
	char c = 1;
	ssize_t n = write(d->wake[1], &c, 1);
	(void)n; /* a full pipe already wakes the main loop */
}

void bg_drain(dash *d)
{
	char buf[64];
	while (read(d->wake[0], buf, sizeof(buf)) > 0)
		;
}

static void deadline_in(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += secs;
}

static void *router_main(void *arg)
{
	dash *d = arg;
	fc_plan *p = NULL;
	fc_open_opts oo = FC_OPEN_OPTS_INIT;

	oo.dir = d->plan_dir;
	oo.lock_timeout_ms = 2000;
	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		router_snap *s = fc_calloc(1, sizeof(*s));
		int rc;

		d->refresh_req = 0;
		pthread_mutex_unlock(&d->mu);
		if (!p && (rc = fc_session_open(&p, &oo)) < 0) {
			p = NULL;
			s->rc = rc;
			s->error = fc_strdup(fc_error_last());
		} else if (!d->opts->readonly) {
			rc = fc_rreport_verify(p, NULL, &s->res);
			s->live = 1;
			if (rc < 0 && rc != FC_EDRIFT && rc != FC_ESYNC) {
				/* could not even ask: show what was recorded */
				fc_rstate_result_clear(&s->res);
				s->live = 0;
				rc = fc_rreport_status(p, NULL, &s->res);
			}
			s->rc = rc;
			if (rc < 0)
				s->error = fc_strdup(fc_error_last());
			/* shadow compare counters: read beside the flags, never on the keyboard's time */
			if (fc_shadow_report_all(p, &s->shadow, &s->nshadow) < 0)
				fc_error_clear();
		} else {
			rc = fc_rreport_status(p, NULL, &s->res);
			s->rc = rc;
			if (rc < 0)
				s->error = fc_strdup(fc_error_last());
		}
		fc_error_clear();
		s->at = fc_now();
		pthread_mutex_lock(&d->mu);
		s->gen = ++snap_counter;
		snap_free(d->snap_pending);
		d->snap_pending = s;
		wake(d);
		if (d->refresh_secs > 0) {
			struct timespec ts;
			deadline_in(&ts, d->refresh_secs);
			while (!d->stop && !d->refresh_req)
				if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
					break;
		} else {
			while (!d->stop && !d->refresh_req)
				pthread_cond_wait(&d->cv, &d->mu);
		}
	}
	pthread_mutex_unlock(&d->mu);
	fc_plan_free(p);
	return NULL;
}

/* ---- ':' commands: this binary on a pty, output captured ---- */

static char **child_env(dash *d, job *j)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = fc_calloc(n + 8, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (!strncmp(e, "FICUS_PLAN=", 11) || !strncmp(e, "FICUS_DASH_", 11) || !strncmp(e, "NO_COLOR=", 9) ||
		    !strncmp(e, "COLUMNS=", 8) || (j->actor && !strncmp(e, "FICUS_ACTOR=", 12)))
			continue;
		env[k++] = fc_strdup(e);
	}
	env[k++] = fc_asprintf("FICUS_PLAN=%s", d->plan_dir);
	env[k++] = fc_strdup("NO_COLOR=1");
	env[k++] = fc_asprintf("COLUMNS=%d", j->cols > 20 ? j->cols : 80);
	if (j->actor)
		env[k++] = fc_asprintf("FICUS_ACTOR=%s", j->actor);
	env[k] = NULL;
	return env;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int run_command(dash *d, job *j)
{
	int master = -1, slave = -1, rc = -1, status = 0;
	char name[128], buf[8192];
	char **argv = NULL, **env = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	struct winsize ws;
	fc_buf out = FC_BUF_INIT;
	pid_t pid;

	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		fc_error_set(FC_ERROR, "cannot open a pseudo-terminal for the command: %s", strerror(errno));
		goto done;
	}
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = (unsigned short)(j->cols > 20 ? j->cols : 80);
	ws.ws_row = 50;
	ioctl(slave, TIOCSWINSZ, &ws);
	argv = fc_calloc(j->argc + 2, sizeof(char *));
	argv[0] = fc_strdup("ficus");
	for (size_t i = 0; i < j->argc; i++)
		argv[i + 1] = fc_strdup(j->argv[i]);
	env = child_env(d, j);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, slave, 1);
	posix_spawn_file_actions_adddup2(&fa, slave, 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	/* a session of its own: no controlling terminal, so nothing can prompt on ours */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(slave);
	slave = -1;
	if (rc != 0) {
		fc_error_set(FC_ERROR, "cannot run ficus: %s", strerror(rc));
		rc = -1;
		goto done;
	}
	pthread_mutex_lock(&d->mu);
	child_pid = pid;
	pthread_mutex_unlock(&d->mu);
	for (;;) {
		struct pollfd pfd = { master, POLLIN, 0 };
		ssize_t n;
		if (poll(&pfd, 1, 200) == 0)
			continue;
		n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO: the command closed the terminal */
		for (ssize_t i = 0; i < n && out.len < OUTPUT_MAX; i++)
			if (buf[i] != '\r')
				fc_buf_putc(&out, buf[i]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&d->mu);
	child_pid = 0;
	pthread_mutex_unlock(&d->mu);
	j->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (out.len >= OUTPUT_MAX)
		fc_buf_puts(&out, "\n[output cut at 8 MiB]\n");
	j->output = fc_buf_detach(&out);
	rc = 0;
done:
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	fc_buf_free(&out);
	strv_free(argv);
	strv_free(env);
	return rc;
}

static void run_job(dash *d, fc_plan **pp, job *j)
{
	fc_write_opts w = FC_WRITE_OPTS_INIT;
	int rc;

	if (j->kind == JOB_COMMAND) {
		if ((rc = run_command(d, j)) < 0) {
			j->rc = rc;
			j->err = fc_strdup(fc_error_last());
		}
		return;
	}
	if (!*pp) {
		fc_open_opts oo = FC_OPEN_OPTS_INIT;
		oo.dir = d->plan_dir;
		if (d->opts->lock_timeout_ms > 0)
			oo.lock_timeout_ms = d->opts->lock_timeout_ms;
		if ((rc = fc_session_open(pp, &oo)) < 0) {
			*pp = NULL;
			j->rc = rc;
			j->err = fc_strdup(fc_error_last());
			return;
		}
	}
	/* the CLI's write options: same actor rules, the typed reason */
	w.actor = j->actor;
	w.reason = j->reason;
	w.force = j->force;
	w.yes = j->yes;
	w.expect = j->expect;
	w.interactive = 1;
	switch (j->kind) {
	case JOB_PROMOTE:
		rc = fc_promote(*pp, j->service, NULL, &w, &j->st, &j->out);
		break;
	case JOB_ROLLBACK:
		rc = fc_rollback(*pp, j->service, NULL, &w, &j->out);
		break;
	case JOB_SHADOW:
		rc = fc_shadow(*pp, j->service, j->on, &w, &j->out);
		break;
	case JOB_CHECK_RUN:
		rc = fc_check_run(*pp, j->service, NULL, &w, &j->runres, &j->nrun, &j->out);
		break;
	case JOB_CHECK_RECORD:
		rc = fc_check_record(*pp, j->service, j->check, j->pass, j->detail, &w, &j->out);
		break;
	default:
		rc = fc_error_set(FC_EINVAL, "unknown job");
		break;
	}
	j->rc = rc;
	if (rc < 0) {
		const char *m = fc_error_last();
		j->err = fc_strdup(m && *m ? m : fc_strerror(rc));
	}
	fc_error_clear();
}

static void *worker_main(void *arg)
{
	dash *d = arg;
	fc_plan *p = NULL;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		job *j;
		while (!d->stop && !d->job_queued)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stop && !d->job_queued)
			break;
		j = d->job_queued;
		d->job_queued = NULL;
		d->job_running = j;
		pthread_mutex_unlock(&d->mu);
		run_job(d, &p, j);
		pthread_mutex_lock(&d->mu);
		d->job_running = NULL;
		job_free(d->job_done); /* never adopted: cannot happen, but do not leak */
		d->job_done = j;
		wake(d);
	}
	pthread_mutex_unlock(&d->mu);
	fc_plan_free(p);
	return NULL;
}

int bg_start(dash *d)
{
	sigset_t all, old;
	int rc = 0;

	if (pipe2(d->wake, O_NONBLOCK | O_CLOEXEC) < 0)
		return fc_error_set(FC_ERROR, "cannot create a pipe: %s", strerror(errno));
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	/* signals (SIGWINCH, SIGINT) belong to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&d->router_th, NULL, router_main, d) != 0 ||
	    pthread_create(&d->worker_th, NULL, worker_main, d) != 0)
		rc = fc_error_set(FC_ERROR, "cannot start the dashboard's threads");
	else
		d->threads_started = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Wait for a thread at most `ms`; 0 when it ended. */
static int join_within(pthread_t th, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(th, NULL, &ts);
}

int bg_stop(dash *d)
{
	int router_left = 0;

	if (!d->threads_started)
		return 0;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	if (child_pid > 0)
		kill(child_pid, SIGTERM); /* the ':' command we started */
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	/* a change in progress is finished (it is one commit, never half of one) */
	pthread_join(d->worker_th, NULL);
	/* a router read may be waiting on a dead router: do not wait for its timeout */
	if (join_within(d->router_th, 300) != 0) {
		pthread_detach(d->router_th);
		router_left = 1;
	}
	d->threads_started = 0;
	if (router_left)
		return 1; /* the thread still uses d: leave it all to process exit */
	snap_free(d->snap_pending);
	snap_free(d->snap);
	d->snap_pending = d->snap = NULL;
	job_free(d->job_done);
	job_free(d->job_queued);
	d->job_done = d->job_queued = NULL;
	close(d->wake[0]);
	close(d->wake[1]);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	return 0;
}

/*
 * Under d->mu: a job queued, running, or done and not yet adopted.  The
 * last counts: the headless script must not step (or dump) between the
 * worker's finishing and the main loop's adopting, nor a new job start.
 */
static int busy_locked(const dash *d)
{
	return d->job_queued || d->job_running || d->job_done;
}

int bg_submit(dash *d, job *j)
{
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (busy_locked(d))
		rc = -1;
	else
		d->job_queued = j;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void bg_refresh_now(dash *d)
{
	pthread_mutex_lock(&d->mu);
	d->refresh_req = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

int bg_busy(dash *d)
{
	int busy;
	pthread_mutex_lock(&d->mu);
	busy = busy_locked(d);
	pthread_mutex_unlock(&d->mu);
	return busy;
}

void bg_adopt(dash *d)
{
	router_snap *s;
	job *j;

	pthread_mutex_lock(&d->mu);
	s = d->snap_pending;
	d->snap_pending = NULL;
	j = d->job_done;
	d->job_done = NULL;
	pthread_mutex_unlock(&d->mu);
	if (s) {
		snap_free(d->snap);
		d->snap = s;
		if (d->pager && d->pager->regen)
			d->pager->width = -1;
	}
	if (j) {
		dash_job_done(d, j);
		job_free(j);
	}
}
