#ifndef FC_PLAN_H
#define FC_PLAN_H
/*
 * A plan: its directory (the git plan repository's work tree), the SQLite
 * model kept in <gitdir>/ficus/plan.db (out of the repository), and the
 * write lock <gitdir>/ficus/lock.
 *
 * Opening a plan repairs an interrupted change first (see fc_change.h), so
 * every command starts from a state where the database and the repository
 * agree.
 */
#include <stddef.h>

#include "fc_clock.h"

typedef struct fc_plan fc_plan;
typedef struct fc_store fc_store;
typedef struct fc_repo fc_repo;

typedef struct {
	const char *dir;     /* --plan; NULL: FICUS_PLAN, else search upwards from cwd */
	int lock_timeout_ms; /* how long a writer waits for the lock */
	int create_db;       /* rebuild: create a missing database */
	int read_only;       /* the caller only reads: a database this user cannot write is opened read-only */
} fc_open_opts;
#define FC_OPEN_OPTS_INIT { NULL, 10000, 0, 0 }

/*
 * The longest reason, in bytes; a longer one is refused (FC_ELIMIT from
 * core, a usage error from the CLI).  How a reason is escaped in the
 * commit message: clean_reason() in fc_change.c, ficus-plan(5).
 */
#define FC_REASON_MAX 8192

/* Options of every writing action (the CLI's global write options). */
typedef struct {
	const char *actor;   /* "Name <email>" or a name; NULL: FICUS_ACTOR, git config, login */
	const char *reason;  /* commit message body, at most FC_REASON_MAX bytes */
	int dry_run;         /* evaluate, render, report; change nothing */
	int force;           /* pass closed gates (needs reason) */
	int yes;             /* confirm irreversible steps */
	const char *expect;  /* compare-and-swap: "PHASE", "PCT" or "PHASE PCT" */
	int interactive;     /* the face can confirm (a terminal); never set off a terminal */
	int offline_ok;      /* set by core for rollback: go on when the remote is unreachable */
} fc_write_opts;
#define FC_WRITE_OPTS_INIT { NULL, NULL, 0, 0, 0, NULL, 0, 0 }

/* What a writing action did (or, for a dry run, would do). */
typedef struct {
	int noop;            /* nothing to do: already in that state */
	int dry_run;
	char *note;          /* noop reason, or other note (caller frees via clear) */
	char change_id[16];
	char commit[41];
	char *message;       /* the commit message */
	char **paths;        /* plan files the change writes */
	size_t npaths;
	int router_status;   /* 0, or FC_ESYNC when a router was not updated */
	char *router_report; /* one line per replica pushed */
} fc_outcome;

void fc_outcome_clear(fc_outcome *o);

/*
 * Create a plan in `dir` (created if missing; must be empty or hold an
 * empty git repository).  FC_EEXISTS when it is already a plan.
 */
int fc_plan_init(fc_plan **out, const char *dir, const fc_write_opts *w, fc_outcome *outcome);

/*
 * Create a plan that shares `url` (origin): clone it when the remote
 * already holds a plan, else create one and push it there.
 */
int fc_plan_init_remote(fc_plan **out, const char *dir, const char *url, const fc_write_opts *w,
			fc_outcome *outcome);

/*
 * Fetch the remote and fast-forward the plan (database included), then
 * push local commits the remote lacks.  With `reset`, take the remote's
 * history even when the two diverged: local commits the remote lacks are
 * kept on a ref that *report names.  When the plan moved, the routers are
 * brought to it (FC_ESYNC when some replica was not).  *report says what
 * happened (caller frees).
 */
int fc_plan_sync(fc_plan *p, int reset, char **report);

/* Make `url` the plan's remote (origin). FC_EEXISTS when it has another. */
int fc_plan_set_remote(fc_plan *p, const char *url);


/* Open a plan.  FC_ENOTPLAN when none is found; FC_ESCHEMA; FC_ENOTFOUND
 * when the database is missing (run 'ficus rebuild'). */
int fc_plan_open(fc_plan **out, const fc_open_opts *o);
void fc_plan_free(fc_plan *p);

/* How many interrupted changes opening the plan finished (doctor reports it). */
int fc_plan_repaired(const fc_plan *p);
/* What opening the plan adopted (commits made outside ficus), or NULL (borrowed). */
const char *fc_plan_adopted(const fc_plan *p);

/* The plan directory (borrowed, absolute). */
const char *fc_plan_dir(const fc_plan *p);

/* Internal handles, for core modules (borrowed). */
fc_store *fc_plan_store(fc_plan *p);
fc_repo *fc_plan_repo(fc_plan *p);

/* Take and release the plan's write lock (waits lock_timeout_ms). */
int fc_plan_lock(fc_plan *p);
/* Take the lock only when it is free at once: FC_ECONFLICT otherwise. */
int fc_plan_trylock(fc_plan *p);
void fc_plan_unlock(fc_plan *p);

/*
 * Resolve the author: `actor` ("Name <email>" or "name"), else FICUS_ACTOR,
 * else git's user.name/user.email, else the login name.  Caller frees.
 */
int fc_plan_author(fc_plan *p, const char *actor, char **name, char **email);

/*
 * Recreate the database from the repository's HEAD.  The contents are
 * replaced in one SQLite transaction once the new ones are complete; the
 * file is never swapped under other processes (see fc_store_replace_from).
 */
int fc_plan_rebuild(fc_plan *p);

/*
 * Under the lock, before a change: finish commits an interrupted change
 * left, fast-forward to the remote-tracking branch when `fast_forward`
 * (> 0: a divergence is FC_ECONFLICT; < 0: go on locally with a *note),
 * and adopt a HEAD that moved outside this database (a commit made with
 * git, a fast-forward) by rebuilding from it.  *note (caller frees) says
 * what was adopted, or NULL.
 */
int fc_plan_catch_up(fc_plan *p, int fast_forward, char **note);

/*
 * Compare the database with HEAD.  0 when they agree; FC_EDRIFT with the
 * differences in *report (caller frees) otherwise.
 */
int fc_plan_verify(fc_plan *p, char **report);

#endif
