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
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_leftover.h"
#include "fc_repo.h"

struct fc_repo {
	git_repository *repo;   /* holds one git_libgit2_init() */
	git_oid staged_tree;
	git_oid staged_parent;
	int staged;
	int has_parent;
	char *gitdir;
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

/*
 * Refuse a repository whose format libgit2 cannot handle, from the config
 * file in `gitdir` (its common directory), before anything is read with
 * it: the object format must be sha1, core.repositoryformatversion 0 or
 * 1, and in format 1 no extension other than noop (libgit2 1.5 refuses
 * even extensions.objectFormat = sha1).  0 when the format is one libgit2
 * reads (or there is no config file to say otherwise), else FC_ENOTPLAN
 * with advice.
 */
static int check_format(const char *gitdir, const char *dir)
{
	char *path = fc_asprintf("%s/config", gitdir);
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	int32_t version = 0;
	int rc = 0, gerr;

	if (access(path, F_OK) != 0 || git_config_open_ondisk(&cfg, path) < 0) {
		free(path);
		git_error_clear();
		return 0;
	}
	free(path);
	gerr = git_config_get_int32(&version, cfg, "core.repositoryformatversion");
	if (gerr == GIT_ENOTFOUND) {
		version = 0;
	} else if (gerr < 0) {
		rc = fc_error_set(FC_ENOTPLAN, "'%s': core.repositoryformatversion is not a number: "
				  "ficus reads repositories of format 0 or 1", dir);
		goto done;
	}
	if (version != 0 && version != 1) {
		rc = fc_error_set(FC_ENOTPLAN, "'%s' has repository format version %d, which libgit2 %s cannot read: "
				  "keep the plan in a repository of format 0 or 1 ('ficus init' makes one)",
				  dir, (int)version, LIBGIT2_VERSION);
		goto done;
	}
	if (git_config_iterator_glob_new(&it, cfg, "^extensions\\.") < 0) {
		rc = git_fail(FC_ERROR, "reading the repository's extensions");
		goto done;
	}
	/* as git and libgit2 do, extensions count in format 1 only; another object format is never readable */
	while (rc == 0 && git_config_next(&e, it) == 0) {
		const char *ext = e->name + strlen("extensions.");
		if (!strcasecmp(ext, "objectformat") && e->value && strcasecmp(e->value, "sha1"))
			rc = fc_error_set(FC_ENOTPLAN, "'%s' stores its objects as %s (extensions.objectFormat), and "
					  "libgit2 %s reads sha1 repositories only: keep the plan in a sha1 repository "
					  "('ficus init' makes one)", dir, e->value, LIBGIT2_VERSION);
		else if (version == 0 || !strcasecmp(ext, "noop"))
			continue;
		else if (!strcasecmp(ext, "objectformat"))
			rc = fc_error_set(FC_ENOTPLAN, "'%s' names its object format (extensions.objectFormat = sha1), "
					  "which libgit2 %s does not accept: sha1 is git's default, so "
					  "'git config --unset extensions.objectFormat' makes it readable", dir,
					  LIBGIT2_VERSION);
		else
			rc = fc_error_set(FC_ENOTPLAN, "'%s' uses the git extension '%s', which libgit2 %s does not "
					  "know: ficus refuses it rather than misread the plan (a plan repository needs "
					  "no extension; if this one does not rely on it, 'git config --unset "
					  "extensions.%s')", dir, ext, LIBGIT2_VERSION, ext);
	}
done:
	git_config_iterator_free(it);
	git_config_free(cfg);
	git_error_clear();
	return rc;
}

/*
 * Why git_repository_open_ext failed with `gerr`.  A format libgit2
 * cannot read is said first.  A plan owned by another user (read by a
 * reader with fewer rights) is refused by libgit2 as git refuses it,
 * unless safe.directory names it: say so.  (libgit2 1.5 says
 * GIT_ENOTFOUND instead of GIT_EOWNER when there is no global config, so
 * the owner is looked at here.)
 */
static int open_failed(int gerr, const char *dir)
{
	char *gitdir = fc_asprintf("%s/.git", dir);
	struct stat st;
	int other = gerr == GIT_EOWNER || (stat(gitdir, &st) == 0 && st.st_uid != geteuid());
	int rc = other ? 0 : check_format(gitdir, dir);

	free(gitdir);
	if (rc < 0)
		return rc;
	if (other)
		return fc_error_set(FC_ENOTPLAN,
			"'%s' belongs to another user: git reads it only where safe.directory names it "
			"(git config --global --add safe.directory '%s')", dir, dir);
	return fc_error_set(FC_ENOTPLAN, "'%s' is not a git repository", dir);
}

/* Refuse what an open repository cannot be for a plan: a format libgit2 does not read, a bare one. */
static int check_opened(git_repository *repo, const char *dir)
{
	char *common = fc_strdup(git_repository_commondir(repo));
	size_t n = strlen(common);
	int rc;

	if (n && common[n - 1] == '/')
		common[n - 1] = '\0';
	rc = check_format(common, dir);
	free(common);
	if (rc == 0 && git_repository_is_bare(repo))
		rc = fc_error_set(FC_ENOTPLAN, "'%s' is a bare repository, not a plan", dir);
	return rc;
}

int fc_repo_init(fc_repo **out, const char *dir)
{
	git_repository *repo = NULL;
	git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	char *gitdir;
	int rc;

	*out = NULL;
	if ((rc = lib_init()) < 0)
		return rc;
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	o.initial_head = "main";
	/* an existing repository is opened (the caller refuses one with history) */
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		gitdir = fc_asprintf("%s/.git", dir);
		rc = check_format(gitdir, dir);
		free(gitdir);
		if (rc == 0 && git_repository_init_ext(&repo, dir, &o) < 0)
			rc = git_fail(FC_ERROR, "creating the plan repository");
	} else {
		rc = check_opened(repo, dir);
	}
	if (rc < 0) {
		git_repository_free(repo);
		git_libgit2_shutdown();
		return rc;
	}
	*out = wrap(repo);
	return 0;
}

