-- The domain map, plan settings and the change journal.
CREATE TABLE setting (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE domain (
	name TEXT PRIMARY KEY,
	owner TEXT NOT NULL DEFAULT '',
	rps REAL NOT NULL DEFAULT 0 CHECK (rps >= 0),
	description TEXT NOT NULL DEFAULT '',
	tables TEXT NOT NULL DEFAULT '[]',   -- JSON array of table names
	signals TEXT NOT NULL DEFAULT '{}'   -- JSON object: signal -> evidence
) WITHOUT ROWID;

CREATE TABLE dep (
	src TEXT NOT NULL REFERENCES domain(name) ON DELETE CASCADE,
	dst TEXT NOT NULL REFERENCES domain(name) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('calls', 'reads', 'writes', 'shares-table')),
	weight INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
	PRIMARY KEY (src, dst, kind),
	CHECK (src <> dst)
) WITHOUT ROWID;
CREATE INDEX dep_dst ON dep (dst);

-- One row per change.  state: 'db' (model written, commit not yet made),
-- 'committed' (commit made), 'applied' (routers updated, or nothing to push).
CREATE TABLE journal (
	id INTEGER PRIMARY KEY,
	change_id TEXT NOT NULL UNIQUE,
	created INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('db', 'committed', 'applied')),
	message TEXT NOT NULL,
	author_name TEXT NOT NULL,
	author_email TEXT NOT NULL,
	paths TEXT NOT NULL,
	commit_oid TEXT
);
CREATE INDEX journal_state ON journal (state) WHERE state <> 'applied';
