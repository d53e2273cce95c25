#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_json.h"
#include "fc_store.h"
#include "fc_suggest.h"

struct fc_store {
	sqlite3 *db;
	int depth;
	int doomed;
	int scanning;            /* fc_store_scan */
	struct {
		const char *sql;  /* the caller's literal: compared by address */
		sqlite3_stmt *q;
	} kept[16];              /* statements asked for per service (fc_store_kept) */
};

int fc_store_schema_version(void)
{
	return (int)fc_migrations_count;
}

int fc_store_error(fc_store *s, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	int primary = rc & 0xff;

	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return fc_error_set(FC_ECONFLICT,
			"%s: the plan is locked by another ficus process (gave up waiting; see --lock-timeout)", what);
	if (primary == SQLITE_CONSTRAINT)
		return fc_error_set(FC_EEXISTS, "%s: %s", what, sqlite3_errmsg(s->db));
	return fc_error_set(FC_ERROR, "%s: sqlite: %s", what, sqlite3_errmsg(s->db));
}

static int run_sql(fc_store *s, const char *sql, const char *what)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int rc = fc_store_error(s, what);
		if (err && (rc == FC_ERROR))
			fc_error_set(FC_ERROR, "%s: sqlite: %s", what, err);
		sqlite3_free(err);
		return rc;
	}
	return 0;
}

static int user_version(fc_store *s, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = fc_store_prepare(s, &st, "PRAGMA user_version")) < 0)
		return rc;
	rc = fc_store_step(s, st);
	*out = rc == 1 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

