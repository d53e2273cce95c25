#ifndef FC_CHANGE_H
#define FC_CHANGE_H
/*
 * One change: the model rows, a journal row, one commit.
 *
 * Protocol (crash safety):
 *   1. take the plan lock (flock: released by the kernel if we die), repair
 *      any change an earlier process left half-done;
 *   2. BEGIN IMMEDIATE; the action writes its rows and names the plan
 *      files it touched; the files are rendered from the new rows and the
 *      tree is built; an unchanged tree is "nothing to do";
 *   3. the journal row (message, author, time, paths) is inserted and the
 *      transaction commits: the change now exists;
 *   4. the git commit is made (the ref moves only from the expected parent);
 *   5. the journal row is marked 'committed' with this process as its owner;
 *      the lock is released and the commit published to the remote;
 *   6. the session (fc_session.h) hands the altered flags to the router
 *      reconciler and marks the row 'applied'.  This floor never talks
 *      to a router.
 * A kill between 3 and 4 is repaired by re-rendering the journal's paths
 * and committing with the stored message; a kill between 4 and 5 is
 * repaired by finding the change id in HEAD's Ficus-Change trailer.  So a
 * commit is made once, never twice, and never without its rows.
 */
#include "fc_plan.h"

typedef struct fc_change fc_change;

/* Begin a change (lock, repair, transaction). */
int fc_change_begin(fc_change **out, fc_plan *p, const fc_write_opts *w);

/* The store, inside the change's transaction (borrowed). */
fc_store *fc_change_store(fc_change *c);
fc_plan *fc_change_plan(fc_change *c);
const fc_write_opts *fc_change_opts(fc_change *c);

/* Name a plan file the change may have altered. */
void fc_change_touch(fc_change *c, const char *path);

void fc_change_subject(fc_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a trailer; values are made one line (control characters removed). */
void fc_change_trailer(fc_change *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Add a paragraph to the commit body, after the reason (escaped like the
 * reason: it can never be read as a trailer).
 */
void fc_change_body(fc_change *c, const char *text);

/* Name a router flag whose desired state the change alters (pushed after the commit). */
void fc_change_flag(fc_change *c, const char *flag);

/* Mark the change as nothing to do, with the reason shown to the user. */
void fc_change_noop(fc_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Finish: commit (or, for a dry run or no-op, roll back) and fill `out`.
 * A change that was made is committed, the lock released and the commit
 * published (a change that lost a race on the remote is FC_ECONFLICT and
 * hands out no flag); out->flags names the router flags it altered (for a
 * dry run, with the values it would give them).  Its journal row stays
 * 'committed' until fc_change_applied: call fc_session_finish, which
 * pushes the flags, rather than this.  Always releases the change.
 */
int fc_change_finish(fc_change *c, fc_outcome *out);

/* Abandon: roll back, release.  Accepts NULL. */
void fc_change_abort(fc_change *c);

/*
 * Under the plan lock (taken if not held): commit the changes that an
 * interrupted process left between the database commit and the git
 * commit, once each (a commit already made is found by its Ficus-Change
 * trailer on HEAD).  Their journal rows become 'committed'.
 */
int fc_change_repair_commits(fc_plan *p, int *repaired);

/*
 * The journal rows of changes that are 'committed' but not 'applied' and
 * whose process is gone (killed before or during its router push): their
 * ids into *ids (caller frees).  A row whose process still runs is that
 * process's to finish.
 */
int fc_change_unsettled(fc_plan *p, long long **ids, size_t *n);

/* Mark those rows 'applied' (their flags were handed to the routers). */
int fc_change_settled(fc_plan *p, const long long *ids, size_t n);

/* Mark one change 'applied' by its id (after its router push). */
int fc_change_applied(fc_plan *p, const char *change_id);

/*
 * A rollback's publish, after its router push: push to the remote,
 * briefly, then in the background.  *note (caller frees) says what was
 * not done, or NULL.  0, FC_ESYNC (still publishing in the background) or
 * another error.
 */
int fc_change_publish_soon(fc_plan *p, char **note);

/*
 * For 'doctor' and the session's open: lock, repair commits, adopt a
 * moved HEAD, unlock (settling the routers is the session's:
 * fc_session_repair).  *repaired receives the number of changes whose
 * commit was finished.
 */
int fc_change_repair(fc_plan *p, int *repaired);

/*
 * Under the lock, before a change: finish commits an interrupted change
 * left, fast-forward to the remote-tracking branch when `fast_forward`
 * (> 0: a divergence is FC_ECONFLICT; < 0: go on locally with a *note),
 * and adopt a HEAD that moved outside this database (a commit made with
 * git, a fast-forward) by rebuilding from it.  *note (caller frees) says
 * what was adopted, or NULL.
 */
int fc_change_catch_up(fc_plan *p, int fast_forward, char **note);

/*
 * Recreate the database from the repository's HEAD.  The contents are
 * replaced in one SQLite transaction once the new ones are complete; the
 * file is never swapped under other processes (fc_plan_install_db).
 */
int fc_change_rebuild(fc_plan *p);

/*
 * Compare the database with HEAD.  0 when they agree; FC_EDRIFT with the
 * differences in *report (caller frees) otherwise.
 */
int fc_change_verify(fc_plan *p, char **report);

/*
 * For 'doctor': leftovers of killed processes in .git, and an index or
 * work tree that differs from HEAD; with `repair`, remove the stale ones
 * and reset to HEAD.  One line per finding into *lines (caller frees the
 * strings and the array); what is still wrong afterwards counts in
 * *problems.
 */
int fc_change_check_files(fc_plan *p, int repair, char ***lines, size_t *nlines, int *problems);

/*
 * Test seam for the crash tests: FICUS_TEST_KILL=<point> kills the
 * process with SIGKILL at that point (db, commit, push).
 */
void fc_change_test_kill(const char *point);

#endif
