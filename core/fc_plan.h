#ifndef FC_PLAN_H
#define FC_PLAN_H
/*
 * A plan: its directory (the git plan repository's work tree), the SQLite
 * model kept in <gitdir>/ficus/plan.db (out of the repository), and the
 * write lock <gitdir>/ficus/lock.
 *
 * Opening a plan only opens it (floor 3 of core/README.md: a handle on the
 * store, the repository and the lock).  A command opens it through
 * fc_session_open, which also repairs an interrupted change, so that every
 * command starts from a state where the database and the repository agree.
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

/*
 * A router flag a change altered.  For a change that was made only the
 * name counts (the reconciler reads the desired state at push time); for
 * a dry run bp, shadow and rev hold the values the change would give it.
 */
typedef struct {
	char *flag;
	int bp;
	int shadow;
	long long rev;
	size_t npin_in, npin_out; /* dry run: the tenant pins the routers would hold */
	char *compare;  /* dry run: the "compare" member it would push, or NULL */
} fc_flag_value;

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
	fc_flag_value *flags; /* router flags the change altered, for the reconciler */
	size_t nflags;
} fc_outcome;

void fc_outcome_clear(fc_outcome *o);

/*
 * Create an empty plan in `dir` (created if missing; must be empty or hold
 * an empty git repository): the repository and a new database, no commit
 * yet (fc_session_init makes the first).  FC_EEXISTS when it is already a
 * plan.
 */
int fc_plan_create(fc_plan **out, const char *dir);

/*
 * Clone the plan at `url` into `dir` (as fc_plan_create for `dir`); the
 * database is not built yet (fc_change_rebuild builds it).
 */
int fc_plan_clone(fc_plan **out, const char *dir, const char *url);

/* Make `url` the plan's remote (origin). FC_EEXISTS when it has another. */
int fc_plan_set_remote(fc_plan *p, const char *url);

/*
 * The remote's URL as configured (remote.origin.url), or NULL (caller
 * frees).  Only the config value: no remote lookup (libgit2's leaks in a
 * long-running dashboard), no network.
 */
char *fc_plan_remote_url(fc_plan *p);


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

/* ---- the database file, for the rebuild (fc_change_rebuild) ---- */

/* The database's path (borrowed) and the lock timeout the plan was opened with. */
const char *fc_plan_db_path(const fc_plan *p);
int fc_plan_lock_timeout(const fc_plan *p);

/* Open the database when it exists and is not open yet; 1 when one is open. */
int fc_plan_load_db(fc_plan *p);

/*
 * Make `fresh` (a complete database at fresh_path) the plan's: its
 * contents replace the open database's in one SQLite transaction, this
 * clone's own tables (journal, router state) copied over first; with no
 * open database the file is renamed into place.  Takes `fresh`.
 */
int fc_plan_install_db(fc_plan *p, fc_store *fresh, const char *fresh_path);

/* Record what the session's repair did (fc_plan_repaired, fc_plan_adopted); takes `note`. */
void fc_plan_note_repaired(fc_plan *p, int n);
void fc_plan_set_adopted(fc_plan *p, char *note);

#endif
