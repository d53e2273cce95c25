#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_leftover.h"
#include "fc_gitconfig.h"
#include "fc_plumb.h"
#include "fc_repo.h"

struct fc_repo {
	git_repository *repo;   /* NULL until first needed (see repo_ready) */
	char *workdir;          /* the plan directory, for a deferred open */
	pthread_t init_thread;  /* lib_init() running beside the caller */
	int init_pending;       /* init_thread not joined yet */
	int init_ok;            /* init_thread's lib_init() succeeded (read after the join) */
	int lib_held;           /* this handle holds a git_libgit2_init() */
	git_oid staged_tree;
	git_oid staged_parent;
	int staged;
	int has_parent;
	fc_plumb *plumb;        /* staged without libgit2 (fc_plumb.h), until the refresh */
	fc_plumb_seen seen;     /* the index the last refresh wrote */
	char *gitdir;
	int ident;              /* 0 not read, 1 user.name/email read without libgit2, -1 libgit2's to read */
	char *ident_val[2];     /* user.name, user.email when ident is 1 (NULL: not set) */
};

static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();
	return fc_error_set(code, "%s: git: %s", what, e && e->message ? e->message : "unknown error");
}

void fc_commit_info_clear(fc_commit_info *c)
{
	size_t i;

	if (!c)
		return;
	free(c->author_name);
	free(c->author_email);
	free(c->message);
	free(c->subject);
	free(c->body);
	for (i = 0; i < c->ntrailers; i++) {
		free(c->keys[i]);
		free(c->values[i]);
	}
	free(c->keys);
	free(c->values);
	memset(c, 0, sizeof(*c));
}

const char *fc_commit_trailer(const fc_commit_info *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->ntrailers; i++)
		if (strcasecmp(c->keys[i], key) == 0)
			return c->values[i];
	return NULL;
}

static fc_repo *wrap(git_repository *repo)
{
	fc_repo *r = fc_calloc(1, sizeof(*r));
	const char *gd = git_repository_path(repo);
	size_t n = strlen(gd);

	r->repo = repo;
	r->lib_held = 1;
	r->gitdir = fc_strndup(gd, n && gd[n - 1] == '/' ? n - 1 : n);
	return r;
}

/*
 * Take a reference with git_libgit2_init(), which the caller gives back
 * with git_libgit2_shutdown().  0, or FC_ERROR.
 */
static int lib_init(void)
{
	if (git_libgit2_init() < 0)
		return git_fail(FC_ERROR, "initialising libgit2");
	return 0;
}

static void *lib_init_main(void *arg)
{
	fc_repo *r = arg;

	/* a failure is remembered: lib_acquire() reports it on the caller's thread */
	r->init_ok = lib_init() == 0;
	return NULL;
}

/* Wait for the background init, if any; it holds the reference it took. */
static void lib_join(fc_repo *r)
{
	if (r->init_pending) {
		pthread_join(r->init_thread, NULL);
		r->init_pending = 0;
		r->lib_held = r->init_ok;
	}
}

/* Hold libgit2 loaded and initialised: 0, or FC_ERROR (see lib_init). */
static int lib_acquire(fc_repo *r)
{
	int rc;

	lib_join(r);
	if (!r->lib_held) {
		if ((rc = lib_init()) < 0)
			return rc;
		r->lib_held = 1;
	}
	return 0;
}

static int surely_no_remote(const fc_repo *r);

int fc_repo_commits_alone(fc_repo *r)
{
	return r && r->workdir && fc_plumb_likely(r->gitdir) && surely_no_remote(r);
}

void fc_repo_warm(fc_repo *r)
{
	if (r && !r->lib_held && !r->init_pending)
		r->init_pending = pthread_create(&r->init_thread, NULL, lib_init_main, r) == 0;
}

static void lib_release(fc_repo *r)
{
	lib_join(r);
	if (r->lib_held) {
		git_libgit2_shutdown();
		r->lib_held = 0;
	}
}

/*
 * Opening the repository is deferred to its first use: loading libgit2
 * (about 6 ms here, see fc_git.h) and git_libgit2_init(), which loads the
 * system's CA certificates for its TLS stream (some 8 ms), are wasted on
 * commands that only read the database (status, order, service list, the
 * dashboard's first frame): they never touch git.  The deferral is only
 * taken when the open cannot fail or differ later (short of libgit2 itself
 * missing, which every use of git reports): a canonical work tree whose
 * .git is a plain directory with HEAD and objects, no commondir (linked
 * work tree), and a config that neither includes other files nor says the
 * repository is bare.  Anything else is opened at once, as before.
 */
static int config_line_ok(const char *line)
{
	const char *v;
	char val[16];
	size_t k = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!strncasecmp(line, "[include", 8))
		return 0;
	if (strncasecmp(line, "bare", 4) || (line[4] && line[4] != ' ' && line[4] != '\t' && line[4] != '=' &&
					      line[4] != '\n' && line[4] != '\r'))
		return 1;
	if (!(v = strchr(line, '=')))
		return 0; /* "bare" alone means true */
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	while (k + 1 < sizeof(val) && v[k] && v[k] != ' ' && v[k] != '\t' && v[k] != '\n' && v[k] != '\r' &&
	       v[k] != ';' && v[k] != '#') {
		val[k] = v[k];
		k++;
	}
	val[k] = '\0';
	return !strcasecmp(val, "false") || !strcasecmp(val, "no") || !strcasecmp(val, "off") || !strcmp(val, "0");
}

static int can_defer(const char *dir, char **gitdir)
{
	char real[4096], path[4200], line[1024];
	struct stat st;
	FILE *f;
	int ok = 1;

	*gitdir = NULL;
	if (!realpath(dir, real) || strcmp(real, dir))
		return 0;
	snprintf(path, sizeof(path), "%s/.git", dir);
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/.git/HEAD", dir);
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/.git/objects", dir);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/.git/commondir", dir);
	if (lstat(path, &st) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/.git/config", dir);
	if (!(f = fopen(path, "r")))
		return 0;
	while (ok && fgets(line, sizeof(line), f))
		ok = config_line_ok(line);
	fclose(f);
	if (ok)
		*gitdir = fc_asprintf("%s/.git", dir);
	return ok;
}

/*
 * Why git_repository_open_ext failed with `gerr`.  A plan owned by another
 * user (read by a reader with fewer rights) is refused by libgit2 as git
 * refuses it, unless safe.directory names it: say so.  (libgit2 1.5 says
 * GIT_ENOTFOUND instead of GIT_EOWNER when there is no global config, so
 * the owner is looked at here.)
 */
static int open_failed(int gerr, const char *dir)
{
	char *gitdir = fc_asprintf("%s/.git", dir);
	struct stat st;
	int other = gerr == GIT_EOWNER || (stat(gitdir, &st) == 0 && st.st_uid != geteuid());

	free(gitdir);
	if (other)
		return fc_error_set(FC_ENOTPLAN,
			"'%s' belongs to another user: git reads it only where safe.directory names it "
			"(git config --global --add safe.directory '%s')", dir, dir);
	return fc_error_set(FC_ENOTPLAN, "'%s' is not a git repository", dir);
}

