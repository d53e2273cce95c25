#ifndef FC_PLUMB_H
#define FC_PLUMB_H
/*
 * git's plumbing for one commit, done by hand: hash-object, write-tree
 * (from the index), commit-tree and update-ref, then the refresh of the
 * changed files and their index entries.  fc_repo uses it for the change
 * ficus makes on nearly every command (editing files the plan already
 * has) and libgit2 for everything else: loading and initialising libgit2
 * costs a change some 14 ms here (fc_git.h), more than the rest of the
 * change together.
 *
 * It only takes a repository it understands whole: HEAD a symbolic ref to
 * a loose branch whose commit is a loose object, both reflogs present, an
 * index of version 2 or 3 with no conflicts, no extended flags and no
 * extension but the cached tree and resolve-undo, whose entries make
 * exactly HEAD's tree; and a change that only edits regular files (not
 * executable) the index has.  Anything else answers FC_PLUMB_NO, having written nothing,
 * and the caller uses libgit2.  The objects, the commit, the ref, the
 * reflog lines and the index are those libgit2 writes for the same change
 * (tests/unit/test_fc_plumb.c makes both and compares them).
 *
 * Its lock files (refs/heads/<b>.lock, index.lock) carry "ficus PID", and
 * the new content goes through a side file renamed into place: a lock a
 * SIGKILL left behind is known for ficus's and taken by the next change
 * (libgit2's, like git's, would stop every commit until removed by hand).
 */
#include <stddef.h>
#include <sys/stat.h>

#include "fc_clock.h"
#include "fc_repo.h"

#define FC_PLUMB_NO 1

typedef struct fc_plumb fc_plumb;

/* A file as the refresh writes it: its bytes, blob id and mode. */
typedef struct {
	const char *path;
	const void *data;
	size_t len;
	unsigned char oid[20];
	unsigned mode; /* 0100644 or 0100755, as in the index */
} fc_plumb_blob;

/* The id git gives an object of `type` ("blob") with these bytes. */
void fc_plumb_hash(char out[FC_OID_HEX], const char *type, const void *data, size_t len);

/* 1 when the repository at gitdir looks like one fc_plumb_stage() takes (a few stats). */
int fc_plumb_likely(const char *gitdir);

/*
 * Write the blobs of `files` and the trees of HEAD + files; *unchanged is
 * 1 when the tree is HEAD's.  0 (*out to free), FC_PLUMB_NO, or an error.
 */
int fc_plumb_stage(fc_plumb **out, const char *gitdir, const fc_repo_file *files, size_t n,
		   int *unchanged);

/*
 * Commit the staged tree on its parent, authored by name/email at `when`
 * (the committer is ficus), and move the branch if it is still at the
 * parent: FC_ECONFLICT otherwise.  out_oid receives the commit id.
 */
int fc_plumb_commit(fc_plumb *pl, char out_oid[FC_OID_HEX], const char *message, const char *name,
		    const char *email, fc_time when);

/*
 * Move the branch HEAD names from `parent` to the commit `oid` (made by
 * libgit2), as fc_plumb_commit() does: its lock marked, its reflog lines.
 * 0, FC_ECONFLICT when the branch is no longer at `parent`, FC_PLUMB_NO
 * for a repository it does not take (a packed or detached HEAD, no
 * reflogs), having written nothing, or an error.
 */
int fc_plumb_move_head(const char *gitdir, const char parent_hex[FC_OID_HEX], const char oid_hex[FC_OID_HEX],
		       const char *message, fc_time when);

/* The staged files (borrowed), for fc_plumb_refresh(). */
const fc_plumb_blob *fc_plumb_blobs(const fc_plumb *pl, size_t *n);

void fc_plumb_free(fc_plumb *pl);

/*
 * The index a refresh wrote, as its caller keeps it between refreshes:
 * the file's identity and stat times, and its checksum (the trailer).
 * Zeroed, it knows nothing.
 */
typedef struct {
	struct stat st; /* device, inode, size, mtime and ctime are compared */
	unsigned char sum[20];
	int set;
} fc_plumb_seen;

/*
 * Write `b` into the work tree and their index entries (blob id, stat
 * data) into a copy of the index, under index.lock.  Only for files the
 * index has at stage 0 with the same mode; the cached tree extension is
 * dropped.  0, or FC_PLUMB_NO with the work tree as it was (a file
 * already rewritten is removed, for a checkout to write again).
 *
 * The index read is checksummed whole, unless `seen` (may be NULL) says
 * it is the one the last refresh wrote and nothing has written it since:
 * the same inode, size, mtime and ctime, and the same trailer (libgit2
 * trusts a stamp and trailer alike; git verifies only in fsck).  `seen`
 * is updated to the index written, or cleared.
 */
int fc_plumb_refresh(const char *gitdir, const char *workdir, const fc_plumb_blob *b, size_t n,
		     fc_plumb_seen *seen);

/*
 * fc_plumb_refresh() of the files `pl` staged (after fc_plumb_commit()),
 * with the index the stage read and parsed, if nothing has written it
 * since (the same stamp): a large plan's index is parsed once per change.
 */
int fc_plumb_refresh_staged(fc_plumb *pl, const char *workdir, fc_plumb_seen *seen);

#endif
