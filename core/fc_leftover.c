/*
 * Leftovers of killed processes in a plan's git directory (fc_leftover.h).
 * Invariant: a file is removed only when no process this user can see has
 * it open (or, for NAME.ficus-PID, when PID is gone), and never a file a
 * writer could be between writing and renaming (FC_LEFTOVER_MIN_AGE) --
 * except for a writer that holds the plan's lock (fc_leftover_take_stale):
 * no other ficus writes those files then, so a lock or temp file that no
 * process has open was left by a killed one, however young it is.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_leftover.h"

#define MAX_DEPTH 8

typedef struct {
	fc_leftover *v;
	size_t n;
	int objects;      /* 0: skip the object store; 1: its top only; 2: its fan-out too */
	int taking;       /* under the plan lock: no age guard where no other ficus writes */
	int remote_idle;  /* taking, and no remote operation runs (its lock was free) */
} list;

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* The PID of NAME.ficus-PID, or 0 when name is not such a work file. */
static long ficus_work_pid(const char *name)
{
	const char *at = strstr(name, ".ficus-");
	char *end;
	long pid;

	if (!at || !at[7])
		return 0;
	pid = strtol(at + 7, &end, 10);
	return *end || pid <= 0 ? 0 : pid;
}

/* What the file at `rel` (relative to the plan's top, name its last part) is left over from, or NULL. */
static const char *kind_of(const char *rel, const char *name)
{
	const char *g = !strncmp(rel, ".git/", 5) ? rel + 5 : NULL;

	if (!g)
		return ficus_work_pid(name) ? "ficus work file" : NULL;
	if (ficus_work_pid(name) || (!strncmp(g, "ficus/", 6) && !strncmp(name, "plan.db.rebuild", 15)) ||
	    (!strchr(g, '/') && !strncmp(name, "ficus-", 6) && ends_with(name, ".new")))
		return "ficus work file";
	if (!strncmp(g, "objects/", 8) && !strncmp(name, "tmp_object_git2_", 16))
		return "libgit2 temp file";
	if (ends_with(name, ".lock") && (!strcmp(g, "index.lock") || !strcmp(g, "HEAD.lock") ||
					 !strcmp(g, "packed-refs.lock") || !strcmp(g, "config.lock") ||
					 !strncmp(g, "refs/", 5)))
		return "git lock";
	return NULL;
}

/* Whether to look inside the directory `rel`: the places leftovers are made. */
static int descend(const char *rel, const char *name, int depth, int objects, int taking)
{
	const char *g = !strncmp(rel, ".git/", 5) ? rel + 5 : NULL;

	if (depth >= MAX_DEPTH)
		return 0;
	if (!strcmp(rel, ".git"))
		return 1;
	if (!g) /* the work tree: the plan's own folders (services/, domains/) */
		return depth < 1 && name[0] != '.';
	/* a remote operation's refs are its own to take (fc_repo.c, under the remote lock) */
	if (taking && !strncmp(g, "refs/remotes", 12))
		return 0;
	if (!strcmp(g, "refs") || !strncmp(g, "refs/", 5) || !strcmp(g, "ficus"))
		return 1;
	return (objects >= 1 && !strcmp(g, "objects")) ||
	       (objects >= 2 && !strncmp(g, "objects/", 8) && strlen(g) == 10 && !strchr(g + 8, '/'));
}

static int judge_stale(const list *l, const char *rel, const char *full, const char *name)
{
	struct stat st;
	long pid = ficus_work_pid(name);
	int young;

	if (pid)
		return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	young = lstat(full, &st) == 0 && time(NULL) - st.st_mtime < FC_LEFTOVER_MIN_AGE;
	/*
	 * The age covers a live writer between closing a file and renaming it.
	 * Under the plan lock no other ficus writes the index, the branch or
	 * objects (a fetch writes objects under the remote lock, hence
	 * remote_idle), so there a young file nobody has open is a killed
	 * process's: taking it at once lets the next change go on.
	 */
	if (young && !(l->taking && (strncmp(rel, ".git/objects/", 13) || l->remote_idle)))
		return 0;
	return !fc_leftover_in_use(full);
}