/* Open a deferred repository (a no-op once open). */
static int repo_ready(fc_repo *r)
{
	git_repository *repo = NULL;
	int rc;

	if (r->repo)
		return 0;
	if ((rc = lib_acquire(r)) < 0)
		return rc;
	if ((rc = git_repository_open_ext(&repo, r->workdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0) {
		lib_release(r);
		return open_failed(rc, r->workdir);
	}
	if (git_repository_is_bare(repo)) {
		git_repository_free(repo);
		lib_release(r);
		return fc_error_set(FC_ENOTPLAN, "'%s' is a bare repository, not a plan", r->workdir);
	}
	r->repo = repo;
	return 0;
}

int fc_repo_init(fc_repo **out, const char *dir)
{
	git_repository *repo = NULL;
	git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	int rc;

	*out = NULL;
	if ((rc = lib_init()) < 0)
		return rc;
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	o.initial_head = "main";
	/* an existing repository is opened (the caller refuses one with history) */
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 &&
	    git_repository_init_ext(&repo, dir, &o) < 0) {
		rc = git_fail(FC_ERROR, "creating the plan repository");
		git_libgit2_shutdown();
		return rc;
	}
	*out = wrap(repo);
	return 0;
}

int fc_repo_open(fc_repo **out, const char *dir)
{
	git_repository *repo = NULL;
	char *gitdir = NULL;
	int rc;

	*out = NULL;
	if (can_defer(dir, &gitdir)) {
		fc_repo *r = fc_calloc(1, sizeof(*r));
		r->workdir = fc_strdup(dir);
		r->gitdir = gitdir;
		*out = r;
		return 0;
	}
	if ((rc = lib_init()) < 0)
		return rc;
	if ((rc = git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0) {
		git_libgit2_shutdown();
		return open_failed(rc, dir);
	}
	if (git_repository_is_bare(repo)) {
		git_repository_free(repo);
		git_libgit2_shutdown();
		return fc_error_set(FC_ENOTPLAN, "'%s' is a bare repository, not a plan", dir);
	}
	*out = wrap(repo);
	return 0;
}

void fc_repo_free(fc_repo *r)
{
	if (!r)
		return;
	if (r->repo)
		git_repository_free(r->repo);
	lib_release(r);
	fc_plumb_free(r->plumb);
	free(r->gitdir);
	free(r->workdir);
	free(r->ident_val[0]);
	free(r->ident_val[1]);
	free(r);
}

const char *fc_repo_gitdir(const fc_repo *r)
{
	return r->gitdir;
}

int fc_repo_has_head(fc_repo *r)
{
	git_oid oid;
	return repo_ready(r) == 0 && git_reference_name_to_id(&oid, r->repo, "HEAD") == 0;
}

static const char *const ident_keys[2] = { "user.name", "user.email" };

int fc_repo_identity_plain(fc_repo *r)
{
	if (!r->ident)
		r->ident = fc_gitconfig_plain(r->gitdir, ident_keys, 2, r->ident_val) ? 1 : -1;
	return r->ident == 1;
}

char *fc_repo_config(fc_repo *r, const char *key)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	char *v = NULL;

	/* the identity without starting libgit2 for it, when the files say it simply */
	for (int i = 0; i < 2; i++)
		if (!r->repo && !strcmp(key, ident_keys[i]) && fc_repo_identity_plain(r))
			return r->ident_val[i] ? fc_strdup(r->ident_val[i]) : NULL;
	if (repo_ready(r) < 0 || git_repository_config_snapshot(&cfg, r->repo) < 0)
		return NULL;
	if (git_config_get_string_buf(&buf, cfg, key) == 0 && buf.ptr && *buf.ptr)
		v = fc_strdup(buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return v;
}

int fc_repo_set_config(fc_repo *r, const char *key, const char *value)
{
	git_config *cfg = NULL;
	int rc = 0;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_repository_config(&cfg, r->repo) < 0)
		return git_fail(FC_ERROR, "opening git config");
	if (value ? git_config_set_string(cfg, key, value) < 0
		  : (git_config_delete_entry(cfg, key) < 0 && git_error_last() &&
		     git_error_last()->klass != GIT_ERROR_CONFIG))
		rc = git_fail(FC_ERROR, "writing git config");
	git_config_free(cfg);
	return rc;
}

static int head_commit(fc_repo *r, git_commit **out)
{
	git_oid oid;
	int rc;

	*out = NULL;
	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_reference_name_to_id(&oid, r->repo, "HEAD") < 0)
		return FC_ENOTFOUND;
	if (git_commit_lookup(out, r->repo, &oid) < 0)
		return git_fail(FC_ERROR, "reading HEAD");
	return 0;
}

int fc_repo_stage(fc_repo *r, int *unchanged, const fc_repo_file *files, size_t n)
{
	git_commit *head = NULL;
	git_tree *base = NULL;
	git_tree_update *ups = NULL;
	git_treebuilder *tb = NULL;
	size_t i;
	int rc = 0;

	fc_leftover_take_stale(r->gitdir, NULL); /* a killed process's locks would block the commit */
	r->staged = 0;
	r->has_parent = 0;
	*unchanged = 0;
	fc_plumb_free(r->plumb);
	r->plumb = NULL;
	/* a repository can_defer() took is one fc_plumb may take */
	if (r->workdir && (rc = fc_plumb_stage(&r->plumb, r->gitdir, files, n, unchanged)) != FC_PLUMB_NO) {
		r->staged = rc == 0;
		return rc;
	}
	rc = head_commit(r, &head);
	if (rc == FC_ENOTFOUND) {
		rc = 0;
	} else if (rc < 0) {
		return rc; /* nothing to free, and libgit2 may not be loaded at all */
	} else {
		git_oid_cpy(&r->staged_parent, git_commit_id(head));
		r->has_parent = 1;
		if (git_commit_tree(&base, head) < 0) {
			rc = git_fail(FC_ERROR, "reading HEAD's tree");
			goto done;
		}
	}
	if (!base) {
		/* an empty baseline tree for the first commit */
		git_oid empty;
		if (git_treebuilder_new(&tb, r->repo, NULL) < 0 || git_treebuilder_write(&empty, tb) < 0 ||
		    git_tree_lookup(&base, r->repo, &empty) < 0) {
			rc = git_fail(FC_ERROR, "creating an empty tree");
			goto done;
		}
	}
	ups = fc_calloc(n, sizeof(*ups));
	for (i = 0; i < n; i++) {
		ups[i].path = files[i].path;
		if (!files[i].data) {
			git_tree_entry *e = NULL;
			/* removing a path that is not there is a no-op, not an error */
			if (git_tree_entry_bypath(&e, base, files[i].path) < 0) {
				ups[i].action = GIT_TREE_UPDATE_UPSERT;
				ups[i].path = NULL;
				continue;
			}
			git_tree_entry_free(e);
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].filemode = GIT_FILEMODE_BLOB;
		if (git_blob_create_from_buffer(&ups[i].id, r->repo, files[i].data, files[i].len) < 0) {
			rc = git_fail(FC_ERROR, "writing a blob");
			goto done;
		}
	}
	/* compact away skipped removals */
	{
		size_t k = 0;
		for (i = 0; i < n; i++)
			if (ups[i].path)
				ups[k++] = ups[i];
		n = k;
	}
	if (git_tree_create_updated(&r->staged_tree, r->repo, base, n, ups) < 0) {
		rc = git_fail(FC_ERROR, "building the plan tree");
		goto done;
	}
	*unchanged = r->has_parent && git_oid_equal(&r->staged_tree, git_tree_id(base));
	r->staged = 1;
done:
	free(ups);
	git_treebuilder_free(tb);
	git_tree_free(base);
	git_commit_free(head);
	return rc;
}

