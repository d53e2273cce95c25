#ifndef FC_REPO_H
#define FC_REPO_H
/*
 * The plan repository, through libgit2 only.  The only module that writes it.
 *
 * Commits are built from in-memory blobs on top of HEAD's tree (never from
 * the working tree, which a user may have edited), then the working tree
 * and the index are refreshed for the paths that changed.  The committer
 * is ficus; the author is the actor.  A ref update only succeeds when HEAD
 * is still the parent the tree was built on, so two writers can never both
 * commit on one parent.
 */
#include <stddef.h>

#include "fc_clock.h"

typedef struct fc_repo fc_repo;

#define FC_OID_HEX 41 /* 40 hex digits and a NUL */

typedef struct {
	const char *path;  /* "domains/tracking.json" */
	const char *data;  /* NULL removes the path */
	size_t len;
} fc_repo_file;

typedef struct {
	char oid[FC_OID_HEX];
	char *author_name;
	char *author_email;
	fc_time when;
	char *message;         /* whole message */
	char *subject;         /* first line */
	char *body;            /* between the subject and the trailers */
	size_t ntrailers;
	char **keys;
	char **values;
	int outside;           /* made outside ficus (git itself): no ficus committer or Ficus-Change; ungated */
} fc_commit_info;

void fc_commit_info_clear(fc_commit_info *c);
/* Value of trailer `key` (borrowed) or NULL. */
const char *fc_commit_trailer(const fc_commit_info *c, const char *key);

/* Create a repository with no commits in `dir` (which may exist, empty). */
int fc_repo_init(fc_repo **out, const char *dir);
/*
 * Open the repository whose work tree is `dir`.  FC_ENOTPLAN if none, or
 * when it is bare, belongs to another user, or has a format libgit2
 * cannot read (an object format other than sha1, a repository format
 * version other than 0 or 1, an extension it does not know): the message
 * says what to do.
 */
int fc_repo_open(fc_repo **out, const char *dir);
void fc_repo_free(fc_repo *r);

/* The .git directory (borrowed). */
const char *fc_repo_gitdir(const fc_repo *r);

/* 1 when HEAD points at a commit, 0 for an unborn branch. */
int fc_repo_has_head(fc_repo *r);

/* A value from git config, all its levels as libgit2 reads them (caller frees), or NULL. */
char *fc_repo_config(fc_repo *r, const char *key);

int fc_repo_set_config(fc_repo *r, const char *key, const char *value);

/*
 * Build the tree HEAD + `files`.  *unchanged is 1 when it equals HEAD's tree.
 * The tree id is kept in the repo handle for fc_repo_commit().
 */
int fc_repo_stage(fc_repo *r, int *unchanged, const fc_repo_file *files, size_t n);

/*
 * Commit the staged tree on top of HEAD with `message`, authored by
 * name/email at `when`; the ref moves only if HEAD is still the staged
 * parent (FC_ECONFLICT otherwise).  out_oid receives the new commit id.
 */
int fc_repo_commit(fc_repo *r, char out_oid[FC_OID_HEX], const char *message,
		   const char *name, const char *email, fc_time when);

/*
 * Make the working tree and the index match HEAD for `paths` (best
 * effort: 0, or the first failure; the other paths are still done).
 */
int fc_repo_checkout(fc_repo *r, const char *const *paths, size_t n);

/*
 * Where the index or the work tree differs from HEAD (tracked files; a
 * killed writer's half-staged change): "index differs from HEAD at 'P'"
 * lines in *report (caller frees; "" when they agree).  0 or FC_ERROR.
 */
int fc_repo_differs(fc_repo *r, char **report);

/* Make the index and the work tree HEAD's again (git reset --hard).  0 or FC_ERROR. */
int fc_repo_reset_to_head(fc_repo *r);

/* HEAD's commit (caller clears).  FC_ENOTFOUND for an unborn HEAD. */
int fc_repo_head_info(fc_repo *r, fc_commit_info *out);

