#ifndef FC_STORE_H
#define FC_STORE_H
/*
 * The SQLite model of one plan.
 *
 * Invariants: WAL mode, foreign keys on, a busy timeout on every
 * connection; the schema is the numbered files of migrations/, compiled in,
 * applied in order, each in its own transaction, the version kept in
 * PRAGMA user_version.  A database newer than this binary is refused.
 * Transactions nest through one begin/commit pair with a depth counter;
 * the outermost writer uses BEGIN IMMEDIATE so that a writer waits for the
 * lock at the start instead of failing half-way.  Every value is bound.
 */
#include <sqlite3.h>
#include <stddef.h>

typedef struct fc_store fc_store;

typedef struct {
	int version;
	const char *name;
	const char *sql;
} fc_migration;

extern const fc_migration fc_migrations[];
extern const size_t fc_migrations_count;

/* The schema version this binary writes. */
int fc_store_schema_version(void);

/*
 * Open (and with `create`, create) the database at `path` and bring its
 * schema up to date.  `busy_ms` is the lock timeout.  Errors: FC_ESCHEMA
 * for a newer database, FC_ENOTFOUND when it does not exist and !create.
 */
int fc_store_open(fc_store **out, const char *path, int create, int busy_ms);

/*
 * Open the database at `path` for reading only, for a plan this user
 * cannot write (a read-only directory or file): no WAL switch, no
 * migration, no -shm file created where none can be.  Writes through the
 * handle fail.  Errors: FC_ENOTFOUND (missing or unreadable), FC_ESCHEMA
 * (newer), FC_ERROR (older than this binary, or SQLite's refusal).
 */
int fc_store_open_readonly(fc_store **out, const char *path, int busy_ms);
void fc_store_free(fc_store *s);

/*
 * With `on`, read the pages through a small cache that is used again
 * rather than through a map of the file: for a walk that visits each page
 * of whole tables about once (each page mapped costs a fault).  Off again
 * for seeks.  Call it between statements, with none holding a page.
 */
int fc_store_scan(fc_store *s, int on);

/* The connection (borrowed), for modules that prepare their own queries. */
sqlite3 *fc_store_db(fc_store *s);

/*
 * Begin a (nested) transaction.  `write` makes the outermost one
 * BEGIN IMMEDIATE.  FC_ECONFLICT when the lock is not had within the busy
 * timeout.
 */
int fc_store_begin(fc_store *s, int write);
/* Commit one level; the outermost level commits for real. */
int fc_store_commit(fc_store *s);
/* Roll back; an inner level dooms the outer ones. */
void fc_store_rollback(fc_store *s);
/* Nesting depth (0 outside any transaction). */
int fc_store_depth(fc_store *s);

/*
 * Prepare a statement; errors carry SQLite's message.  The statement is
 * the caller's (sqlite3_finalize).
 */
int fc_store_prepare(fc_store *s, sqlite3_stmt **out, const char *sql);

/*
 * Prepare and bind: `types` has one letter per value: 's' (const char *,
 * NULL binds NULL), 'i' (int), 'I' (long long), 'd' (double).
 */
int fc_store_preparef(fc_store *s, sqlite3_stmt **out, const char *sql, const char *types, ...);

/* Prepare, bind, step to completion, finalize. */
int fc_store_exec(fc_store *s, const char *sql, const char *types, ...);

/*
 * Step a statement: 1 for a row, 0 when done, negative with SQLite's text
 * in the last error.
 */
int fc_store_step(fc_store *s, sqlite3_stmt *st);

/* Column text, never NULL (borrowed until the next step). */
const char *fc_col_text(sqlite3_stmt *st, int col);

/* Record SQLite's current error for `what`; returns the mapped code. */
int fc_store_error(fc_store *s, const char *what);

/* A setting (caller frees) or NULL when absent. */
/*
 * A statement prepared once and kept for the life of the connection, for
 * queries asked once per service: `sql` must be a string literal (it is
 * told apart by its address).  Bind and step it, then fc_store_release()
 * it; never finalize it.  Up to 16 per connection.
 */
int fc_store_kept(fc_store *s, sqlite3_stmt **out, const char *sql);
void fc_store_release(sqlite3_stmt *q);

/* fc_store_exec through a kept statement (`sql` a string literal): for a write made once per service. */
int fc_store_exec_kept(fc_store *s, const char *sql, const char *types, ...);

char *fc_store_setting(fc_store *s, const char *key);
int fc_store_set_setting(fc_store *s, const char *key, const char *value);

/* This clone's own state (table local_state, never in the plan files):
 * a value (caller frees) or NULL; set one. */
char *fc_store_local(fc_store *s, const char *key);
int fc_store_set_local(fc_store *s, const char *key, const char *value);

/*
 * Replace the whole contents of `s` with those of `from` in one write
 * transaction (SQLite's online backup): every other connection to the
 * same file sees the old contents or the new, and notices the change
 * before its next statement.  The file itself is never replaced.
 */
int fc_store_replace_from(fc_store *s, fc_store *from);
/*
 * "Did you mean" for a name that does not exist: the hint from
 * fc_suggest_hint over the plan's names of `what` ("service", "domain" or
 * "router"), "" when nothing is close or the names cannot be read (the
 * error being reported matters more).  Call it before setting the error:
 * it clears the last error.  Caller frees.
 */
char *fc_store_suggest(fc_store *s, const char *what, const char *word);

#endif
