-- Analysis checks (SPEC section 9): a result is pass, fail, no-data or
-- error.  Old rows keep their meaning: outcome NULL reads as pass = 1 ->
-- pass, pass = 0 -> fail.  A no-data or error row has pass = 0 and its
-- outcome named; it neither passes nor fails, so it is no failure in the
-- streak the backfill gate reads, nor a last failure.
ALTER TABLE check_result ADD COLUMN outcome TEXT
	CHECK (outcome IS NULL OR (outcome IN ('no-data', 'error') AND pass = 0));

DROP VIEW check_streak_of;
CREATE VIEW check_streak_of AS
SELECT c.service AS service, c.name AS name, count(*) AS kept,
       sum(c.pass = 1 AND NOT EXISTS (SELECT 1 FROM check_result f WHERE f.service = c.service AND f.name = c.name
				      AND f.pass = 0 AND f.outcome IS NULL
				      AND (f.at > c.at OR (f.at = c.at AND f.id > c.id)))) AS streak,
       max(c.at) AS newest
FROM check_result c GROUP BY c.service, c.name;

DELETE FROM check_streak;
INSERT INTO check_streak (service, name, kept, streak, newest) SELECT * FROM check_streak_of;

-- The watcher of this clone (ficus watch): one row, local state that the
-- plan repository does not hold; status and the dashboard read it.
CREATE TABLE watch_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	pid INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('running', 'stopped')),
	started INTEGER NOT NULL,
	last_round INTEGER,
	note TEXT NOT NULL DEFAULT ''
);