int fc_repo_commit(fc_repo *r, char out_oid[FC_OID_HEX], const char *message,
		   const char *name, const char *email, fc_time when)
{
	git_signature *author = NULL, *committer = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_oid oid;
	const git_commit *parents[1];
	int rc = 0;

	if (!r->staged)
		return fc_error_set(FC_ERROR, "nothing staged to commit");
	if (r->plumb) {
		if ((rc = fc_plumb_commit(r->plumb, out_oid, message, name, email, when)) == 0)
			r->staged = 0;
		return rc;
	}
	if (git_signature_new(&author, name, email, (git_time_t)when, 0) < 0 ||
	    git_signature_new(&committer, "ficus", "ficus@localhost", (git_time_t)when, 0) < 0) {
		rc = git_fail(FC_EINVAL, "commit author");
		goto done;
	}
	if (git_tree_lookup(&tree, r->repo, &r->staged_tree) < 0 ||
	    (r->has_parent && git_commit_lookup(&parent, r->repo, &r->staged_parent) < 0)) {
		rc = git_fail(FC_ERROR, "preparing the commit");
		goto done;
	}
	parents[0] = parent;
	/*
	 * The branch moves under fc_plumb's marked lock where it can: a kill
	 * between libgit2's lock and its rename would leave an unmarked
	 * refs/heads/<b>.lock that stops every later commit until removed by
	 * hand.  Else (the first commit, a packed or detached HEAD) libgit2
	 * moves it: the commit object is the same one, written again.
	 */
	if (r->has_parent && git_commit_create(&oid, r->repo, NULL, author, committer, "UTF-8", message, tree, 1,
					       parents) == 0) {
		char parent_hex[FC_OID_HEX];
		git_oid_tostr(parent_hex, sizeof(parent_hex), &r->staged_parent);
		git_oid_tostr(out_oid, FC_OID_HEX, &oid);
		rc = fc_plumb_move_head(r->gitdir, parent_hex, out_oid, message, when);
		if (rc != FC_PLUMB_NO) {
			if (rc == 0)
				r->staged = 0;
			goto done;
		}
		rc = 0;
	}
	/* update_ref checks HEAD still points at the parent: compare-and-swap */
	if (git_commit_create(&oid, r->repo, "HEAD", author, committer, "UTF-8", message, tree,
			      r->has_parent ? 1 : 0, parents) < 0) {
		const git_error *e = git_error_last();
		if (e && e->klass == GIT_ERROR_OBJECT)
			rc = fc_error_set(FC_ECONFLICT, "the plan moved while committing: %s", e->message);
		else
			rc = git_fail(FC_ERROR, "committing the plan");
		goto done;
	}
	git_oid_tostr(out_oid, FC_OID_HEX, &oid);
	r->staged = 0;
done:
	git_tree_free(tree);
	git_commit_free(parent);
	git_signature_free(author);
	git_signature_free(committer);
	return rc;
}

/*
 * A plan file (or a directory on its way) replaced by a symbolic link in
 * the work tree must not make the checkout write through the link: remove
 * such links first, never what they point at.
 */
static void unlink_symlinks(const char *workdir, const char *path)
{
	char full[4096];
	size_t wl = strlen(workdir);
	const char *p = path;

	if (wl + strlen(path) + 2 >= sizeof(full))
		return;
	memcpy(full, workdir, wl);
	if (wl && full[wl - 1] != '/')
		full[wl++] = '/';
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		struct stat st;

		memcpy(full + wl, path, len);
		full[wl + len] = '\0';
		if (lstat(full, &st) < 0)
			return;
		if (S_ISLNK(st.st_mode)) {
			unlink(full);
			return;
		}
		if (!slash)
			return;
		p = slash + 1;
	}
}

/* The same for a whole-tree reset: links anywhere in the plan's directories. */
static void unlink_tree_symlinks(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char full[4096];
		struct stat st;

		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git")))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, e->d_name) >= sizeof(full) || lstat(full, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode))
			unlink(full);
		else if (S_ISDIR(st.st_mode) && depth < 3)
			unlink_tree_symlinks(full, depth + 1);
	}
	closedir(d);
}

/*
 * The refresh of a change's files without libgit2's checkout, which reads,
 * diffs and rewrites the whole index (some 25 ms for the 10,000 files of a
 * large plan, on every commit): fc_plumb_refresh() rewrites the files and
 * their index entries only.  After a commit fc_plumb made, the files are
 * the ones it staged; else they are HEAD's blobs, read here, for files that
 * are a regular blob in HEAD.  1 when the refresh is not for it (an added
 * or removed path, another mode, an index it does not take): the caller
 * uses libgit2's checkout.
 */
static int checkout_in_place(fc_repo *r, const char *workdir, const char *const *paths, size_t n)
{
	fc_plumb_blob *b = NULL;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_blob **blobs = NULL;
	int rc = 1;

	if (n == 0 || n > 64)
		return 1;
	if (head_commit(r, &head) < 0 || git_commit_tree(&tree, head) < 0)
		goto done;
	b = fc_calloc(n, sizeof(*b));
	blobs = fc_calloc(n, sizeof(*blobs));
	for (size_t k = 0; k < n; k++) {
		git_tree_entry *te = NULL;
		int ok;
		if (git_tree_entry_bypath(&te, tree, paths[k]) < 0)
			goto done;
		b[k].mode = (unsigned)git_tree_entry_filemode(te);
		ok = git_tree_entry_type(te) == GIT_OBJECT_BLOB &&
		     git_blob_lookup(&blobs[k], r->repo, git_tree_entry_id(te)) == 0;
		git_tree_entry_free(te);
		if (!ok)
			goto done;
		b[k].path = paths[k];
		b[k].data = git_blob_rawcontent(blobs[k]);
		b[k].len = (size_t)git_blob_rawsize(blobs[k]);
		memcpy(b[k].oid, git_blob_id(blobs[k])->id, 20);
	}
	rc = fc_plumb_refresh(r->gitdir, workdir, b, n, &r->seen) == 0 ? 0 : 1;
done:
	for (size_t k = 0; blobs && k < n; k++)
		git_blob_free(blobs[k]);
	free(blobs);
	free(b);
	git_tree_free(tree);
	git_commit_free(head);
	return rc;
}

/* 1 when the staged files of fc_plumb are `paths`, in that order. */
static int plumbed(const fc_repo *r, const char *const *paths, size_t n)
{
	const fc_plumb_blob *b;
	size_t m;

	if (!r->plumb)
		return 0;
	b = fc_plumb_blobs(r->plumb, &m);
	if (m != n)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (strcmp(b[k].path, paths[k]))
			return 0;
	return 1;
}