static void walk(list *l, const char *top, const char *rel, int depth, int objects)
{
	char *dir = *rel ? fc_asprintf("%s/%s", top, rel) : fc_strdup(top);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *r, *full;
		const char *kind;
		struct stat st;
		int is_dir;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = *rel ? fc_asprintf("%s/%s", rel, e->d_name) : fc_strdup(e->d_name);
		full = fc_asprintf("%s/%s", top, r);
		/* d_type spares a stat per plan file (a writer calls this before every commit) */
		is_dir = e->d_type == DT_UNKNOWN ? lstat(full, &st) == 0 && S_ISDIR(st.st_mode) : e->d_type == DT_DIR;
		if (is_dir) {
			if (descend(r, e->d_name, depth, objects, l->taking))
				walk(l, top, r, depth + 1, objects);
		} else if ((kind = kind_of(r, e->d_name))) {
			l->v = fc_realloc(l->v, (l->n + 1) * sizeof(*l->v));
			l->v[l->n].path = r;
			l->v[l->n].kind = kind;
			l->v[l->n].stale = judge_stale(l, r, full, e->d_name);
			l->n++;
			r = NULL;
		}
		free(r);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* The plan's top directory: the parent of gitdir (".../plan/.git"), or NULL. */
static char *top_of(const char *gitdir)
{
	size_t n = strlen(gitdir);

	while (n > 1 && gitdir[n - 1] == '/')
		n--;
	if (n < 5 || strncmp(gitdir + n - 5, "/.git", 5))
		return NULL;
	return n == 5 ? fc_strdup("/") : fc_strndup(gitdir, n - 5);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const fc_leftover *)a)->path, ((const fc_leftover *)b)->path);
}

static int list_in(const char *gitdir, int objects, int taking, int remote_idle, fc_leftover **out, size_t *n)
{
	list l = { NULL, 0, objects, taking, remote_idle };
	char *top = top_of(gitdir);
	struct stat st;

	*out = NULL;
	*n = 0;
	if (!top || stat(gitdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(top);
		return fc_error_set(FC_ERROR, "cannot read the git directory '%s'", gitdir);
	}
	walk(&l, top, "", 0, objects);
	free(top);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_path);
	*out = l.v;
	*n = l.n;
	return 0;
}

int fc_leftover_list(const char *gitdir, fc_leftover **out, size_t *n)
{
	return list_in(gitdir, 2, 0, 0, out, n);
}

void fc_leftover_free(fc_leftover *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i].path);
	free(l);
}

int fc_leftover_remove_stale(const char *gitdir, const fc_leftover *l, size_t n, size_t *removed)
{
	char *top = top_of(gitdir);
	int rc = 0;

	*removed = 0;
	if (!top)
		return fc_error_set(FC_ERROR, "cannot read the git directory '%s'", gitdir);
	for (size_t i = 0; i < n; i++) {
		char *full;
		if (!l[i].stale)
			continue;
		full = fc_asprintf("%s/%s", top, l[i].path);
		if (unlink(full) == 0 || errno == ENOENT)
			(*removed)++;
		else if (rc == 0)
			rc = fc_error_set(FC_ERROR, "cannot remove the stale %s '%s': %s", l[i].kind, l[i].path,
					  strerror(errno));
		free(full);
	}
	free(top);
	return rc;
}

int fc_leftover_take_stale(const char *gitdir, char **report)
{
	fc_leftover *l = NULL;
	fc_buf b = FC_BUF_INIT;
	size_t n = 0, removed = 0;
	char *lk = fc_asprintf("%s/ficus/remote-lock", gitdir);
	int rc, fd, idle;

	if (report)
		*report = NULL;
	/*
	 * What blocks a writer, and what a killed writer left at the object
	 * store's top (the fan-out directories are doctor's to walk).  A remote
	 * operation that runs now holds the remote lock (fc_repo.c): while it
	 * does, the object store keeps its age guard.  Held shared until the
	 * removal is done, so that none starts in between.
	 */
	fd = open(lk, O_RDONLY | O_CLOEXEC);
	idle = fd < 0 || flock(fd, LOCK_SH | LOCK_NB) == 0;
	free(lk);
	if ((rc = list_in(gitdir, 1, 1, idle, &l, &n)) == 0)
		rc = fc_leftover_remove_stale(gitdir, l, n, &removed);
	if (fd >= 0)
		close(fd);
	if (rc < 0 && !l)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (l[i].stale)
			fc_buf_printf(&b, "removed stale %s '%s'\n", l[i].kind, l[i].path);
	fc_leftover_free(l, n);
	if (report)
		*report = fc_buf_detach(&b);
	else
		fc_buf_free(&b);
	return rc;
}

int fc_leftover_in_use(const char *path)
{
	char *want = realpath(path, NULL);
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int used = 0;

	if (!want) {
		if (proc)
			closedir(proc);
		return 0; /* gone: nobody holds it */
	}
	while (proc && !used && (p = readdir(proc))) {
		char fddir[64];
		DIR *fds;
		struct dirent *f;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(fddir, sizeof(fddir), "/proc/%s/fd", p->d_name);
		if (!(fds = opendir(fddir)))
			continue; /* gone, or another user's: not seen (fc_leftover.h) */
		while (!used && (f = readdir(fds))) {
			char link[96], target[4096];
			ssize_t len;

			if (f->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", fddir, f->d_name);
			if ((len = readlink(link, target, sizeof(target) - 1)) <= 0)
				continue;
			target[len] = '\0';
			used = !strcmp(target, want);
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	free(want);
	return used;
}
