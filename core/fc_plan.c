/*
 * Finding, creating and opening a plan; the write lock; the author;
 * rebuild and verify.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_change.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_render.h"
#include "fc_repo.h"
#include "fc_router.h"
#include "fc_settings.h"
#include "fc_store.h"

struct fc_plan {
	char *dir;
	char *state_dir; /* <gitdir>/ficus */
	char *db_path;
	char *lock_path;
	fc_store *store;
	fc_repo *repo;
	int lock_fd;
	int lock_depth;
	int lock_timeout_ms;
	int repaired;
	char *adopted;   /* what opening adopted (a HEAD moved outside ficus), or NULL */
	int warmed;      /* the routers' libraries load in a thread (fc_rconf_warm_early) */
};

void fc_outcome_clear(fc_outcome *o)
{
	if (!o)
		return;
	free(o->note);
	free(o->message);
	for (size_t i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	free(o->paths);
	free(o->router_report);
	memset(o, 0, sizeof(*o));
}

const char *fc_plan_dir(const fc_plan *p) { return p->dir; }
int fc_plan_repaired(const fc_plan *p) { return p->repaired; }
const char *fc_plan_adopted(const fc_plan *p) { return p->adopted; }
fc_store *fc_plan_store(fc_plan *p) { return p->store; }
fc_repo *fc_plan_repo(fc_plan *p) { return p->repo; }

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A plan: a git work tree with ficus state, or a clone holding ficus.json. */
static int looks_like_plan(const char *dir)
{
	char *a = fc_asprintf("%s/.git/ficus", dir), *b = fc_asprintf("%s/.git", dir),
	     *c = fc_asprintf("%s/ficus.json", dir);
	int yes = is_dir(a) || (is_dir(b) && is_file(c));
	free(a);
	free(b);
	free(c);
	return yes;
}

static int find_plan(char **out, const char *given)
{
	char cwd[PATH_MAX], *dir;

	*out = NULL;
	if (given) {
		char real[PATH_MAX];
		if (!realpath(given, real))
			return fc_error_set(FC_ENOTPLAN, "plan directory '%s' does not exist", given);
		if (!looks_like_plan(real))
			return fc_error_set(FC_ENOTPLAN, "'%s' is not a ficus plan (run 'ficus init' there)", given);
		*out = fc_strdup(real);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return fc_error_set(FC_ERROR, "cannot read the current directory: %s", strerror(errno));
	dir = fc_strdup(cwd);
	for (;;) {
		char *slash;
		if (looks_like_plan(dir)) {
			*out = dir;
			return 0;
		}
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return fc_error_set(FC_ENOTPLAN,
		"not in a ficus plan (nor any parent directory): use --plan DIR, set FICUS_PLAN, or run 'ficus init'");
}

static int setup_paths(fc_plan *p)
{
	p->state_dir = fc_asprintf("%s/ficus", fc_repo_gitdir(p->repo));
	p->db_path = fc_asprintf("%s/plan.db", p->state_dir);
	p->lock_path = fc_asprintf("%s/lock", p->state_dir);
	if (mkdir(p->state_dir, 0700) < 0 && errno != EEXIST)
		return fc_error_set(FC_ERROR, "cannot create '%s': %s", p->state_dir, strerror(errno));
	return 0;
}

static fc_plan *plan_new(int lock_timeout_ms)
{
	fc_plan *p = fc_calloc(1, sizeof(*p));
	p->lock_fd = -1;
	p->lock_timeout_ms = lock_timeout_ms;
	return p;
}

void fc_plan_free(fc_plan *p)
{
	if (!p)
		return;
	if (p->warmed)
		fc_rconf_warm_join();
	fc_store_free(p->store);
	fc_repo_free(p->repo);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	free(p->dir);
	free(p->state_dir);
	free(p->db_path);
	free(p->lock_path);
	free(p->adopted);
	free(p);
}

/*
 * The lock file is opened for each hold and closed at its end: a process
 * forked while the plan is not locked (a remote operation, fc_repo.h) then
 * holds no descriptor of it, so it can never keep the lock after its
 * parent let go.
 */
static int lock_wait(fc_plan *p, int timeout_ms)
{
	struct timespec start, now, nap = { 0, 2000000 };
	long waited;

	if (p->lock_depth++ > 0)
		return 0;
	p->lock_fd = open(p->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (p->lock_fd < 0) {
		p->lock_depth--;
		return fc_error_set(FC_ERROR, "cannot open the plan lock '%s': %s", p->lock_path, strerror(errno));
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(p->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fc_error_set(FC_ERROR, "cannot lock the plan: %s", strerror(errno));
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms) {
			fc_error_set(FC_ECONFLICT,
				"the plan is locked by another ficus process (waited %ld ms; see --lock-timeout)", waited);
			goto fail;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
	return 0;
fail:
	close(p->lock_fd);
	p->lock_fd = -1;
	p->lock_depth--;
	return fc_error_last_code();
}

int fc_plan_lock(fc_plan *p)
{
	return lock_wait(p, p->lock_timeout_ms);
}

int fc_plan_trylock(fc_plan *p)
{
	return lock_wait(p, 0);
}

void fc_plan_unlock(fc_plan *p)
{
	if (p->lock_depth <= 0)
		return;
	if (--p->lock_depth == 0) {
		flock(p->lock_fd, LOCK_UN);
		close(p->lock_fd);
		p->lock_fd = -1;
	}
}

/* The actor as given (--actor), else FICUS_ACTOR, else NULL: git config or the login names it. */
static const char *actor_named(const char *actor)
{
	const char *env = getenv("FICUS_ACTOR");

	return actor && *actor ? actor : env && *env ? env : NULL;
}

int fc_plan_open(fc_plan **out, const fc_open_opts *o)
{
	fc_open_opts def = FC_OPEN_OPTS_INIT;
	const char *given;
	fc_plan *p = NULL;
	int rc, repaired = 0;

	*out = NULL;
	if (!o)
		o = &def;
	given = o->dir ? o->dir : (getenv("FICUS_PLAN") && *getenv("FICUS_PLAN") ? getenv("FICUS_PLAN") : NULL);
	p = plan_new(o->lock_timeout_ms);
	if ((rc = find_plan(&p->dir, given)) < 0 ||
	    (rc = fc_repo_open(&p->repo, p->dir)) < 0 ||
	    (rc = setup_paths(p)) < 0)
		goto fail;
	/*
	 * A writer warms libgit2 beside its database work, unless its change
	 * will likely be committed without it (fc_plumb.h): loading it then
	 * would only take a processor from the router library's load and
	 * hold up the exit.  The actor is one thing libgit2 would still be
	 * read for (git config) when neither --actor nor FICUS_ACTOR names it,
	 * unless the config files say it simply (fc_gitconfig.h).
	 */
	if (!o->read_only && !(fc_repo_commits_alone(p->repo) &&
			       (o->knows_actor || actor_named(NULL) || fc_repo_identity_plain(p->repo))))
		fc_repo_warm(p->repo);
	if (!o->read_only && o->pushes)
		p->warmed = fc_rconf_warm_early(p->dir);
	if (o->create_db) {
		*out = p; /* rebuild opens the database itself */
		return 0;
	}
	if (access(p->db_path, F_OK) != 0) {
		rc = fc_error_set(FC_ENOTFOUND,
			"the plan database is missing (a fresh clone, or it was deleted): run 'ficus rebuild'");
		goto fail;
	}
	rc = fc_store_open(&p->store, p->db_path, 0, o->lock_timeout_ms);
	if (rc == FC_ERROR && o->read_only) /* a plan this user may read but not write */
		rc = fc_store_open_readonly(&p->store, p->db_path, o->lock_timeout_ms) < 0 ? rc : 0;
	if (rc < 0)
		goto fail;
	/*
	 * Finish what a killed process left and adopt a HEAD moved by git, when
	 * the lock is free at once: a reader never waits for a writer (which
	 * does the same under its lock), and a plan this user cannot lock
	 * (read-only) is read as it is.
	 */
	if (fc_plan_trylock(p) == 0) {
		char *note = NULL;
		rc = fc_plan_catch_up(p, 0, &note);
		fc_plan_unlock(p);
		p->adopted = note;
		if (rc < 0 || (rc = fc_change_settle(p)) < 0)
			goto fail;
	}
	fc_error_clear();
	(void)repaired;
	*out = p;
	return 0;
fail:
	fc_plan_free(p);
	return rc;
}

static int dir_is_empty_or_fresh_git(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = 1;

	if (!d)
		return errno == ENOENT;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, ".git"))
			continue;
		ok = 0;
		break;
	}
	closedir(d);
	return ok;
}

int fc_plan_init(fc_plan **out, const char *dir, const fc_write_opts *w, fc_outcome *outcome)
{
	fc_plan *p = NULL;
	fc_change *c = NULL;
	cJSON *settings = NULL;
	char real[PATH_MAX];
	int rc;

	*out = NULL;
	if (!dir)
		dir = ".";
	if (realpath(dir, real) && looks_like_plan(real))
		return fc_error_set(FC_EEXISTS, "'%s' is already a ficus plan", dir);
	if (!dir_is_empty_or_fresh_git(dir))
		return fc_error_set(FC_ERROR, "directory '%s' is not empty: give ficus init a new or empty directory", dir);
	p = plan_new(10000);
	if ((rc = fc_repo_init(&p->repo, dir)) < 0)
		goto fail;
	if (fc_repo_has_head(p->repo)) {
		rc = fc_error_set(FC_ERROR, "'%s' already holds a git history that is not a ficus plan", dir);
		goto fail;
	}
	if (!realpath(dir, real)) {
		rc = fc_error_set(FC_ERROR, "cannot resolve '%s': %s", dir, strerror(errno));
		goto fail;
	}
	p->dir = fc_strdup(real);
	if ((rc = setup_paths(p)) < 0 || (rc = fc_store_open(&p->store, p->db_path, 1, 10000)) < 0)
		goto fail;
	if ((rc = fc_change_begin(&c, p, w)) < 0)
		goto fail;
	settings = fc_settings_default();
	if ((rc = fc_settings_put(fc_change_store(c), settings)) < 0)
		goto fail;
	fc_change_touch(c, "ficus.json");
	fc_change_touch(c, "PLAN.md");
	fc_change_subject(c, "plan: init");
	fc_change_trailer(c, "Ficus-Action", "init");
	rc = fc_change_finish(c, outcome);
	c = NULL;
	if (rc < 0)
		goto fail;
	cJSON_Delete(settings);
	*out = p;
	return 0;
fail:
	fc_change_abort(c);
	cJSON_Delete(settings);
	fc_plan_free(p);
	return rc;
}

int fc_plan_init_remote(fc_plan **out, const char *dir, const char *url, const fc_write_opts *w,
			fc_outcome *outcome)
{
	fc_plan *p = NULL;
	char real[PATH_MAX];
	int rc;

	*out = NULL;
	if (!url || !*url)
		return fc_error_set(FC_EINVAL, "--remote needs a URL");
	if ((rc = fc_repo_remote_has_plan(url)) < 0)
		return rc;
	if (!rc) {
		/* a new plan: create it here, then publish it */
		if ((rc = fc_plan_init(&p, dir, w, outcome)) < 0)
			return rc;
		if ((rc = fc_repo_add_remote(p->repo, url)) < 0 || (rc = fc_repo_push(p->repo)) < 0) {
			fc_plan_free(p);
			return fc_error_wrap(rc, "the plan was created but not published to '%s'", url);
		}
		*out = p;
		return 0;
	}
	if (realpath(dir, real) && looks_like_plan(real))
		return fc_error_set(FC_EEXISTS, "'%s' is already a ficus plan", dir);
	if (!dir_is_empty_or_fresh_git(dir))
		return fc_error_set(FC_ERROR, "directory '%s' is not empty: give ficus init a new or empty directory", dir);
	p = plan_new(10000);
	if ((rc = fc_repo_clone(&p->repo, url, dir)) < 0)
		goto fail;
	if (!realpath(dir, real)) {
		rc = fc_error_set(FC_ERROR, "cannot resolve '%s': %s", dir, strerror(errno));
		goto fail;
	}
	p->dir = fc_strdup(real);
	if ((rc = setup_paths(p)) < 0 || (rc = fc_plan_rebuild(p)) < 0)
		goto fail;
	memset(outcome, 0, sizeof(*outcome));
	outcome->noop = 1;
	outcome->note = fc_asprintf("cloned the plan from '%s'", url);
	*out = p;
	return 0;
fail:
	fc_plan_free(p);
	return rc;
}

int fc_plan_set_remote(fc_plan *p, const char *url)
{
	char *have;
	int rc = 0;

	if (!url || !*url)
		return fc_error_set(FC_EINVAL, "--remote needs a URL");
	have = fc_repo_config(p->repo, "remote.origin.url");
	if (have && strcmp(have, url))
		rc = fc_error_set(FC_EEXISTS, "the plan already has the remote '%s'", have);
	else if (!have)
		rc = fc_repo_add_remote(p->repo, url);
	free(have);
	return rc;
}

int fc_plan_sync(fc_plan *p, int reset, char **report)
{
	int moved = 0, ahead = 0, rc;
	char *aside = NULL;
	fc_router_result res;

	*report = NULL;
	if (!fc_repo_has_remote(p->repo)) {
		*report = fc_strdup("the plan has no remote: nothing to sync");
		return 0;
	}
	/* the network outside the lock; the local moves under it */
	if ((rc = fc_repo_fetch(p->repo)) < 0)
		return rc;
	if ((rc = fc_plan_lock(p)) < 0)
		return rc;
	if (reset) {
		if ((rc = fc_repo_reset_to_remote(p->repo, &aside)) == 0)
			rc = fc_plan_rebuild(p);
		moved = 1;
	} else if ((rc = fc_repo_fast_forward(p->repo, &moved, &ahead)) == 0 && moved) {
		rc = fc_plan_rebuild(p);
	}
	fc_plan_unlock(p);
	if (rc < 0)
		goto done;
	if (ahead && (rc = fc_repo_push(p->repo)) < 0)
		goto done;
	*report = fc_asprintf("%s%s", reset ? "took the remote's plan" : moved ? "fast-forwarded to the remote's plan" :
			      ahead ? "pushed local changes to the remote" : "already up to date with the remote",
			      aside ? "; " : "");
	if (aside) {
		char *r2 = fc_asprintf("%s%s", *report, aside);
		free(*report);
		*report = r2;
	}
	/* the routers follow the plan the remote gave us */
	if (moved) {
		rc = fc_router_sync(p, NULL, &res);
		fc_router_result_clear(&res);
		if (rc == FC_ESYNC)
			rc = fc_error_wrap(FC_ESYNC, "the plan is synced, but not every router holds it ('ficus router sync')");
	}
done:
	free(aside);
	return rc;
}

static int valid_signature_part(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>' || *s == 0x7f)
			return 0;
	return 1;
}

int fc_plan_author(fc_plan *p, const char *actor, char **name, char **email)
{
	const char *src = actor_named(actor);
	char *n = NULL, *e = NULL;

	*name = *email = NULL;
	if (src && *src) {
		const char *lt = strchr(src, '<');
		if (lt) {
			const char *gt = strchr(lt, '>');
			size_t nl = (size_t)(lt - src);
			if (!gt || gt[1])
				return fc_error_set(FC_EINVAL, "actor '%.60s' must be 'Name <email>' or a name", src);
			while (nl && src[nl - 1] == ' ')
				nl--;
			n = fc_strndup(src, nl);
			e = fc_strndup(lt + 1, (size_t)(gt - lt - 1));
		} else {
			n = fc_strdup(src);
		}
	} else {
		n = fc_repo_config(p->repo, "user.name");
		e = fc_repo_config(p->repo, "user.email");
		if (!n) {
			struct passwd *pw = getpwuid(getuid());
			const char *login = getenv("LOGNAME");
			n = fc_strdup(pw && pw->pw_name ? pw->pw_name : login && *login ? login : "unknown");
		}
	}
	if (!e) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		e = fc_asprintf("%s@%s", n, host);
		for (char *q = e; *q && *q != '@'; q++)
			if (*q == ' ')
				*q = '.';
	}
	if (!*n || strlen(n) > 200 || strlen(e) > 200 || !valid_signature_part(n) || !valid_signature_part(e)) {
		free(n);
		free(e);
		return fc_error_set(FC_EINVAL, "actor must be 'Name <email>' of printable characters, 200 at most");
	}
	*name = n;
	*email = e;
	return 0;
}

/* ---- rebuild ---- */

static int load_cb(const char *path, const char *data, size_t len, void *ctx)
{
	int known;
	return fc_load_path(ctx, path, data, len, &known);
}

/*
 * The rebuild: a fresh database is built beside the plan's from HEAD, this
 * clone's own tables (journal, router state) are copied into it, and then
 * its contents replace the plan database's inside one SQLite write
 * transaction (fc_store_replace_from).  The file is never renamed over
 * while other processes have it open: they see the old plan or the new,
 * and keep writing to the one database that is the plan's.  Only a
 * database that cannot be opened at all is replaced as a file.
 */
static int copy_local_tables(fc_store *fresh, const char *live_path)
{
	int rc;

	if ((rc = fc_store_exec(fresh, "ATTACH DATABASE ? AS live", "s", live_path)) < 0)
		return rc;
	rc = fc_store_exec(fresh,
		"INSERT INTO main.journal SELECT * FROM live.journal; "
		"INSERT INTO main.router_state SELECT * FROM live.router_state", NULL);
	fc_store_exec(fresh, "DETACH DATABASE live", NULL);
	return rc;
}

int fc_plan_rebuild(fc_plan *p)
{
	char *tmp = fc_asprintf("%s.rebuild", p->db_path);
	char *side[] = { NULL, NULL, NULL };
	char head[FC_OID_HEX];
	fc_store *fresh = NULL;
	int rc, repaired = 0;

	if ((rc = fc_plan_lock(p)) < 0)
		goto done;
	/* finish a change the old database holds, if it can still be read */
	if (!p->store && access(p->db_path, F_OK) == 0 &&
	    fc_store_open(&p->store, p->db_path, 0, p->lock_timeout_ms) < 0)
		p->store = NULL;
	if (p->store && (rc = fc_change_repair_commits(p, &repaired)) < 0)
		goto done;
	fc_error_clear();
	if ((rc = fc_repo_head_oid(p->repo, head)) < 0) {
		rc = fc_error_set(FC_ENOTPLAN, "the plan repository has no commits to rebuild from");
		goto done;
	}
	side[0] = tmp;
	side[1] = fc_asprintf("%s-wal", tmp);
	side[2] = fc_asprintf("%s-shm", tmp);
	for (int i = 0; i < 3; i++)
		unlink(side[i]);
	if ((rc = fc_store_open(&fresh, tmp, 1, p->lock_timeout_ms)) < 0 ||
	    (rc = fc_store_begin(fresh, 1)) < 0)
		goto done;
	fc_store_exec(fresh, "PRAGMA defer_foreign_keys = ON", NULL);
	if ((rc = fc_repo_each_file(p->repo, FC_FILE_MAX, load_cb, fresh)) < 0) {
		fc_store_rollback(fresh);
		rc = fc_error_wrap(rc, "rebuilding from HEAD");
		goto done;
	}
	if ((rc = fc_store_set_local(fresh, "head", head)) < 0)
		goto done;
	if ((rc = fc_store_commit(fresh)) < 0) {
		rc = fc_error_wrap(rc, "rebuilding from HEAD (the plan files disagree with each other)");
		goto done;
	}
	if (p->store) {
		if ((rc = copy_local_tables(fresh, p->db_path)) < 0 ||
		    (rc = fc_store_replace_from(p->store, fresh)) < 0)
			goto done;
	} else {
		fc_store_exec(fresh, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
		fc_store_free(fresh);
		fresh = NULL;
		{
			char *wal = fc_asprintf("%s-wal", p->db_path), *shm = fc_asprintf("%s-shm", p->db_path);
			unlink(wal);
			unlink(shm);
			free(wal);
			free(shm);
		}
		if (rename(tmp, p->db_path) < 0) {
			rc = fc_error_set(FC_ERROR, "cannot install the rebuilt database: %s", strerror(errno));
			goto done;
		}
		rc = fc_store_open(&p->store, p->db_path, 0, p->lock_timeout_ms);
	}
done:
	fc_store_free(fresh);
	for (int i = 0; i < 3; i++) {
		if (side[i] && (rc < 0 || p->store))
			unlink(side[i]);
		if (i)
			free(side[i]);
	}
	free(tmp);
	fc_plan_unlock(p);
	return rc;
}

int fc_plan_catch_up(fc_plan *p, int fast_forward, char **note)
{
	char head[FC_OID_HEX], *known = NULL;
	int rc, repaired = 0, moved = 0, ahead = 0;

	*note = NULL;
	if ((rc = fc_change_repair_commits(p, &repaired)) < 0)
		return rc;
	p->repaired += repaired;
	if (fast_forward && fc_repo_has_remote(p->repo)) {
		rc = fc_repo_fast_forward(p->repo, &moved, &ahead);
		if (rc == FC_ECONFLICT && fast_forward < 0) {
			*note = fc_asprintf("going on locally: %s", fc_error_last());
			fc_error_clear();
		} else if (rc < 0) {
			return rc;
		}
	}
	if (fc_repo_head_oid(p->repo, head) < 0) {
		fc_error_clear();
		return 0; /* no history yet: fc_plan_init's first commit */
	}
	known = fc_store_local(p->store, "head");
	if (!known) {
		/* a database from before heads were recorded: trust it from here on */
		rc = fc_store_set_local(p->store, "head", head);
	} else if (strcmp(known, head) != 0) {
		if ((rc = fc_plan_rebuild(p)) < 0) {
			rc = fc_error_wrap(rc, "HEAD moved to %.10s outside this database; adopting it failed, nothing was written",
					   head);
		} else if (!moved) {
			free(*note);
			*note = fc_asprintf("adopted commits made outside ficus (HEAD %.10s): the database was rebuilt from HEAD",
					    head);
		}
	}
	free(known);
	return rc;
}

/* ---- verify ---- */

typedef struct {
	char **paths;
	char **oids;
	size_t n, cap;
} path_set;

static int collect_oid(const char *path, const char *oid, void *ctx)
{
	path_set *s = ctx;
	if (!fc_path_known(path))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->paths = fc_realloc(s->paths, s->cap * sizeof(char *));
		s->oids = fc_realloc(s->oids, s->cap * sizeof(char *));
	}
	s->paths[s->n] = fc_strdup(path);
	s->oids[s->n++] = fc_strdup(oid);
	return 0;
}

static int collect_render(const char *path, const char *data, size_t len, void *ctx)
{
	char oid[FC_OID_HEX];
	int rc = fc_repo_hash(oid, data, len);
	return rc < 0 ? rc : collect_oid(path, oid, ctx);
}

static void set_free(path_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i]);
		free(s->oids[i]);
	}
	free(s->paths);
	free(s->oids);
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Sort a set by path (the two sets come in different orders). */
static void set_sort(path_set *s)
{
	char ***idx = fc_malloc((s->n + 1) * sizeof(char **));
	char **p2 = fc_malloc((s->n + 1) * sizeof(char *)), **o2 = fc_malloc((s->n + 1) * sizeof(char *));
	size_t i;

	for (i = 0; i < s->n; i++)
		idx[i] = &s->paths[i];
	qsort(idx, s->n, sizeof(char **), cmp_pair);
	for (i = 0; i < s->n; i++) {
		size_t k = (size_t)(idx[i] - s->paths);
		p2[i] = s->paths[k];
		o2[i] = s->oids[k];
	}
	free(s->paths);
	free(s->oids);
	s->paths = p2;
	s->oids = o2;
	free(idx);
}