/*
 * Make the index agree with the files just checked out, path by path.
 * git_checkout_head leaves stale entries in some runs (seen under
 * AddressSanitizer's timing), which 'git status' then shows as modified.
 */
static int sync_index(fc_repo *r, const char *const *paths, size_t n)
{
	git_index *idx = NULL;
	const char *workdir = git_repository_workdir(r->repo);
	int rc = 0;

	if (!workdir || git_repository_index(&idx, r->repo) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		struct stat st;
		if ((size_t)snprintf(full, sizeof(full), "%s%s", workdir, paths[i]) >= sizeof(full))
			continue;
		if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
			git_index_add_bypath(idx, paths[i]);
		else
			git_index_remove_bypath(idx, paths[i]);
	}
	if (git_index_write(idx) < 0)
		rc = git_fail(FC_ERROR, "writing the index");
	git_index_free(idx);
	return rc;
}

int fc_repo_differs(fc_repo *r, char **report)
{
	git_status_options o = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	fc_buf b = FC_BUF_INIT;
	int rc;

	*report = NULL;
	if ((rc = repo_ready(r)) < 0)
		return rc;
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	o.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, r->repo, &o) < 0)
		return git_fail(FC_ERROR, "comparing the work tree and the index with HEAD");
	for (size_t i = 0; i < git_status_list_entrycount(list); i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
		const char *path = d ? (d->new_file.path ? d->new_file.path : d->old_file.path) : "?";

		fc_buf_printf(&b, "%s '%s'\n", e->head_to_index ? "index differs from HEAD at" :
			      "work tree differs from HEAD at", path);
	}
	git_status_list_free(list);
	*report = fc_buf_detach(&b);
	return 0;
}

int fc_repo_reset_to_head(fc_repo *r)
{
	git_commit *c = NULL;
	int rc;

	if ((rc = head_commit(r, &c)) < 0)
		return rc;
	if (git_reset(r->repo, (const git_object *)c, GIT_RESET_HARD, NULL) < 0)
		rc = git_fail(FC_ERROR, "resetting the work tree and the index to HEAD");
	git_commit_free(c);
	return rc;
}

int fc_repo_checkout(fc_repo *r, const char *const *paths, size_t n)
{
	git_checkout_options o = GIT_CHECKOUT_OPTIONS_INIT;
	const char *workdir;
	int rc;

	if (plumbed(r, paths, n)) {
		char *wd = fc_asprintf("%s/", r->workdir);
		for (size_t i = 0; i < n; i++)
			unlink_symlinks(wd, paths[i]);
		rc = fc_plumb_refresh_staged(r->plumb, wd, &r->seen);
		free(wd);
		fc_plumb_free(r->plumb);
		r->plumb = NULL;
		if (rc == 0)
			return 0;
	}
	if ((rc = repo_ready(r)) < 0)
		return rc;
	workdir = git_repository_workdir(r->repo);

	for (size_t i = 0; workdir && i < n; i++)
		unlink_symlinks(workdir, paths[i]);
	if (workdir && checkout_in_place(r, workdir, paths, n) == 0)
		return 0;

	o.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	o.paths.strings = (char **)paths;
	o.paths.count = n;
	if (git_checkout_head(r->repo, &o) < 0)
		return git_fail(FC_ERROR, "refreshing the working tree");
	return sync_index(r, paths, n);
}

static char *trimmed_dup(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	while (n && *s == '\n') {
		s++;
		n--;
	}
	return fc_strndup(s, n);
}

/*
 * Where the message's last paragraph starts (after its last blank line, not
 * in the subject), or NULL: a one-paragraph message has no trailer block.
 * Only that paragraph is parsed for trailers, so neither a "---" line nor a
 * trailer-like paragraph earlier in the body (a reason) can stand for it;
 * ficus always writes its trailers there.
 */
static const char *last_paragraph(const char *message, const char *rest)
{
	size_t len = strlen(message);
	const char *blank = NULL;

	while (len && (message[len - 1] == '\n' || message[len - 1] == ' ' || message[len - 1] == '\t'))
		len--;
	for (const char *l = rest; l < message + len;) {
		const char *nl = memchr(l, '\n', (size_t)(message + len - l)), *k = l;
		while (k < message + len && (*k == ' ' || *k == '\t'))
			k++;
		if (!nl)
			break;
		if (k == nl)
			blank = nl + 1;
		l = nl + 1;
	}
	return blank;
}

int fc_commit_parse_message(fc_commit_info *out, const char *message)
{
	git_message_trailer_array arr = { 0 };
	const char *nl, *rest, *tstart;
	char *block = NULL;
	size_t i;
	int rc;

	/* usable without an open repository */
	if ((rc = lib_init()) < 0)
		return rc;
	out->message = fc_strdup(message);
	nl = strchr(message, '\n');
	out->subject = fc_strndup(message, nl ? (size_t)(nl - message) : strlen(message));
	rest = nl ? nl + 1 : message + strlen(message);
	tstart = last_paragraph(message, rest);
	/* git's rules on the last paragraph alone, behind a stand-in subject */
	if (tstart)
		block = fc_asprintf("-\n\n%s", tstart);
	if (block && git_message_trailers(&arr, block) == 0 && arr.count > 0) {
		out->keys = fc_calloc(arr.count, sizeof(char *));
		out->values = fc_calloc(arr.count, sizeof(char *));
		for (i = 0; i < arr.count; i++) {
			out->keys[i] = fc_strdup(arr.trailers[i].key);
			out->values[i] = fc_strdup(arr.trailers[i].value);
		}
		out->ntrailers = arr.count;
		out->body = trimmed_dup(rest, (size_t)(tstart - rest));
	} else {
		out->body = trimmed_dup(rest, strlen(rest));
	}
	free(block);
	git_message_trailer_array_free(&arr);
	git_libgit2_shutdown();
	return 0;
}

static int fill_info(fc_commit_info *out, const git_commit *c)
{
	const git_signature *a = git_commit_author(c), *cm = git_commit_committer(c);
	int rc;

	memset(out, 0, sizeof(*out));
	git_oid_tostr(out->oid, FC_OID_HEX, git_commit_id(c));
	out->author_name = fc_strdup(a->name);
	out->author_email = fc_strdup(a->email);
	out->when = (fc_time)a->when.time;
	rc = fc_commit_parse_message(out, git_commit_message(c));
	/* ficus commits as 'ficus' and always writes Ficus-Change */
	out->outside = !cm || !cm->name || strcmp(cm->name, "ficus") != 0 || !fc_commit_trailer(out, "Ficus-Change");
	return rc;
}

int fc_repo_head_info(fc_repo *r, fc_commit_info *out)
{
	git_commit *c = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = head_commit(r, &c)) < 0)
		return rc;
	rc = fill_info(out, c);
	git_commit_free(c);
	return rc;
}

