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
#include "fc_error.h"
#include "fc_json.h"
#include "fc_plan.h"
#include "fc_repo.h"
#include "fc_rconf.h"
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
	for (size_t i = 0; i < o->nflags; i++) {
		free(o->flags[i].flag);
		free(o->flags[i].compare);
	}
	free(o->flags);
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
	int rc;

	*out = NULL;
	if (!o)
		o = &def;
	given = o->dir ? o->dir : (getenv("FICUS_PLAN") && *getenv("FICUS_PLAN") ? getenv("FICUS_PLAN") : NULL);
	p = plan_new(o->lock_timeout_ms);
	if ((rc = find_plan(&p->dir, given)) < 0 ||
	    (rc = fc_repo_open(&p->repo, p->dir)) < 0 ||
	    (rc = setup_paths(p)) < 0)
		goto fail;
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
	fc_error_clear();
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


int fc_plan_create(fc_plan **out, const char *dir)
{
	fc_plan *p = NULL;
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
	*out = p;
	return 0;
fail:
	fc_plan_free(p);
	return rc;
}

int fc_plan_clone(fc_plan **out, const char *dir, const char *url)
{
	fc_plan *p = NULL;
	char real[PATH_MAX];
	int rc;

	*out = NULL;
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
	if ((rc = setup_paths(p)) < 0)
		goto fail;
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

char *fc_plan_remote_url(fc_plan *p)
{
	return p->repo ? fc_repo_config(p->repo, "remote.origin.url") : NULL;
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

/* ---- the database file, for the rebuild (fc_change_rebuild) ---- */

const char *fc_plan_db_path(const fc_plan *p) { return p->db_path; }
int fc_plan_lock_timeout(const fc_plan *p) { return p->lock_timeout_ms; }
void fc_plan_note_repaired(fc_plan *p, int n) { p->repaired += n; }

void fc_plan_set_adopted(fc_plan *p, char *note)
{
	free(p->adopted);
	p->adopted = note;
}

int fc_plan_load_db(fc_plan *p)
{
	if (!p->store && access(p->db_path, F_OK) == 0 &&
	    fc_store_open(&p->store, p->db_path, 0, p->lock_timeout_ms) < 0)
		p->store = NULL;
	return p->store != NULL;
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
		"INSERT INTO main.router_state SELECT * FROM live.router_state; "
		"INSERT OR IGNORE INTO main.notify_event SELECT * FROM live.notify_event; "
		"INSERT OR IGNORE INTO main.notify_delivery SELECT * FROM live.notify_delivery; "
		"INSERT OR IGNORE INTO main.notify_gate SELECT * FROM live.notify_gate", NULL);
	fc_store_exec(fresh, "DETACH DATABASE live", NULL);
	return rc;
}

int fc_plan_install_db(fc_plan *p, fc_store *fresh, const char *fresh_path)
{
	int rc;

	if (p->store) {
		if ((rc = copy_local_tables(fresh, p->db_path)) == 0)
			rc = fc_store_replace_from(p->store, fresh);
		fc_store_free(fresh);
		return rc;
	}
	fc_store_exec(fresh, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	fc_store_free(fresh);
	{
		char *wal = fc_asprintf("%s-wal", p->db_path), *shm = fc_asprintf("%s-shm", p->db_path);
		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	if (rename(fresh_path, p->db_path) < 0)
		return fc_error_set(FC_ERROR, "cannot install the rebuilt database: %s", strerror(errno));
	return fc_store_open(&p->store, p->db_path, 0, p->lock_timeout_ms);
}
