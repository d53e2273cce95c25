#ifndef FC_LEFTOVER_H
#define FC_LEFTOVER_H
/*
 * Leftovers: the files a killed git, libgit2 or ficus process leaves in a
 * plan's git directory, which block the next writer or litter the plan.
 *
 *   git locks       .git/index.lock, HEAD.lock, packed-refs.lock, config.lock,
 *                   .git/refs/ ** /NAME.lock
 *   ficus work      NAME.ficus-PID in the work tree (a plan file being
 *                   written) or in .git, .git/ficus-NAME.new,
 *                   .git/ficus/plan.db.rebuild*
 *   libgit2 temps   .git/objects/ tmp_object_git2_*, objects/XX/tmp_object_git2_*
 *
 * Paths are relative to the plan's top directory, the parent of `gitdir`
 * (which must end in "/.git").
 *
 * A lock or temp file is stale when no live process has it open and it is
 * older than FC_LEFTOVER_MIN_AGE seconds (git closes a ref lock before it
 * renames it: the age covers that instant).  Whether a process has it open
 * is read from /proc/PID/fd: Linux only, and only the processes whose
 * descriptors this user may read (root reads all; elsewhere a process of
 * another user holding a lock in the plan is not seen).  A NAME.ficus-PID
 * file is stale when process PID is gone.  Nothing here needs libgit2.
 */
#include <stddef.h>

#define FC_LEFTOVER_MIN_AGE 2

typedef struct {
	char *path;       /* relative to the plan's top: ".git/index.lock" */
	const char *kind; /* "git lock", "ficus work file", "libgit2 temp file" (static) */
	int stale;        /* 1: may be removed; 0: a live process holds it */
} fc_leftover;

/*
 * Every leftover under `gitdir`, in path order, into *out (*n of them;
 * the caller frees with fc_leftover_free).  0, or FC_ERROR when gitdir
 * cannot be read.
 */
int fc_leftover_list(const char *gitdir, fc_leftover **out, size_t *n);

void fc_leftover_free(fc_leftover *l, size_t n);

/*
 * Remove the stale entries of `l` (paths under gitdir's parent); *removed
 * counts them.  An entry that is gone already counts as removed.  0, or
 * FC_ERROR naming the first file that could not be removed (the others
 * are still tried).
 */
int fc_leftover_remove_stale(const char *gitdir, const fc_leftover *l, size_t n, size_t *removed);

/*
 * List and remove the stale leftovers that block a writer (locks, work
 * files, the temp files at the object store's top; the fan-out directories
 * are doctor's) in one call, for a writer that holds the plan lock before
 * it stages and commits.  Under that lock no other ficus writes them, so
 * a file no process has open is taken however young it is (a remote
 * operation's files keep the age guard while it runs).  *report (caller frees; may be NULL) is "removed stale git
 * lock '.git/refs/heads/main.lock'" lines, or "" when nothing was left
 * over.  0 or FC_ERROR.
 */
int fc_leftover_take_stale(const char *gitdir, char **report);

/* 1 when a live process (that this user can see) has `path` open, else 0. */
int fc_leftover_in_use(const char *path);

#endif