/*
 * Call `cb` for each blob in HEAD's tree (path, bytes).  A non-zero return
 * from cb stops the walk and is returned.  `max_len` caps a single file.
 */
int fc_repo_each_file(fc_repo *r, size_t max_len,
		      int (*cb)(const char *path, const char *data, size_t len, void *ctx), void *ctx);

/* Call `cb` for each blob in HEAD's tree with its id (no contents read). */
int fc_repo_each_oid(fc_repo *r,
		     int (*cb)(const char *path, const char *oid, void *ctx), void *ctx);

/* The blob id git would give `data`. */
int fc_repo_hash(char out[FC_OID_HEX], const char *data, size_t len);

/*
 * Walk history from HEAD, newest first.  `cb` returns non-zero to stop
 * (that value is returned; 1 is success).  Parsed trailers included.
 */
int fc_repo_log(fc_repo *r, int (*cb)(const fc_commit_info *c, void *ctx), void *ctx);

/* Parse a commit message into subject/body/trailers of `out` (no oid). */
int fc_commit_parse_message(fc_commit_info *out, const char *message);

#endif

/* ---- remote (origin) ---- */

/* 1 when the plan repository has an 'origin' remote. */
int fc_repo_has_remote(fc_repo *r);
/* Add 'origin' with `url`. */
int fc_repo_add_remote(fc_repo *r, const char *url);

/*
 * Remote operations run in a child process bounded by ficus.remoteTimeout
 * (git config, seconds; FICUS_REMOTE_TIMEOUT overrides; default 30) after a
 * connect probe bounded by ficus.remoteConnectTimeout (default 5), and are
 * serialised per plan on <gitdir>/ficus/remote-lock.  FC_ERROR when the
 * remote is unreachable or too slow.
 */
int fc_repo_remote_timeout_ms(fc_repo *r);

/* Fetch origin's main into refs/remotes/origin/main (the plan is untouched). */
int fc_repo_fetch(fc_repo *r);
/* The same, giving up (and stopping it) after wait_ms: FC_ECONFLICT then. */
int fc_repo_fetch_quick(fc_repo *r, int wait_ms);

/*
 * Local: when refs/remotes/origin/main is ahead of HEAD, fast-forward HEAD
 * and the working tree and set *moved.  When the two have diverged,
 * FC_ECONFLICT.  *ahead is set when HEAD has commits origin lacks.
 */
int fc_repo_fast_forward(fc_repo *r, int *moved, int *ahead);

/* fc_repo_fetch(), then fc_repo_fast_forward(). */
int fc_repo_fetch_ff(fc_repo *r, int *moved, int *ahead);

/* Push main to origin.  FC_ECONFLICT when origin moved (non-fast-forward). */
int fc_repo_push(fc_repo *r);

/*
 * Push main to origin, waiting at most wait_ms: past that the push goes on
 * in the background (it still ends at the remote timeout) and FC_ESYNC is
 * returned with *pid set.
 */
int fc_repo_push_soon(fc_repo *r, int wait_ms, long *pid);

/* HEAD's commit id.  FC_ENOTFOUND for an unborn HEAD. */
int fc_repo_head_oid(fc_repo *r, char out[FC_OID_HEX]);

/*
 * Local: make HEAD (and the working tree) what refs/remotes/origin/main is
 * (fetch first).  Local commits the remote lacks are kept on a ref
 * refs/ficus/set-aside/<time>-<pid>; *report (caller frees, NULL when
 * nothing was set aside) names it and lists them.
 */
int fc_repo_reset_to_remote(fc_repo *r, char **report);

/* 1 when the remote at `url` has a main branch (a plan to clone), else 0 (or FC_ERROR). */
int fc_repo_remote_has_plan(const char *url);

/* Clone the plan at `url` into `dir`. */
int fc_repo_clone(fc_repo **out, const char *url, const char *dir);
