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
 *   5. the journal row is marked 'committed' (later: routers, 'applied').
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

/* Name a router flag whose desired state the change alters (pushed after the commit). */
void fc_change_flag(fc_change *c, const char *flag);

/* Mark the change as nothing to do, with the reason shown to the user. */
void fc_change_noop(fc_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Finish: commit (or, for a dry run or no-op, roll back) and fill `out`.
 * Always releases the change.
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
 * Without the lock: when changes are 'committed' but not yet 'applied'
 * (killed before or during their router push), bring every flag that some
 * replica lacks to the plan's desired state, read now, and mark them
 * applied.  A router that stays unreachable stays pending for 'router sync'.
 */
int fc_change_settle(fc_plan *p);

/*
 * Everything above, for 'doctor' and opening a plan: lock, repair commits,
 * adopt a moved HEAD, unlock, settle.  *repaired receives the number of
 * changes whose commit was finished.
 */
int fc_change_repair(fc_plan *p, int *repaired);

#endif
