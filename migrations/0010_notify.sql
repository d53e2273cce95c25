-- Notifications (webhooks): a transactional outbox, local to this clone
-- like the journal (never in the plan repository).
--
-- A change's event row is written by the trigger below inside the very
-- transaction that inserts the change's journal row, so a change that
-- exists always has its event, and one rolled back has none.  The event
-- becomes deliverable once the journal row has its commit (the second
-- trigger copies the commit id, also when a repair finds it later).
-- Other events (gate-open, push-failed, drift, test) are inserted by
-- core/fc_notify.c.  One delivery row per event and webhook records the
-- attempts, the last HTTP status and the (masked) error.
CREATE TABLE notify_event (
	id INTEGER PRIMARY KEY,
	event_id TEXT NOT NULL UNIQUE,       -- the X-Ficus-Event header: receivers dedupe on it
	kind TEXT NOT NULL,                  -- change, gate-open, push-failed, drift, test
	change_id TEXT,                      -- change, push-failed: the journal's change
	service TEXT,
	message TEXT,                        -- change, push-failed: the commit message
	actor TEXT,
	commit_oid TEXT,                     -- a change is deliverable once this is set
	detail TEXT,                         -- other events: compact JSON of their facts
	created INTEGER NOT NULL,
	fanned INTEGER NOT NULL DEFAULT 0    -- 1: its delivery rows were made
);
CREATE UNIQUE INDEX notify_event_change ON notify_event (change_id) WHERE kind = 'change';
CREATE INDEX notify_event_open ON notify_event (fanned) WHERE fanned = 0;

CREATE TABLE notify_delivery (
	event INTEGER NOT NULL REFERENCES notify_event (id) ON DELETE CASCADE,
	hook TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	status INTEGER NOT NULL DEFAULT 0,   -- HTTP status of the last attempt, 0: no answer
	error TEXT NOT NULL DEFAULT '',
	updated INTEGER NOT NULL DEFAULT 0,
	owner INTEGER,                       -- the deliverer process at work on it
	PRIMARY KEY (event, hook)
) WITHOUT ROWID;
CREATE INDEX notify_delivery_open ON notify_delivery (state) WHERE state <> 'delivered';

-- The last seen state of each service's next gate, for gate-open events.
CREATE TABLE notify_gate (
	service TEXT PRIMARY KEY,
	open INTEGER NOT NULL,
	step TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER notify_change AFTER INSERT ON journal WHEN NEW.state = 'db'
BEGIN
	INSERT OR IGNORE INTO notify_event (event_id, kind, change_id, message, actor, created)
	VALUES (lower(hex(randomblob(8))), 'change', NEW.change_id, NEW.message,
		NEW.author_name || CASE WHEN NEW.author_email <> '' THEN ' <' || NEW.author_email || '>' ELSE '' END,
		NEW.created);
END;

CREATE TRIGGER notify_commit AFTER UPDATE OF commit_oid ON journal WHEN NEW.commit_oid IS NOT NULL
BEGIN
	UPDATE notify_event SET commit_oid = NEW.commit_oid
	WHERE kind = 'change' AND change_id = NEW.change_id AND commit_oid IS NULL;
END;
