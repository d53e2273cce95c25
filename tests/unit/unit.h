#ifndef FICUS_UNIT_H
#define FICUS_UNIT_H
/*
 * Shared helpers for the cmocka unit tests (header only: every helper is
 * static inline so that a test file uses what it needs and nothing warns).
 *
 * Boundaries are replaced through the seams the code uses in production:
 * the clock through fc_clock_set(), the plan directory through a fresh
 * mkdtemp() directory, the author through fc_write_opts.actor.  Nothing
 * here edits or reaches into the code under test.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_graph.h"
#include "fc_map.h"
#include "fc_map_edit.h"
#include "fc_plan.h"
#include "fc_service_edit.h"
#include "fc_session.h"
#include "fc_repo.h"
#include "fc_store.h"

/* 2026-11-22T10:00:00Z: the injected "now" of every test that writes. */
#define UNIT_NOW ((fc_time)1795341600)
#define UNIT_ACTOR "Unit Test <unit@ficus.invalid>"

static fc_time unit_now_value = UNIT_NOW;

static inline fc_time unit_clock(void)
{
	return unit_now_value;
}

/* Install the fixed clock at `t`. */
static inline void unit_clock_at(fc_time t)
{
	unit_now_value = t;
	fc_clock_set(unit_clock);
}

/* Assert a core call failed with `code`, showing the last error otherwise. */
#define assert_fc(expr, code) do { \
	int unit_rc_ = (expr); \
	if (unit_rc_ != (code)) \
		fail_msg("%s returned %d, expected %d (last error: %s)", #expr, unit_rc_, (code), \
			 fc_error_last()); \
} while (0)

#define assert_ok(expr) assert_fc(expr, 0)

/* assert that `hay` contains `needle` */
#define assert_contains(hay, needle) do { \
	const char *unit_h_ = (hay), *unit_n_ = (needle); \
	if (!unit_h_ || !strstr(unit_h_, unit_n_)) \
		fail_msg("expected \"%s\" in \"%s\"", unit_n_, unit_h_ ? unit_h_ : "(null)"); \
} while (0)

#define assert_not_contains(hay, needle) do { \
	const char *unit_h_ = (hay), *unit_n_ = (needle); \
	if (unit_h_ && strstr(unit_h_, unit_n_)) \
		fail_msg("did not expect \"%s\" in \"%s\"", unit_n_, unit_h_); \
} while (0)

/* ---- temporary directories ---- */

/*
 * A new directory under $TMPDIR, else /dev/shm (tmpfs: the tests write
 * hundreds of small git objects and an overlay /tmp makes that slow),
 * else /tmp.  Caller removes it with unit_rmtree().
 */
static inline char *unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (!base || !*base)
		base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	path = fc_asprintf("%s/ficus-unit.XXXXXX", base);

	if (!mkdtemp(path))
		fail_msg("mkdtemp '%s': %s", path, strerror(errno));
	return path;
}

static inline int unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path);
	return unlink(path);
}

/* Remove a tree and free its name (NULL is fine). */
static inline void unit_rmtree(char *path)
{
	if (!path)
		return;
	nftw(path, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(path);
}

/* Whole file into a NUL-terminated string (caller frees), or NULL. */
static inline char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	fc_buf b = FC_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fc_buf_put(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return fc_buf_detach(&b);
}

static inline void unit_write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("cannot write '%s': %s", path, strerror(errno));
	fputs(data, f);
	fclose(f);
}

/* Output of a shell command (caller frees); fails the test on error. */
static inline char *unit_run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	fc_buf b = FC_BUF_INIT;
	char chunk[4096];
	size_t n;
	int st;

	if (!f)
		fail_msg("popen '%s': %s", cmd, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fc_buf_put(&b, chunk, n);
	st = pclose(f);
	if (st != 0)
		fail_msg("command '%s' exited with %d", cmd, st);
	return fc_buf_detach(&b);
}

/* ---- plans ---- */

typedef struct {
	char *dir;
	fc_plan *p;
	fc_write_opts w;
} unit_plan;

/* A fresh plan in a temporary directory, written with the fixed clock. */
static inline unit_plan *unit_plan_new(void)
{
	unit_plan *u = fc_calloc(1, sizeof(*u));
	fc_write_opts w = FC_WRITE_OPTS_INIT;
	fc_outcome o = { 0 };
	char *dir;

	unit_clock_at(UNIT_NOW);
	w.actor = UNIT_ACTOR;
	u->w = w;
	dir = unit_tmpdir();
	u->dir = fc_asprintf("%s/plan", dir);
	free(dir);
	if (fc_session_init(&u->p, u->dir, &u->w, &o) < 0)
		fail_msg("fc_plan_init: %s", fc_error_last());
	fc_outcome_clear(&o);
	return u;
}