struct walk_ctx {
	fc_repo *r;
	size_t max_len;
	int (*file_cb)(const char *, const char *, size_t, void *);
	int (*oid_cb)(const char *, const char *, void *);
	void *ctx;
	int rc;
};

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk_ctx *w = payload;
	char path[1024], hex[FC_OID_HEX];
	git_blob *blob = NULL;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(e));
	if (w->oid_cb) {
		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
		w->rc = w->oid_cb(path, hex, w->ctx);
		return w->rc ? -1 : 0;
	}
	if (git_blob_lookup(&blob, w->r->repo, git_tree_entry_id(e)) < 0) {
		w->rc = git_fail(FC_ERROR, "reading a plan file");
		return -1;
	}
	if ((size_t)git_blob_rawsize(blob) > w->max_len) {
		w->rc = fc_error_set(FC_ELIMIT, "plan file '%s' is larger than %zu bytes", path, w->max_len);
	} else {
		w->rc = w->file_cb(path, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), w->ctx);
	}
	git_blob_free(blob);
	return w->rc ? -1 : 0;
}

static int walk(fc_repo *r, struct walk_ctx *w)
{
	git_commit *head = NULL;
	git_tree *tree = NULL;
	int rc;

	if ((rc = head_commit(r, &head)) < 0)
		return rc == FC_ENOTFOUND ? fc_error_set(FC_ENOTPLAN, "the plan repository has no commits") : rc;
	if (git_commit_tree(&tree, head) < 0) {
		rc = git_fail(FC_ERROR, "reading HEAD's tree");
		goto done;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, w) < 0 && !w->rc)
		w->rc = git_fail(FC_ERROR, "walking the plan tree");
	rc = w->rc;
done:
	git_tree_free(tree);
	git_commit_free(head);
	return rc;
}

int fc_repo_each_file(fc_repo *r, size_t max_len,
		      int (*cb)(const char *path, const char *data, size_t len, void *ctx), void *ctx)
{
	struct walk_ctx w = { r, max_len, cb, NULL, ctx, 0 };
	return walk(r, &w);
}

int fc_repo_each_oid(fc_repo *r, int (*cb)(const char *path, const char *oid, void *ctx), void *ctx)
{
	struct walk_ctx w = { r, 0, NULL, cb, ctx, 0 };
	return walk(r, &w);
}

int fc_repo_hash(char out[FC_OID_HEX], const char *data, size_t len)
{
	fc_plumb_hash(out, "blob", data, len);
	return 0;
}

/* Deliver one commit to the log callback; *parents receives its parent count. */
static int log_one(fc_repo *r, const git_oid *oid, git_oid *parent, unsigned *parents,
		   int (*cb)(const fc_commit_info *c, void *ctx), void *ctx)
{
	git_commit *c = NULL;
	fc_commit_info info;
	int rc;

	if (git_commit_lookup(&c, r->repo, oid) < 0)
		return git_fail(FC_ERROR, "reading a commit");
	if (parents) {
		*parents = git_commit_parentcount(c);
		if (*parents == 1)
			git_oid_cpy(parent, git_commit_parent_id(c, 0));
	}
	fill_info(&info, c);
	git_commit_free(c);
	rc = cb(&info, ctx);
	fc_commit_info_clear(&info);
	return rc;
}

/*
 * A plan's history is a line (ficus commits on HEAD and only ever
 * fast-forwards), so it is walked lazily from HEAD down the parents:
 * 'log -n 20' reads 20 commits, not the whole history, which the sorted
 * walk must load before it yields the first.  Up to and including the
 * first merge (made by hand with git) both orders agree, since each of
 * those commits is the only child of the next; from a merge on, the
 * sorted walk takes over and skips what was delivered.
 */
int fc_repo_log(fc_repo *r, int (*cb)(const fc_commit_info *c, void *ctx), void *ctx)
{
	git_revwalk *walker = NULL;
	git_oid oid, next;
	size_t delivered = 0;
	unsigned parents = 0;
	int rc = 0;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_reference_name_to_id(&oid, r->repo, "HEAD") < 0)
		return 0;
	for (;;) {
		if ((rc = log_one(r, &oid, &next, &parents, cb, ctx)) != 0)
			goto done;
		delivered++;
		if (parents == 0)
			goto done;
		if (parents > 1)
			break;
		git_oid_cpy(&oid, &next);
	}
	if (git_revwalk_new(&walker, r->repo) < 0 || git_revwalk_push_head(walker) < 0) {
		rc = git_fail(FC_ERROR, "reading history");
		goto done;
	}
	git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	while (git_revwalk_next(&oid, walker) == 0) {
		if (delivered) {
			delivered--;
			continue;
		}
		if ((rc = log_one(r, &oid, NULL, NULL, cb, ctx)) != 0)
			break;
	}
done:
	if (rc == 1)
		rc = 0;
	git_revwalk_free(walker);
	return rc;
}

/* ---- remote ---- */

#define MAIN_REF "refs/heads/main"
#define REMOTE_REF "refs/remotes/origin/main"

/*
 * 1 when no config file libgit2 reads for this repository can hold a
 * remote: none mentions "remote" or includes another file.  Lets a
 * deferred repository answer fc_repo_has_remote() without initialising
 * libgit2 (a change asks it first thing).
 */
static int surely_no_remote(const fc_repo *r)
{
	char paths[FC_GITCONFIG_FILES][FC_GITCONFIG_PATH_MAX];
	size_t np = fc_gitconfig_paths(r->gitdir, paths);

	if (np == 0)
		return 0;
	for (size_t i = 0; i < np; i++) {
		fc_buf text = FC_BUF_INIT;
		int clean;
		if (access(paths[i], F_OK) != 0)
			continue;
		if (fc_buf_read_file(&text, paths[i], 1u << 20) < 0)
			return 0;
		clean = !memchr(text.ptr, '\0', text.len) && !strcasestr(text.ptr, "remote") &&
			!strcasestr(text.ptr, "include");
		fc_buf_free(&text);
		if (!clean)
			return 0;
	}
	return 1;
}

int fc_repo_has_remote(fc_repo *r)
{
	char *url;

	if (!r->repo && surely_no_remote(r))
		return 0;
	/* from the config, not git_remote_lookup: that one compiles the
	 * remote's refspecs (regexes) every call, which a long-running
	 * dashboard cannot afford */
	url = fc_repo_config(r, "remote.origin.url");
	int yes = url != NULL;
	free(url);
	return yes;
}

int fc_repo_add_remote(fc_repo *r, const char *url)
{
	git_remote *rem = NULL;
	int rc;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_remote_create(&rem, r->repo, "origin", url) < 0)
		return git_fail(FC_ERROR, "adding the remote");
	git_remote_free(rem);
	return 0;
}

static int fetch_now(fc_repo *r, void *unused)
{
	git_remote *rem = NULL;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	char *specs[] = { (char *)"+" MAIN_REF ":" REMOTE_REF };
	git_strarray refspecs = { specs, 1 };
	int rc = 0;

	(void)unused;
	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_remote_lookup(&rem, r->repo, "origin") < 0)
		return git_fail(FC_ERROR, "looking up the remote");
	if (git_remote_fetch(rem, &refspecs, &fo, "ficus: fetch") < 0)
		rc = git_fail(FC_ECONFLICT, "fetching the plan from its remote");
	git_remote_free(rem);
	return rc;
}

