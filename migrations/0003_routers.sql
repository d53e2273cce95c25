-- Router state: what ficus last pushed to, and read back from, each replica
-- of each router, per flag.  Observations, not plan: not in the plan
-- repository, not rebuilt by 'ficus rebuild' (the next push or verify
-- fills it again).  A row whose want_* differ from the service's bp,
-- shadow and rev is pending whatever its state says.
CREATE TABLE router_state (
	router TEXT NOT NULL,
	replica TEXT NOT NULL,
	flag TEXT NOT NULL,
	want_bp INTEGER NOT NULL CHECK (want_bp BETWEEN 0 AND 10000),
	want_shadow INTEGER NOT NULL CHECK (want_shadow IN (0, 1)),
	want_rev INTEGER NOT NULL,
	seen_bp INTEGER,                  -- NULL: not seen on the router
	seen_shadow INTEGER,
	seen_rev INTEGER,                 -- NULL: the router keeps no revision
	state TEXT NOT NULL
		CHECK (state IN ('synced', 'pending', 'unreachable', 'drift', 'newer')),
	error TEXT NOT NULL DEFAULT '',   -- why not synced; never holds a token
	attempts INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL,         -- Unix seconds of the observation
	PRIMARY KEY (router, replica, flag)
) WITHOUT ROWID;
-- what a push left behind, read by every change (fc_router_push)
CREATE INDEX router_state_unsynced ON router_state (flag) WHERE state <> 'synced';