/* Reopen the plan (a second process would see this). */
static inline fc_plan *unit_plan_open(const unit_plan *u, int lock_timeout_ms)
{
	fc_open_opts o = FC_OPEN_OPTS_INIT;
	fc_plan *p = NULL;

	o.dir = u->dir;
	o.lock_timeout_ms = lock_timeout_ms;
	if (fc_session_open(&p, &o) < 0)
		fail_msg("fc_session_open: %s", fc_error_last());
	return p;
}

static inline void unit_plan_free(unit_plan *u)
{
	char *parent;

	if (!u)
		return;
	fc_plan_free(u->p);
	parent = fc_strdup(u->dir);
	*strrchr(parent, '/') = '\0';
	unit_rmtree(parent);
	free(u->dir);
	free(u);
	fc_clock_set(NULL);
}

/*
 * A new directory beside the plan, inside the fixture's temporary
 * directory, so that teardown removes it even when the test fails.
 */
static inline char *unit_plan_sibling(const unit_plan *u, const char *name)
{
	char *parent = fc_strdup(u->dir), *path;

	*strrchr(parent, '/') = '\0';
	path = fc_asprintf("%s/%s", parent, name);
	free(parent);
	if (mkdir(path, 0700) < 0)
		fail_msg("mkdir '%s': %s", path, strerror(errno));
	return path;
}

/* <plan>/.git/ficus/plan.db (caller frees). */
static inline char *unit_db_path(const unit_plan *u)
{
	return fc_asprintf("%s/.git/ficus/plan.db", u->dir);
}

/* A plan file as it is in the working tree (caller frees), or NULL. */
static inline char *unit_plan_file(const unit_plan *u, const char *path)
{
	char *full = fc_asprintf("%s/%s", u->dir, path);
	char *data = unit_read_file(full, NULL);
	free(full);
	return data;
}

static inline int unit_count_cb(const fc_commit_info *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

/* Number of commits reachable from HEAD. */
static inline int unit_commits(fc_plan *p)
{
	int n = 0;

	if (fc_repo_log(fc_plan_repo(p), unit_count_cb, &n) < 0)
		fail_msg("fc_repo_log: %s", fc_error_last());
	return n;
}

/* HEAD's commit id into out. */
static inline void unit_head(fc_plan *p, char out[FC_OID_HEX])
{
	fc_commit_info c;

	if (fc_repo_head_info(fc_plan_repo(p), &c) < 0)
		fail_msg("no HEAD: %s", fc_error_last());
	memcpy(out, c.oid, FC_OID_HEX);
	fc_commit_info_clear(&c);
}

/* One integer from a query on a raw connection to `db_path`. */
static inline long long unit_sql_int(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open '%s'", db_path);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare '%s': %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* One text value from a query (caller frees), or NULL. */
static inline char *unit_sql_text(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open '%s'", db_path);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare '%s': %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = fc_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Run SQL on a raw connection (the "someone edited the database" seam). */
static inline void unit_sql_exec(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open '%s'", db_path);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", err ? err : "?");
		sqlite3_free(err);
		sqlite3_close(db);
		fail_msg("sql '%s': %s", sql, msg);
	}
	sqlite3_close(db);
}

/* ---- helper processes ---- */

/*
 * A test that needs a second process re-executes its own binary with
 * "--unit-child MODE ..." (fork + exec, so the child starts with none of
 * the parent's SQLite or libgit2 state: SQLite forbids carrying an open
 * database across fork()).  Modes:
 *
 *   crash POINT DIR NAME   FICUS_TEST_KILL=POINT, then add domain NAME to
 *                          the plan in DIR (the seam kills the process)
 *   hold-lock DIR          take the plan lock, write "L" to stdout, hold it
 *                          until stdin reaches end of file
 *
 * main() calls unit_child_dispatch() first.
 */
static char unit_self[4096];

static inline int unit_child_run(int argc, char **argv)
{
	fc_open_opts oo = FC_OPEN_OPTS_INIT;
	fc_plan *p = NULL;
	int rc;

	if (argc >= 6 && strcmp(argv[2], "crash") == 0) {
		fc_write_opts w = FC_WRITE_OPTS_INIT;
		fc_domain_edit e = FC_DOMAIN_EDIT_INIT;
		fc_outcome o = { 0 };

		setenv("FICUS_TEST_KILL", argv[3], 1);
		setenv("FICUS_NOW", "1795345200", 1); /* UNIT_NOW + 1h */
		oo.dir = argv[4];
		if ((rc = fc_session_open(&p, &oo)) < 0) {
			fprintf(stderr, "child: %s\n", fc_error_last());
			return 10;
		}
		w.actor = UNIT_ACTOR;
		w.reason = "crash test";
		e.owner = "crash-team";
		rc = fc_domain_add(p, argv[5], &e, &w, &o);
		fprintf(stderr, "child: not killed (rc %d: %s)\n", rc, fc_error_last());
		fc_outcome_clear(&o);
		fc_plan_free(p);
		return 3;
	}
	if (argc >= 4 && strcmp(argv[2], "hold-lock") == 0) {
		char c;
		oo.dir = argv[3];
		if (fc_session_open(&p, &oo) < 0 || fc_plan_lock(p) < 0) {
			fprintf(stderr, "child: %s\n", fc_error_last());
			fc_plan_free(p);
			return 10;
		}
		if (write(1, "L", 1) != 1)
			return 11;
		while (read(0, &c, 1) > 0)
			;
		fc_plan_unlock(p);
		fc_plan_free(p);
		return 0;
	}
	fprintf(stderr, "unit child: unknown mode\n");
	return 2;
}

/* Call first in main(): runs the child mode and exits, or returns. */
static inline void unit_child_dispatch(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--unit-child") == 0)
		exit(unit_child_run(argc, argv));
	if (!realpath(argv[0], unit_self))
		snprintf(unit_self, sizeof(unit_self), "%s", argv[0]);
}

/*
 * Start this binary as a helper child.  *to_child (if not NULL) receives
 * the write end of its stdin, *from_child the read end of its stdout.
 */
static inline pid_t unit_spawn(const char *const *args, int *to_child, int *from_child)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) < 0 || pipe(out) < 0)
		fail_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[16];
		int n = 0;

		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		argv[n++] = unit_self;
		argv[n++] = (char *)"--unit-child";
		for (; *args && n < 15; args++)
			argv[n++] = (char *)*args;
		argv[n] = NULL;
		execv(unit_self, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (to_child)
		*to_child = in[1];
	else
		close(in[1]);
	if (from_child)
		*from_child = out[0];
	else
		close(out[0]);
	return pid;
}