/* ---- remote operations, bounded in time ----
 *
 * libgit2 1.5 has no connect or transfer timeout for its transports, and a
 * remote that accepts and never answers would hold a command for ever.  So
 * every fetch and push runs in a child process (fork: the same libgit2
 * calls, on a copy of this process) that the parent gives up on and kills
 * at the deadline.  A connect probe to the remote's host and port comes
 * first, so that an unreachable remote fails within the connect timeout.
 * Remote operations of one plan are serialised on <gitdir>/ficus/remote-lock
 * (flock), so the child's git lock files are never another ficus's: a lock
 * a killed child left is taken over by the next holder (stale_remote_locks).
 */
typedef int (*remote_fn)(fc_repo *r, void *arg);

typedef struct {
	int rc;
	char msg[1024];
} remote_answer;

static int config_ms(fc_repo *r, const char *key, const char *env, int def_ms)
{
	const char *e = getenv(env);
	char *v = NULL;
	double secs;
	char *end;
	int ms = def_ms;

	if (e && *e)
		v = fc_strdup(e);
	else
		v = fc_repo_config(r, key);
	if (v) {
		secs = strtod(v, &end);
		if (end != v && secs > 0 && secs <= 3600 && (*end == '\0' || (*end == 's' && end[1] == '\0')))
			ms = (int)(secs * 1000);
	}
	free(v);
	return ms;
}

int fc_repo_remote_timeout_ms(fc_repo *r)
{
	return config_ms(r, "ficus.remoteTimeout", "FICUS_REMOTE_TIMEOUT", 30000);
}

static int remote_connect_ms(fc_repo *r)
{
	return config_ms(r, "ficus.remoteConnectTimeout", "FICUS_REMOTE_CONNECT_TIMEOUT", 5000);
}

/* host and port of a network remote URL; 0 for a remote on this machine */
static int remote_endpoint(const char *url, char *host, size_t hlen, char *port, size_t plen)
{
	static const struct { const char *scheme, *port; } schemes[] = {
		{ "https://", "443" }, { "http://", "80" }, { "git://", "9418" }, { "ssh://", "22" },
	};
	const char *h = NULL, *def = "22", *end;
	int scp = 0;
	size_t n;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes) && !h; i++)
		if (!strncmp(url, schemes[i].scheme, strlen(schemes[i].scheme))) {
			h = url + strlen(schemes[i].scheme);
			def = schemes[i].port;
		}
	if (!h) {
		if (strstr(url, "://") || url[0] == '/' || url[0] == '.' || !strchr(url, ':'))
			return 0; /* file://, a path */
		h = url;      /* scp-like user@host:path */
		scp = 1;
	}
	end = h + strcspn(h, "/");
	if (memchr(h, '@', (size_t)(end - h)))
		h = (const char *)memchr(h, '@', (size_t)(end - h)) + 1;
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
		if (!end)
			return 0;
	} else {
		end = h + strcspn(h, scp ? ":" : ":/");
	}
	n = (size_t)(end - h);
	if (!n || n >= hlen)
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	if (*end == ']')
		end++;
	snprintf(port, plen, "%s", def);
	if (!scp && *end == ':') {
		n = strspn(end + 1, "0123456789");
		if (n && n < plen) {
			memcpy(port, end + 1, n);
			port[n] = '\0';
		}
	}
	return 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_probe(fc_repo *r, int timeout_ms, int fail_code)
{
	char *url = fc_repo_config(r, "remote.origin.url");
	char host[256], port[16];
	struct addrinfo hints, *ai = NULL, *a;
	int rc = 0, ok = 0;

	if (!url)
		return 0;
	if (!remote_endpoint(url, host, sizeof(host), port, sizeof(port))) {
		free(url);
		return 0;
	}
	free(url);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return fc_error_set(fail_code, "the remote's host '%.100s' cannot be resolved", host);
	for (a = ai; a && !ok; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			int err = 0;
			socklen_t el = sizeof(err);
			if (poll(&pf, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && !err)
				ok = 1;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	if (!ok)
		rc = fc_error_set(fail_code, "cannot connect to the remote at %.100s:%s within %d ms "
				  "(ficus.remoteConnectTimeout)", host, port, timeout_ms);
	return rc;
}

static int remote_lock(fc_repo *r, int timeout_ms)
{
	char *dir = fc_asprintf("%s/ficus", r->gitdir), *path = fc_asprintf("%s/remote-lock", dir);
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		free(dir);
		free(path);
		return fc_error_set(FC_ERROR, "cannot create the plan's state directory: %s", strerror(errno));
	}
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int waited = 0;

	free(path);
	if (fd < 0)
		return fc_error_set(FC_ERROR, "cannot open the remote lock: %s", strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return fc_error_set(FC_ERROR, "cannot lock the remote: %s", strerror(errno));
		}
		if (waited >= timeout_ms) {
			close(fd);
			return fc_error_set(FC_ECONFLICT, "another ficus is talking to the remote (waited %d ms)", waited);
		}
		usleep(20000);
		waited += 20;
	}
	return fd;
}

/*
 * Git lock files under refs/remotes and refs/ficus and of the remote's
 * tracking ref: only a remote operation writes them, and the caller holds
 * the remote lock, so any that exists was left by a killed child.
 */
static void stale_remote_locks(fc_repo *r)
{
	const char *names[] = { "refs/remotes/origin/main.lock", "FETCH_HEAD.lock" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char *path = fc_asprintf("%s/%s", r->gitdir, names[i]);
		unlink(path);
		free(path);
	}
}