int fc_plan_verify(fc_plan *p, char **report)
{
	path_set db = { 0 }, head = { 0 };
	fc_buf b = FC_BUF_INIT;
	size_t i = 0, j = 0, bad = 0;
	int rc;

	*report = NULL;
	if ((rc = fc_store_begin(p->store, 0)) < 0)
		return rc;
	rc = fc_render_each(p->store, collect_render, &db);
	fc_store_commit(p->store);
	if (rc < 0 || (rc = fc_repo_each_oid(p->repo, collect_oid, &head)) < 0)
		goto done;
	set_sort(&db);
	set_sort(&head);
	while (i < db.n || j < head.n) {
		int c = i >= db.n ? 1 : j >= head.n ? -1 : strcmp(db.paths[i], head.paths[j]);
		if (c < 0) {
			fc_buf_printf(&b, "missing from the repository: %s\n", db.paths[i++]);
			bad++;
		} else if (c > 0) {
			fc_buf_printf(&b, "missing from the database: %s\n", head.paths[j++]);
			bad++;
		} else {
			if (strcmp(db.oids[i], head.oids[j]) != 0) {
				fc_buf_printf(&b, "differs: %s\n", db.paths[i]);
				bad++;
			}
			i++;
			j++;
		}
	}
	if (bad)
		rc = fc_error_set(FC_EDRIFT, "the database and the plan repository disagree on %zu file%s",
				  bad, bad == 1 ? "" : "s");
	*report = fc_buf_detach(&b);
done:
	fc_buf_free(&b);
	set_free(&db);
	set_free(&head);
	return rc;
}