int fc_repo_open(fc_repo **out, const char *dir)
{
	git_repository *repo = NULL;
	int rc;

	*out = NULL;
	if ((rc = lib_init()) < 0)
		return rc;
	if ((rc = git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0)
		rc = open_failed(rc, dir);
	else
		rc = check_opened(repo, dir);
	if (rc < 0) {
		git_repository_free(repo);
		git_libgit2_shutdown();
		return rc;
	}
	*out = wrap(repo);
	return 0;
}

void fc_repo_free(fc_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->repo);
	git_libgit2_shutdown();
	free(r->gitdir);
	free(r);
}

const char *fc_repo_gitdir(const fc_repo *r)
{
	return r->gitdir;
}

int fc_repo_has_head(fc_repo *r)
{
	git_oid oid;
	return git_reference_name_to_id(&oid, r->repo, "HEAD") == 0;
}

char *fc_repo_config(fc_repo *r, const char *key)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	char *v = NULL;

	if (git_repository_config_snapshot(&cfg, r->repo) < 0)
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

	*out = NULL;
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
	rc = head_commit(r, &head);
	if (rc == FC_ENOTFOUND) {
		rc = 0;
	} else if (rc < 0) {
		return rc;
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

/*
 * The ref that HEAD moves: the branch it names (refs/heads/main in a plan
 * ficus made), or HEAD itself when detached.  Caller frees.
 */
static char *head_ref_name(fc_repo *r)
{
	git_reference *head = NULL;
	char *name;

	if (git_reference_lookup(&head, r->repo, "HEAD") < 0)
		return fc_strdup("HEAD");
	name = fc_strdup(git_reference_type(head) == GIT_REFERENCE_SYMBOLIC ? git_reference_symbolic_target(head)
									   : "HEAD");
	git_reference_free(head);
	return name;
}

int fc_repo_commit(fc_repo *r, char out_oid[FC_OID_HEX], const char *message,
		   const char *name, const char *email, fc_time when)
{
	git_signature *author = NULL, *committer = NULL;
	git_commit *parent = NULL;
	git_reference *ref = NULL;
	git_tree *tree = NULL;
	git_oid oid;
	const git_commit *parents[1];
	char *branch = NULL, *log = NULL;
	const char *nl;
	int rc = 0, err;

	if (!r->staged)
		return fc_error_set(FC_ERROR, "nothing staged to commit");
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
	/* the commit object first, no ref moved: a kill here leaves only an unreachable object */
	if (git_commit_create(&oid, r->repo, NULL, author, committer, "UTF-8", message, tree,
			      r->has_parent ? 1 : 0, parents) < 0) {
		rc = git_fail(FC_ERROR, "committing the plan");
		goto done;
	}
	/* then the branch, compare-and-swap: it moves only from the parent the tree was built on */
	branch = head_ref_name(r);
	nl = strchr(message, '\n');
	log = fc_asprintf("commit%s: %.*s", r->has_parent ? "" : " (initial)",
			  (int)(nl ? (size_t)(nl - message) : strlen(message)), message);
	if (r->has_parent)
		err = git_reference_create_matching(&ref, r->repo, branch, &oid, 1, &r->staged_parent, log);
	else
		err = git_reference_create(&ref, r->repo, branch, &oid, 0, log);
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS) {
		rc = fc_error_set(FC_ECONFLICT, "the plan moved while committing: '%s' is no longer at the commit "
				  "the change was built on", branch);
		goto done;
	}
	if (err == GIT_ELOCKED) {
		rc = fc_error_set(FC_ECONFLICT, "'%s' is locked: another git process holds it ('%s.lock')", branch,
				  branch);
		goto done;
	}
	if (err < 0) {
		rc = git_fail(FC_ERROR, "moving the plan's branch");
		goto done;
	}
	git_oid_tostr(out_oid, FC_OID_HEX, &oid);
	r->staged = 0;
done:
	free(branch);
	free(log);
	git_reference_free(ref);
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

/* Create the directories of `path` below `workdir` (which ends in '/'). */
static int make_parents(const char *workdir, const char *path)
{
	char full[4096];
	size_t wl = strlen(workdir);

	if (wl + strlen(path) + 1 >= sizeof(full))
		return -1;
	memcpy(full, workdir, wl);
	for (const char *p = path; (p = strchr(p, '/')); p++) {
		memcpy(full + wl, path, (size_t)(p - path));
		full[wl + (size_t)(p - path)] = '\0';
		if (mkdir(full, 0777) < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

/* Remove the directories of `path` below `workdir` that are left empty. */
static void remove_empty_parents(const char *workdir, const char *path)
{
	char full[4096];
	size_t wl = strlen(workdir), len = strlen(path);

	if (wl + len + 1 >= sizeof(full))
		return;
	memcpy(full, workdir, wl);
	while (len && path[len - 1] != '/')
		len--;
	while (len > 1) {
		memcpy(full + wl, path, len - 1);
		full[wl + len - 1] = '\0';
		if (rmdir(full) < 0)
			return;
		for (len--; len && path[len - 1] != '/'; len--)
			;
	}
}

/*
 * Write a plan file: NAME.ficus-PID first, then renamed over NAME, so that
 * a kill leaves either file whole (and a work file fc_leftover takes).
 * *st receives what the file is after the rename.
 */
static int write_work_file(const char *full, const void *data, size_t len, int exec, struct stat *st)
{
	char *tmp = fc_asprintf("%s.ficus-%ld", full, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, exec ? 0777 : 0666);
	size_t done = 0;
	int rc = 0;

	if (fd < 0) {
		rc = fc_error_set(FC_ERROR, "cannot write '%s': %s", full, strerror(errno));
		free(tmp);
		return rc;
	}
	while (done < len) {
		ssize_t w = write(fd, (const char *)data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = fc_error_set(FC_ERROR, "cannot write '%s': %s", full, strerror(errno));
			break;
		}
		done += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = fc_error_set(FC_ERROR, "cannot write '%s': %s", full, strerror(errno));
	if (rc == 0 && rename(tmp, full) < 0)
		rc = fc_error_set(FC_ERROR, "cannot write '%s': %s", full, strerror(errno));
	if (rc == 0 && lstat(full, st) < 0)
		rc = fc_error_set(FC_ERROR, "cannot read '%s' back: %s", full, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The index entry of a file just written from blob `id` (git's stat data, so that git need not hash it again). */
static void entry_from_stat(git_index_entry *e, const char *path, const struct stat *st, const git_oid *id,
			    unsigned mode)
{
	memset(e, 0, sizeof(*e));
	e->ctime.seconds = (int32_t)st->st_ctim.tv_sec;
	e->ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
	e->mtime.seconds = (int32_t)st->st_mtim.tv_sec;
	e->mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
	e->dev = (uint32_t)st->st_dev;
	e->ino = (uint32_t)st->st_ino;
	e->mode = mode;
	e->uid = (uint32_t)st->st_uid;
	e->gid = (uint32_t)st->st_gid;
	e->file_size = (uint32_t)st->st_size;
	git_oid_cpy(&e->id, id);
	e->path = path;
}

/*
 * Bring one path of the work tree and its index entry to HEAD's `tree`:
 * the blob written and its entry added with the blob's id, or, when HEAD
 * has no such file, the file and its entry removed.
 */
static int refresh_path(fc_repo *r, git_index *idx, git_tree *tree, const char *workdir, const char *path)
{
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	git_index_entry e;
	struct stat st;
	char *full = fc_asprintf("%s%s", workdir, path);
	unsigned mode;
	int rc = 0;

	unlink_symlinks(workdir, path);
	if (git_tree_entry_bypath(&te, tree, path) < 0) {
		git_error_clear();
		if (unlink(full) < 0 && errno != ENOENT)
			rc = fc_error_set(FC_ERROR, "cannot remove '%s': %s", full, strerror(errno));
		else if (git_index_remove_bypath(idx, path) < 0)
			rc = git_fail(FC_ERROR, "updating the index");
		else
			remove_empty_parents(workdir, path);
		goto done;
	}
	mode = (unsigned)git_tree_entry_filemode(te);
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		rc = fc_error_set(FC_ERROR, "'%s' is not a regular file in HEAD", path);
		goto done;
	}
	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(te)) < 0) {
		rc = git_fail(FC_ERROR, "reading a plan file");
		goto done;
	}
	if (make_parents(workdir, path) < 0) {
		rc = fc_error_set(FC_ERROR, "cannot create the directories of '%s': %s", full, strerror(errno));
		goto done;
	}
	if ((rc = write_work_file(full, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				  mode == GIT_FILEMODE_BLOB_EXECUTABLE, &st)) < 0)
		goto done;
	entry_from_stat(&e, path, &st, git_blob_id(blob), mode);
	if (git_index_add(idx, &e) < 0)
		rc = git_fail(FC_ERROR, "updating the index");
done:
	git_blob_free(blob);
	git_tree_entry_free(te);
	free(full);
	return rc;
}

int fc_repo_differs(fc_repo *r, char **report)
{
	git_status_options o = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	fc_buf b = FC_BUF_INIT;

	*report = NULL;
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

/*
 * The paths of a change, not the whole tree: their files are written from
 * HEAD's blobs and their index entries set to those blobs' ids, then the
 * index is written once (a checkout would read, compare and rewrite every
 * entry of a large plan on every commit).
 */
int fc_repo_checkout(fc_repo *r, const char *const *paths, size_t n)
{
	const char *workdir = git_repository_workdir(r->repo);
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_index *idx = NULL;
	int rc;

	if (!workdir)
		return fc_error_set(FC_ERROR, "the plan repository has no work tree");
	if ((rc = head_commit(r, &head)) < 0)
		return rc;
	if (git_commit_tree(&tree, head) < 0 || git_repository_index(&idx, r->repo) < 0 ||
	    git_index_read(idx, 0) < 0) {
		rc = git_fail(FC_ERROR, "reading HEAD's tree and the index");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		int prc = refresh_path(r, idx, tree, workdir, paths[i]);
		if (prc < 0 && rc == 0)
			rc = prc;
	}
	if (git_index_write(idx) < 0 && rc == 0)
		rc = git_fail(FC_ERROR, "writing the index");
done:
	git_index_free(idx);
	git_tree_free(tree);
	git_commit_free(head);
	return rc;
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
	git_oid oid;
	int rc;

	if ((rc = lib_init()) < 0)
		return rc;
	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0)
		rc = git_fail(FC_ERROR, "hashing a plan file");
	else
		git_oid_tostr(out, FC_OID_HEX, &oid);
	git_libgit2_shutdown();
	return rc;
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

int fc_repo_has_remote(fc_repo *r)
{
	char *url;

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
	int fds[2], lockfd = -1, st;
	remote_answer ans;
	pid_t mid, worker = 0;
	int32_t wpid = 0;
	int64_t deadline;
	int got;

	/* a caller that waits only briefly does not queue behind another for long */
	if ((lockfd = remote_lock(r, detach_after_ms >= 0 ? detach_after_ms : total_ms)) < 0)
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
	if (got == 0 && detach_after_ms >= 0 && detached_pid) {
		*detached_pid = (long)worker;
		return fc_error_set(FC_ESYNC, "%s goes on in the background (pid %ld)", what, (long)worker);
	}
	kill(worker, SIGKILL);
	if (got == 0 && detach_after_ms >= 0)
		return fc_error_set(fail_code, "%s: the remote did not answer within %d ms", what, detach_after_ms);
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

int fc_repo_fetch_quick(fc_repo *r, int wait_ms)
{
	return bounded(r, fetch_now, NULL, "fetching the plan from its remote", FC_ECONFLICT, wait_ms, NULL);
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

	out[0] = '\0';
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

	if (git_reference_name_to_id(&head, r->repo, "HEAD") < 0)
		return git_fail(FC_ERROR, "reading HEAD");
	have_expected = git_reference_name_to_id(&expected, r->repo, REMOTE_REF) == 0;
	/*
	 * Only a fast-forward of what we last saw there: a clone that fetched
	 * the remote's newer main and went on without it (a rollback beside a
	 * diverged remote) must not replace that main, however equal the
	 * compare-and-swap below finds it.
	 */
	if (have_expected && !git_oid_equal(&head, &expected) && git_graph_descendant_of(r->repo, &head, &expected) != 1)
		return fc_error_set(FC_ECONFLICT, "the remote moved: its main is not an ancestor of this plan's "
				    "('ficus sync --reset' takes the remote's history)");
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
	int have_head;
	size_t n = 0;

	if (report)
		*report = NULL;
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