static int read_full(int fd, void *buf, size_t len, int64_t deadline_ms)
{
	size_t got = 0;

	while (got < len) {
		int64_t left = deadline_ms < 0 ? -1 : deadline_ms - mono_ms();
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;
		if (deadline_ms >= 0 && left <= 0)
			return 0;
		if (poll(&pf, 1, deadline_ms < 0 ? -1 : (int)left) <= 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return n < 0 && errno == EINTR ? read_full(fd, (char *)buf + got, len - got, deadline_ms) : -1;
		got += (size_t)n;
	}
	return 1;
}

/*
 * Run fn in a grandchild, bounded by the remote timeout.  With
 * `detach_after_ms` >= 0 the caller stops waiting after that long and
 * leaves the work running on its own (it still ends at its deadline):
 * FC_ESYNC then, with *detached_pid set.
 */
static int bounded(fc_repo *r, remote_fn fn, void *arg, const char *what, int fail_code, int detach_after_ms,
		   long *detached_pid)
{
	int total_ms = fc_repo_remote_timeout_ms(r), connect_ms = remote_connect_ms(r);
	int fds[2], lockfd = -1, st, rc;
	remote_answer ans;
	pid_t mid, worker = 0;
	int32_t wpid = 0;
	int64_t deadline;
	int got;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	if ((lockfd = remote_lock(r, total_ms)) < 0)
		return lockfd;
	stale_remote_locks(r);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		close(lockfd);
		return fc_error_set(FC_ERROR, "cannot start the remote operation: %s", strerror(errno));
	}
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		close(fds[0]);
		close(fds[1]);
		close(lockfd);
		return fc_error_set(FC_ERROR, "cannot start the remote operation: %s", strerror(errno));
	}
	if (mid == 0) {
		/* the middle process: start the worker in its own session and go */
		if (fork() == 0) {
			setsid();
			signal(SIGPIPE, SIG_IGN);
			alarm((unsigned)(total_ms / 1000 + 2)); /* the worker's own end, detached or not */
			/* its pid first, then the answer: one writer, so in that order */
			wpid = (int32_t)getpid();
			if (write(fds[1], &wpid, sizeof(wpid)) < 0)
				_exit(1);
			memset(&ans, 0, sizeof(ans));
			ans.rc = connect_probe(r, connect_ms, fail_code);
			if (ans.rc == 0)
				ans.rc = fn(r, arg);
			if (ans.rc < 0)
				snprintf(ans.msg, sizeof(ans.msg), "%s", fc_error_last());
			if (write(fds[1], &ans, sizeof(ans)) < 0)
				_exit(1);
			_exit(0); /* the remote lock is released with the last descriptor */
		}
		_exit(0);
	}
	close(fds[1]);
	close(lockfd); /* the worker holds it now */
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	deadline = mono_ms() + total_ms;
	if (read_full(fds[0], &wpid, sizeof(wpid), deadline) != 1 || wpid <= 0) {
		close(fds[0]);
		return fc_error_set(fail_code, "%s: the remote operation could not start", what);
	}
	worker = (pid_t)wpid;
	got = read_full(fds[0], &ans, sizeof(ans),
			detach_after_ms >= 0 ? mono_ms() + detach_after_ms : deadline);
	close(fds[0]);
	if (got == 1) {
		if (ans.rc < 0)
			return fc_error_set(ans.rc, "%s", ans.msg);
		return 0;
	}
	if (got == 0 && detach_after_ms >= 0) {
		if (detached_pid)
			*detached_pid = (long)worker;
		return fc_error_set(FC_ESYNC, "%s goes on in the background (pid %ld)", what, (long)worker);
	}
	kill(worker, SIGKILL);
	if (got == 0)
		return fc_error_set(fail_code, "%s: the remote did not finish within %d ms (ficus.remoteTimeout)",
				    what, total_ms);
	return fc_error_set(fail_code, "%s: the remote operation died", what);
}

static int fetch(fc_repo *r)
{
	return bounded(r, fetch_now, NULL, "fetching the plan from its remote", FC_ECONFLICT, -1, NULL);
}

/* Point main (HEAD) at `oid` and make the working tree match. */
static int move_main(fc_repo *r, const git_oid *oid, const char *why)
{
	git_reference *ref = NULL;
	git_object *target = NULL;
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	int rc = 0;

	if (git_reference_create(&ref, r->repo, MAIN_REF, oid, 1, why) < 0 ||
	    git_repository_set_head(r->repo, MAIN_REF) < 0 ||
	    git_object_lookup(&target, r->repo, oid, GIT_OBJECT_COMMIT) < 0) {
		rc = git_fail(FC_ERROR, "moving the plan to the remote's state");
		goto done;
	}
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
	if (git_repository_workdir(r->repo))
		unlink_tree_symlinks(git_repository_workdir(r->repo), 0);
	if (git_reset(r->repo, target, GIT_RESET_HARD, &co) < 0)
		rc = git_fail(FC_ERROR, "refreshing the working tree");
done:
	git_object_free(target);
	git_reference_free(ref);
	return rc;
}

int fc_repo_fast_forward(fc_repo *r, int *moved, int *ahead)
{
	git_oid local, remote;
	int rc, have_local;

	*moved = *ahead = 0;
	if ((rc = repo_ready(r)) < 0)
		return rc;
	have_local = git_reference_name_to_id(&local, r->repo, "HEAD") == 0;
	if (git_reference_name_to_id(&remote, r->repo, REMOTE_REF) < 0) {
		*ahead = have_local; /* the remote has no plan yet: our push creates it */
		return 0;
	}
	if (have_local && git_oid_equal(&local, &remote))
		return 0;
	if (!have_local || git_graph_descendant_of(r->repo, &remote, &local) == 1) {
		if ((rc = move_main(r, &remote, "ficus: fast-forward to the remote")) < 0)
			return rc;
		*moved = 1;
		return 0;
	}
	if (git_graph_descendant_of(r->repo, &local, &remote) == 1) {
		*ahead = 1;
		return 0;
	}
	return fc_error_set(FC_ECONFLICT,
		"the plan and its remote have diverged: the remote holds changes this plan lacks and the other way round "
		"('ficus sync --reset' takes the remote's history and sets the local commits aside)");
}

int fc_repo_fetch(fc_repo *r)
{
	return fetch(r);
}

int fc_repo_fetch_ff(fc_repo *r, int *moved, int *ahead)
{
	int rc;

	*moved = *ahead = 0;
	if ((rc = fetch(r)) < 0)
		return rc;
	return fc_repo_fast_forward(r, moved, ahead);
}

int fc_repo_head_oid(fc_repo *r, char out[FC_OID_HEX])
{
	git_oid oid;
	int rc;

	out[0] = '\0';
	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_reference_name_to_id(&oid, r->repo, "HEAD") < 0)
		return fc_error_set(FC_ENOTFOUND, "the plan repository has no commits");
	git_oid_tostr(out, FC_OID_HEX, &oid);
	return 0;
}

struct push_state {
	char *rejected;
};

static int push_ref_cb(const char *refname, const char *status, void *data)
{
	struct push_state *ps = data;
	if (status && !ps->rejected)
		ps->rejected = fc_asprintf("%s: %s", refname, status);
	return 0;
}

static int push_refspec(fc_repo *r, const char *spec)
{
	git_remote *rem = NULL;
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	char *specs[] = { (char *)spec };
	git_strarray refspecs = { specs, 1 };
	struct push_state ps = { NULL };
	int rc = 0;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	po.callbacks.push_update_reference = push_ref_cb;
	po.callbacks.payload = &ps;
	if (git_remote_lookup(&rem, r->repo, "origin") < 0)
		return git_fail(FC_ERROR, "looking up the remote");
	if (git_remote_push(rem, &refspecs, &po) < 0) {
		const git_error *e = git_error_last();
		if (e && e->message && (strstr(e->message, "fast-forward") || strstr(e->message, "fastforward")))
			rc = fc_error_set(FC_ECONFLICT, "the remote moved: %s", e->message);
		else
			rc = git_fail(FC_ERROR, "pushing the plan to its remote");
	} else if (ps.rejected) {
		rc = fc_error_set(FC_ECONFLICT, "the remote moved: push rejected (%s)", ps.rejected);
	}
	free(ps.rejected);
	git_remote_free(rem);
	return rc;
}

/* The directory of a remote on this machine, or NULL for a network URL. */
static char *local_remote_path(fc_repo *r)
{
	char *url = fc_repo_config(r, "remote.origin.url"), *path = NULL;

	if (!url)
		return NULL;
	if (!strncmp(url, "file://", 7))
		path = fc_strdup(url + 7);
	else if (url[0] == '/' || url[0] == '.' || (!strstr(url, "://") && !strchr(url, ':')))
		path = fc_strdup(url);
	free(url);
	return path;
}