static int migrate(fc_store *s, const char *path)
{
	int have, rc;
	size_t i;

	if ((rc = user_version(s, &have)) < 0)
		return rc;
	if (have > fc_store_schema_version())
		return fc_error_set(FC_ESCHEMA,
			"database '%s' has schema %d but this ficus knows schema %d at most: "
			"use a newer ficus, or move the database away and run 'ficus rebuild'",
			path, have, fc_store_schema_version());
	for (i = 0; i < fc_migrations_count; i++) {
		const fc_migration *m = &fc_migrations[i];
		char pragma[64];

		if (m->version != (int)i + 1)
			return fc_error_set(FC_ERROR, "migration '%s' is out of sequence", m->name);
		if (m->version <= have)
			continue;
		if ((rc = fc_store_begin(s, 1)) < 0)
			return rc;
		/* re-read under the write lock: another process may have migrated */
		if ((rc = user_version(s, &have)) < 0 || m->version <= have) {
			fc_store_rollback(s);
			if (rc < 0)
				return rc;
			continue;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if ((rc = run_sql(s, m->sql, m->name)) < 0 ||
		    (rc = run_sql(s, pragma, m->name)) < 0) {
			fc_store_rollback(s);
			return fc_error_wrap(rc, "applying migration '%s'", m->name);
		}
		if ((rc = fc_store_commit(s)) < 0)
			return rc;
		have = m->version;
	}
	return 0;
}

/*
 * How pages are read.  Mapped: each page of the file the process touches
 * for the first time costs a page fault, 15 us apiece on the development
 * VM (a pread() of a page into a buffer used again costs 2), and a page
 * touched again costs nothing.  Scanned: a page cache of 32 pages, used
 * over and over, filled by pread(); cheaper for reads that visit each page
 * about once (a walk over whole tables: 5 ms less for 'status --json' on
 * a large plan), dearer for seeks that come back to the same pages.
 */
#define MAPPED "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -2000"
#define SCANNED "PRAGMA mmap_size = 0; PRAGMA cache_size = 32"

/* sqlite3_open_v2 `name` (a path, or a URI with SQLITE_OPEN_URI) into a new store. */
static int open_db(fc_store **out, const char *name, int flags, int busy_ms, const char *path)
{
	fc_store *s = fc_calloc(1, sizeof(*s));

	*out = NULL;
	if (sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		int rc = fc_error_set(FC_ERROR, "cannot open database '%s': %s", path,
				      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		fc_store_free(s);
		return rc;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_ms);
	*out = s;
	return 0;
}

int fc_store_open(fc_store **out, const char *path, int create, int busy_ms)
{
	fc_store *s = NULL;
	int rc;

	*out = NULL;
	if (!create && access(path, F_OK) != 0)
		return fc_error_set(FC_ENOTFOUND, "database '%s' does not exist", path);
	if ((rc = open_db(&s, path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), busy_ms, path)) < 0)
		return rc;
	if ((rc = run_sql(s, "PRAGMA journal_mode = WAL", "opening database")) < 0 ||
	    (rc = run_sql(s, "PRAGMA foreign_keys = ON", "opening database")) < 0 ||
	    (rc = run_sql(s, "PRAGMA synchronous = NORMAL", "opening database")) < 0)
		goto done;
	/*
	 * Read the database file through a memory map (see MAPPED).  Pages
	 * written go through the WAL as before; SQLite falls back to reads
	 * where mmap is unavailable.
	 */
	sqlite3_exec(s->db, MAPPED, NULL, NULL, NULL);
	rc = migrate(s, path);
done:
	if (rc < 0) {
		fc_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* "file:<path>?<query>" with the bytes a URI path cannot hold escaped. */
static char *file_uri(const char *path, const char *query)
{
	fc_buf b = FC_BUF_INIT;

	fc_buf_puts(&b, "file:");
	for (const char *c = path; *c; c++)
		if (*c == '%' || *c == '?' || *c == '#')
			fc_buf_printf(&b, "%%%02X", (unsigned char)*c);
		else
			fc_buf_putc(&b, *c);
	fc_buf_printf(&b, "?%s", query);
	return fc_buf_detach(&b);
}

int fc_store_open_readonly(fc_store **out, const char *path, int busy_ms)
{
	static const char *const modes[] = { "mode=ro", "immutable=1" };
	fc_store *s = NULL;
	char *wal = fc_asprintf("%s-wal", path);
	struct stat st;
	int rc = 0, have = 0, wal_empty = stat(wal, &st) != 0 || st.st_size == 0;

	*out = NULL;
	free(wal);
	if (access(path, R_OK) != 0)
		return fc_error_set(FC_ENOTFOUND, "database '%s' does not exist or cannot be read", path);
	for (size_t i = 0; i < 2; i++) {
		char *uri = file_uri(path, modes[i]);

		fc_store_free(s);
		s = NULL;
		rc = open_db(&s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busy_ms, path);
		free(uri);
		/*
		 * mode=ro fails at the first read when the -shm file can be
		 * neither opened nor created (a read-only directory).  With no
		 * WAL to replay the database file alone is the whole database:
		 * read it as immutable, which needs no -shm file.
		 */
		if (rc == 0 && (rc = user_version(s, &have)) == 0)
			break;
		if (!wal_empty)
			break;
	}
	if (rc < 0)
		goto done;
	sqlite3_exec(s->db, MAPPED, NULL, NULL, NULL);
	if (have > fc_store_schema_version())
		rc = fc_error_set(FC_ESCHEMA, "database '%s' has schema %d but this ficus knows schema %d at most: "
				  "use a newer ficus", path, have, fc_store_schema_version());
	else if (have < fc_store_schema_version())
		rc = fc_error_set(FC_ERROR, "database '%s' has schema %d and this ficus needs %d, but it is "
				  "read-only here: run ficus once as a user who can write the plan", path, have,
				  fc_store_schema_version());
done:
	if (rc < 0) {
		fc_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int fc_store_scan(fc_store *s, int on)
{
	if (on == s->scanning)
		return 0;
	s->scanning = on;
	return run_sql(s, on ? SCANNED : MAPPED, "setting how pages are read");
}

void fc_store_free(fc_store *s)
{
	if (!s)
		return;
	if (s->depth > 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof(s->kept) / sizeof(s->kept[0]); i++)
		sqlite3_finalize(s->kept[i].q);
	sqlite3_close_v2(s->db);
	free(s);
}

sqlite3 *fc_store_db(fc_store *s)
{
	return s->db;
}

int fc_store_depth(fc_store *s)
{
	return s->depth;
}

int fc_store_begin(fc_store *s, int write)
{
	int rc;

	if (s->depth == 0) {
		s->doomed = 0;
		rc = run_sql(s, write ? "BEGIN IMMEDIATE" : "BEGIN", "starting a transaction");
		if (rc < 0)
			return rc;
	}
	s->depth++;
	return 0;
}

int fc_store_commit(fc_store *s)
{
	int rc;

	if (s->depth <= 0)
		return fc_error_set(FC_ERROR, "commit outside a transaction");
	if (--s->depth > 0)
		return 0;
	if (s->doomed) {
		run_sql(s, "ROLLBACK", "rolling back");
		return fc_error_set(FC_ERROR, "transaction rolled back by an inner failure");
	}
	if ((rc = run_sql(s, "COMMIT", "committing the database")) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

void fc_store_rollback(fc_store *s)
{
	if (s->depth <= 0)
		return;
	if (--s->depth > 0) {
		s->doomed = 1;
		return;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int fc_store_prepare(fc_store *s, sqlite3_stmt **out, const char *sql)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return fc_error_set(FC_ERROR, "sqlite: %s", sqlite3_errmsg(s->db));
	}
	return 0;
}

static int vbind(fc_store *s, sqlite3_stmt *st, const char *types, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; types && types[i] && rc == SQLITE_OK; i++) {
		switch (types[i]) {
		case 's': {
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i': rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int)); break;
		case 'I': rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long long)); break;
		case 'd': rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
		default: return fc_error_set(FC_ERROR, "bad bind type '%c'", types[i]);
		}
	}
	if (rc != SQLITE_OK)
		return fc_error_set(FC_ERROR, "sqlite bind: %s", sqlite3_errmsg(s->db));
	return 0;
}

int fc_store_preparef(fc_store *s, sqlite3_stmt **out, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	if ((rc = fc_store_prepare(s, out, sql)) < 0)
		return rc;
	va_start(ap, types);
	rc = vbind(s, *out, types, ap);
	va_end(ap);
	if (rc < 0) {
		sqlite3_finalize(*out);
		*out = NULL;
	}
	return rc;
}

/* Bind and step `st` to its end (its rows, if any, are passed over). */
static int vexec(fc_store *s, sqlite3_stmt *st, const char *types, va_list ap)
{
	int rc = vbind(s, st, types, ap);

	while (rc == 0 && (rc = fc_store_step(s, st)) == 1)
		rc = 0;
	return rc < 0 ? rc : 0;
}

int fc_store_exec(fc_store *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	if ((rc = fc_store_prepare(s, &st, sql)) < 0)
		return rc;
	va_start(ap, types);
	rc = vexec(s, st, types, ap);
	va_end(ap);
	sqlite3_finalize(st);
	return rc;
}

int fc_store_exec_kept(fc_store *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	if ((rc = fc_store_kept(s, &st, sql)) < 0)
		return rc;
	va_start(ap, types);
	rc = vexec(s, st, types, ap);
	va_end(ap);
	fc_store_release(st);
	return rc;
}

int fc_store_step(fc_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fc_store_error(s, "database");
}

const char *fc_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int fc_store_kept(fc_store *s, sqlite3_stmt **out, const char *sql)
{
	size_t i, n = sizeof(s->kept) / sizeof(s->kept[0]);

	*out = NULL;
	for (i = 0; i < n && s->kept[i].sql; i++)
		if (s->kept[i].sql == sql) {
			*out = s->kept[i].q;
			return 0;
		}
	if (i == n)
		return fc_error_set(FC_ERROR, "more than %zu kept statements (fc_store_kept)", n);
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->kept[i].q, NULL) != SQLITE_OK)
		return fc_store_error(s, "preparing a statement");
	s->kept[i].sql = sql;
	*out = s->kept[i].q;
	return 0;
}

void fc_store_release(sqlite3_stmt *q)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

char *fc_store_setting(fc_store *s, const char *key)
{
	sqlite3_stmt *q;
	char *v = NULL;

	if (fc_store_kept(s, &q, "SELECT value FROM setting WHERE key = ?") < 0)
		return NULL;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	if (fc_store_step(s, q) == 1)
		v = fc_strdup(fc_col_text(q, 0));
	fc_store_release(q);
	return v;
}

int fc_store_set_setting(fc_store *s, const char *key, const char *value)
{
	if (!value)
		return fc_store_exec(s, "DELETE FROM setting WHERE key = ?", "s", key);
	return fc_store_exec(s,
		"INSERT INTO setting (key, value) VALUES (?, ?) "
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value", "ss", key, value);
}

char *fc_store_local(fc_store *s, const char *key)
{
	sqlite3_stmt *q = NULL;
	char *v = NULL;

	if (fc_store_preparef(s, &q, "SELECT value FROM local_state WHERE key = ?", "s", key) < 0)
		return NULL;
	if (fc_store_step(s, q) == 1)
		v = fc_strdup(fc_col_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

int fc_store_set_local(fc_store *s, const char *key, const char *value)
{
	return fc_store_exec(s,
		"INSERT INTO local_state (key, value) VALUES (?, ?) "
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value", "ss", key, value);
}

int fc_store_replace_from(fc_store *s, fc_store *from)
{
	sqlite3_backup *b = sqlite3_backup_init(s->db, "main", from->db, "main");
	int rc, tries = 0;

	if (!b)
		return fc_store_error(s, "replacing the database's contents");
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > 200)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return fc_error_set(FC_ERROR, "replacing the database's contents: %s", sqlite3_errstr(rc));
	return 0;
}

char *fc_store_suggest(fc_store *s, const char *what, const char *word)
{
	char **names = NULL, *hint, *doc = NULL;
	size_t n = 0;
	sqlite3_stmt *q = NULL;
	cJSON *settings = NULL, *r, *routers = NULL;
	int rc = FC_ERROR;

	if (!strcmp(what, "router")) {
		doc = fc_store_setting(s, "plan");
		if (doc)
			fc_json_parse(&settings, "settings", doc, strlen(doc), 1u << 26);
		if (settings)
			routers = cJSON_GetObjectItemCaseSensitive(settings, "routers");
		cJSON_ArrayForEach(r, routers) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(r, "name");
			if (!cJSON_IsString(nm))
				continue;
			names = fc_realloc(names, (n + 1) * sizeof(char *));
			names[n++] = fc_strdup(nm->valuestring);
		}
	} else if (!strcmp(what, "service") || !strcmp(what, "domain")) {
		rc = fc_store_prepare(s, &q, !strcmp(what, "service") ? "SELECT name FROM service" : "SELECT name FROM domain");
		while (rc >= 0 && (rc = fc_store_step(s, q)) == 1) {
			names = fc_realloc(names, (n + 1) * sizeof(char *));
			names[n++] = fc_strdup(fc_col_text(q, 0));
		}
		sqlite3_finalize(q);
	}
	hint = fc_suggest_hint(word, (const char *const *)names, n, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	cJSON_Delete(settings);
	free(doc);
	fc_error_clear();
	(void)rc;
	return hint;
}
