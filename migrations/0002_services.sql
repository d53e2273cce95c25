-- Services and their lifecycle, checks.
CREATE TABLE service (
	name TEXT PRIMARY KEY,
	route TEXT NOT NULL DEFAULT '',
	flag TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	phase TEXT NOT NULL DEFAULT 'planned'
		CHECK (phase IN ('planned', 'dual-write', 'backfill', 'read-cutover', 'decommission', 'done')),
	bp INTEGER NOT NULL DEFAULT 0 CHECK (bp BETWEEN 0 AND 10000),
	shadow INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
	rev INTEGER NOT NULL DEFAULT 0,         -- flag revision pushed to routers
	phase_since INTEGER NOT NULL,           -- when the phase began
	step_since INTEGER NOT NULL,            -- when the flag took its value
	routers TEXT NOT NULL DEFAULT '',       -- JSON list of router names; '' = all
	gates TEXT NOT NULL DEFAULT '{}',       -- per-service gate overrides
	checks TEXT NOT NULL DEFAULT '{}'       -- check commands: name -> {command, timeout}
) WITHOUT ROWID;
CREATE UNIQUE INDEX service_flag ON service (flag);

CREATE TABLE service_domain (
	service TEXT NOT NULL REFERENCES service(name) ON DELETE CASCADE,
	domain TEXT NOT NULL REFERENCES domain(name),
	PRIMARY KEY (service, domain)
) WITHOUT ROWID;
CREATE INDEX service_domain_domain ON service_domain (domain);

CREATE TABLE service_need (
	service TEXT NOT NULL REFERENCES service(name) ON DELETE CASCADE,
	need TEXT NOT NULL REFERENCES service(name),
	PRIMARY KEY (service, need),
	CHECK (service <> need)
) WITHOUT ROWID;

-- Recent check results (the last few per name, as in the service file) and
-- the time of the last failure per name, which the gates read.
CREATE TABLE check_result (
	id INTEGER PRIMARY KEY,
	service TEXT NOT NULL REFERENCES service(name) ON DELETE CASCADE,
	name TEXT NOT NULL,
	pass INTEGER NOT NULL CHECK (pass IN (0, 1)),
	detail TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL,
	actor TEXT NOT NULL DEFAULT ''
);
CREATE INDEX check_result_service ON check_result (service, name, at);

CREATE TABLE check_state (
	service TEXT NOT NULL REFERENCES service(name) ON DELETE CASCADE,
	name TEXT NOT NULL,
	last_fail INTEGER,
	PRIMARY KEY (service, name)
) WITHOUT ROWID;