/*
 * A remote on this machine: libgit2's local transport moves the branch
 * without a fast-forward check, so the objects go up under a private ref
 * and main is moved with compare-and-swap against the state we built on.
 */
static int push_local(fc_repo *r, const char *path)
{
	git_repository *remote = NULL;
	git_reference *ref = NULL;
	git_oid head, expected;
	char spec[128], tmp[96];
	int have_expected, rc = 0, err;

	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_reference_name_to_id(&head, r->repo, "HEAD") < 0)
		return git_fail(FC_ERROR, "reading HEAD");
	have_expected = git_reference_name_to_id(&expected, r->repo, REMOTE_REF) == 0;
	snprintf(tmp, sizeof(tmp), "refs/ficus/incoming/%ld-%u", (long)getpid(), (unsigned)rand());
	snprintf(spec, sizeof(spec), "+HEAD:%s", tmp);
	if ((rc = push_refspec(r, spec)) < 0)
		return rc;
	if (git_repository_open_bare(&remote, path) < 0 && git_repository_open(&remote, path) < 0)
		return git_fail(FC_ERROR, "opening the remote");
	if (have_expected)
		err = git_reference_create_matching(&ref, remote, MAIN_REF, &head, 1, &expected, "ficus: push");
	else
		err = git_reference_create(&ref, remote, MAIN_REF, &head, 0, "ficus: push");
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED)
		rc = fc_error_set(FC_ECONFLICT, "the remote moved: another change reached it first");
	else if (err < 0)
		rc = git_fail(FC_ERROR, "updating the remote's main");
	git_reference_free(ref);
	ref = NULL;
	if (git_reference_lookup(&ref, remote, tmp) == 0)
		git_reference_delete(ref);
	git_reference_free(ref);
	git_repository_free(remote);
	if (rc == 0) {
		git_reference *track = NULL;
		git_reference_create(&track, r->repo, REMOTE_REF, &head, 1, "ficus: pushed");
		git_reference_free(track);
	}
	return rc;
}

static int push_now(fc_repo *r, void *unused)
{
	char *path = local_remote_path(r);
	git_oid local, remote;
	int rc;

	(void)unused;
	if (path) {
		rc = push_local(r, path);
		free(path);
		return rc;
	}
	/* a server (ssh, https) refuses a non-fast-forward update itself */
	if ((rc = push_refspec(r, MAIN_REF ":" MAIN_REF)) < 0)
		return rc;
	if ((rc = fetch_now(r, NULL)) < 0)
		return rc;
	if (git_reference_name_to_id(&local, r->repo, "HEAD") < 0 ||
	    git_reference_name_to_id(&remote, r->repo, REMOTE_REF) < 0 || !git_oid_equal(&local, &remote))
		return fc_error_set(FC_ECONFLICT, "the remote moved: it does not hold this change");
	return 0;
}

int fc_repo_push(fc_repo *r)
{
	return bounded(r, push_now, NULL, "publishing the plan to its remote", FC_ERROR, -1, NULL);
}

int fc_repo_push_soon(fc_repo *r, int wait_ms, long *pid)
{
	*pid = 0;
	return bounded(r, push_now, NULL, "publishing the plan to its remote", FC_ERROR, wait_ms, pid);
}

int fc_repo_reset_to_remote(fc_repo *r, char **report)
{
	git_oid remote, head;
	git_revwalk *walk = NULL;
	fc_buf b = FC_BUF_INIT;
	int rc = 0, have_head;
	size_t n = 0;

	if (report)
		*report = NULL;
	if ((rc = repo_ready(r)) < 0)
		return rc;
	if (git_reference_name_to_id(&remote, r->repo, REMOTE_REF) < 0)
		return fc_error_set(FC_ERROR, "the remote has no plan");
	have_head = git_reference_name_to_id(&head, r->repo, "HEAD") == 0;
	if (have_head && !git_oid_equal(&head, &remote) &&
	    git_graph_descendant_of(r->repo, &remote, &head) != 1) {
		/* local commits the remote lacks: kept on a ref before main moves */
		char name[128], hex[FC_OID_HEX];
		git_reference *aside = NULL;
		git_oid oid;
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		snprintf(name, sizeof(name), "refs/ficus/set-aside/%04d%02d%02dT%02d%02d%02dZ-%ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid());
		if (git_reference_create(&aside, r->repo, name, &head, 0, "ficus: sync --reset set these aside") < 0)
			return git_fail(FC_ERROR, "keeping the local commits on a ref");
		git_reference_free(aside);
		if (git_revwalk_new(&walk, r->repo) == 0 && git_revwalk_push(walk, &head) == 0 &&
		    git_revwalk_hide(walk, &remote) == 0) {
			while (git_revwalk_next(&oid, walk) == 0) {
				git_commit *c = NULL;
				git_oid_tostr(hex, 11, &oid);
				if (git_commit_lookup(&c, r->repo, &oid) == 0) {
					char *subject = fc_sanitize(git_commit_summary(c) ? git_commit_summary(c) : "", 0);
					fc_buf_printf(&b, "  %s %s\n", hex, subject);
					free(subject);
				}
				git_commit_free(c);
				n++;
			}
		}
		git_revwalk_free(walk);
		if (report)
			*report = fc_asprintf("set aside %zu local commit%s the remote lacks, kept on %s:\n%s", n,
					      n == 1 ? "" : "s", name, fc_buf_cstr(&b));
	}
	fc_buf_free(&b);
	return move_main(r, &remote, "ficus: back to the remote's state");
}

int fc_repo_remote_has_plan(const char *url)
{
	git_remote *rem = NULL;
	const git_remote_head **heads = NULL;
	size_t n = 0, i;
	int found = 0, rc;

	if ((rc = lib_init()) < 0)
		return rc;
	if (git_remote_create_anonymous(&rem, NULL, url) == 0 &&
	    git_remote_connect(rem, GIT_DIRECTION_FETCH, NULL, NULL, NULL) == 0 &&
	    git_remote_ls(&heads, &n, rem) == 0) {
		for (i = 0; i < n; i++)
			if (!strcmp(heads[i]->name, MAIN_REF))
				found = 1;
	}
	git_remote_free(rem);
	git_libgit2_shutdown();
	return found;
}

int fc_repo_clone(fc_repo **out, const char *url, const char *dir)
{
	fc_repo *r = NULL;
	int rc, moved = 0, ahead = 0;

	/*
	 * init + fetch + fast-forward rather than git_clone: a bare remote whose
	 * HEAD names a branch that does not exist (git init --bare makes
	 * 'master') must still give us its main.
	 */
	*out = NULL;
	if ((rc = fc_repo_init(&r, dir)) < 0)
		return rc;
	if ((rc = fc_repo_add_remote(r, url)) < 0 || (rc = fc_repo_fetch_ff(r, &moved, &ahead)) < 0) {
		fc_repo_free(r);
		return fc_error_wrap(rc, "cloning the plan from '%s'", url);
	}
	if (!moved) {
		fc_repo_free(r);
		return fc_error_set(FC_ERROR, "the remote '%s' has no plan on its main branch", url);
	}
	*out = r;
	return 0;
}