/* Wait for a child; returns the raw wait status. */
static inline int unit_wait(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
	return st;
}

/* A pid that was a process of ours and is gone (reaped): a lock's dead holder. */
static inline long unit_dead_pid(void)
{
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	unit_wait(pid);
	return (long)pid;
}

/*
 * Run `fn` in a forked child and assert that it exits 0: a fresh process
 * for what a process does once (loading a library).  `fn` returns the
 * child's exit status, a different non-zero one for each check that fails.
 */
static inline void unit_in_child(int (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn());
	st = unit_wait(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the child failed (wait status 0x%x)", (unsigned)st);
}

/* ---- graphs built directly (no database) ---- */

/*
 * Build g from n nodes named by `name(i)` (which must sort in index order)
 * with traffic rps[i] (NULL: 0) and edges from[k] -> to[k]; computes SCCs.
 */
static inline void unit_graph_build(fc_graph *g, size_t n, char *(*name)(size_t i), const double *rps,
				    const int *from, const int *to, size_t ne)
{
	size_t i, *op, *ip;

	memset(g, 0, sizeof(*g));
	g->n = n;
	g->names = fc_calloc(n + 1, sizeof(char *));
	g->rps = fc_calloc(n + 1, sizeof(double));
	for (i = 0; i < n; i++) {
		g->names[i] = name(i);
		g->rps[i] = rps ? rps[i] : 0;
	}
	g->out_off = fc_calloc(n + 1, sizeof(size_t));
	g->in_off = fc_calloc(n + 1, sizeof(size_t));
	g->out_to = fc_calloc(ne + 1, sizeof(int));
	g->in_from = fc_calloc(ne + 1, sizeof(int));
	for (i = 0; i < ne; i++) {
		g->out_off[from[i] + 1]++;
		g->in_off[to[i] + 1]++;
	}
	for (i = 0; i < n; i++) {
		g->out_off[i + 1] += g->out_off[i];
		g->in_off[i + 1] += g->in_off[i];
	}
	op = fc_calloc(n + 1, sizeof(size_t));
	ip = fc_calloc(n + 1, sizeof(size_t));
	memcpy(op, g->out_off, (n + 1) * sizeof(size_t));
	memcpy(ip, g->in_off, (n + 1) * sizeof(size_t));
	for (i = 0; i < ne; i++) {
		g->out_to[op[from[i]]++] = to[i];
		g->in_from[ip[to[i]]++] = from[i];
	}
	free(op);
	free(ip);
	fc_graph_scc(g);
}

#endif
