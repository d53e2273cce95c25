#ifndef FC_WATCH_H
#define FC_WATCH_H
/*
 * The watcher (floor 7, SPEC section 9): rounds that measure every
 * service's due analysis checks at once, record the results in one
 * commit, roll back (as an abort) a service whose analysis reached its
 * failure limit since the step began and confirm by read-back that every
 * replica holds 0%, and, when asked, promote what promote --ready would
 * (never an irreversible step, never the resume of a paused service).
 * No-data never acts: it holds, and says so.
 *
 * One watcher per plan: a flock'd file .git/ficus/watch.lock holds the
 * watcher's pid.  Its state (pid, running or stopped, last round) is a
 * row of the local table watch_state (migration 0009): status and the
 * dashboard read it; it is not in the plan repository.
 */
#include <signal.h>
#include <stddef.h>

#include "fc_clock.h"
#include "fc_plan.h"

typedef enum { FC_WATCH_INFO, FC_WATCH_WARN, FC_WATCH_ALERT } fc_watch_level;

/* One event of a round (strings borrowed for the callback's duration). */
typedef struct {
	const char *event;   /* "round", "check", "hold", "rollback", "verify", "promote", "left", "error" */
	fc_watch_level level;
	const char *service; /* NULL for the round */
	const char *check;
	const char *outcome; /* check: pass, fail, no-data, error */
	const char *detail;  /* one line */
	const char *commit;  /* the commit an action made, or NULL */
} fc_watch_event;

typedef struct {
	int promote;                  /* promote what is ready (never irreversible, never a resume) */
	const fc_write_opts *w;       /* actor (default "ficus watch"), dry_run */
	void (*log)(const fc_watch_event *e, void *ctx);
	void *ctx;
	volatile sig_atomic_t *stop;  /* set by a signal: the round ends after its current action */
} fc_watch_opts;

typedef struct {
	size_t measured, passes, failures, no_data, errors;
	size_t rolled_back, promoted;
	int unconfirmed;  /* a replica does not hold 0% after a rollback (or could not be read) */
	int failed;       /* an action failed */
	int stopped;      /* the stop flag ended the round early */
} fc_watch_summary;

/*
 * One round.  0 (what happened in *sum and through the log); a negative
 * code only when the plan could not be read.
 */
int fc_watch_round(fc_plan *p, const fc_watch_opts *o, fc_watch_summary *sum);

typedef struct fc_watch_lock fc_watch_lock;

/*
 * Become the plan's watcher.  FC_ECONFLICT naming the pid of the watcher
 * that holds the lock.
 */
int fc_watch_lock_take(fc_plan *p, fc_watch_lock **out);
void fc_watch_lock_release(fc_watch_lock *l);

typedef struct {
	int known;          /* 0: no watcher ever ran on this clone */
	long long pid;
	char state[16];     /* "running", "stopped", "dead" (running, but its process is gone) */
	fc_time started;
	fc_time last_round; /* 0: none yet */
} fc_watch_state;

/* Record this process as the watcher: "running" or "stopped"; last_round 0 leaves it. */
int fc_watch_state_set(fc_plan *p, const char *state, fc_time started, fc_time last_round);
int fc_watch_state_get(fc_plan *p, fc_watch_state *out);

#endif
