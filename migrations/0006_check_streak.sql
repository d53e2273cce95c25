-- What the backfill gate reads of a check's recent results, kept per
-- (service, check) so that a plan-wide view reads one small row instead of
-- every result: the results kept (at most 20), the passes since the newest
-- failure among them (all of them without one), in (at, id) order, and the
-- time of the newest.  The triggers keep it equal to check_result on every
-- write, whatever writes it (a check, a rebuild from the plan files, a
-- service's removal).  No foreign key: a service's removal deletes its
-- results one by one, and the last deletion leaves no summary behind.
CREATE TABLE check_streak (
	service TEXT NOT NULL,
	name TEXT NOT NULL,
	kept INTEGER NOT NULL,
	streak INTEGER NOT NULL,
	newest INTEGER NOT NULL,
	PRIMARY KEY (service, name)
) WITHOUT ROWID;

-- the summary computed from the results; SQLite pushes a (service, name)
-- condition into it, so the triggers read only that check's results
CREATE VIEW check_streak_of AS
SELECT c.service AS service, c.name AS name, count(*) AS kept,
       sum(c.pass = 1 AND NOT EXISTS (SELECT 1 FROM check_result f WHERE f.service = c.service AND f.name = c.name
				      AND f.pass = 0 AND (f.at > c.at OR (f.at = c.at AND f.id > c.id)))) AS streak,
       max(c.at) AS newest
FROM check_result c GROUP BY c.service, c.name;

INSERT INTO check_streak (service, name, kept, streak, newest) SELECT * FROM check_streak_of;

CREATE TRIGGER check_streak_insert AFTER INSERT ON check_result BEGIN
	INSERT OR REPLACE INTO check_streak (service, name, kept, streak, newest)
	SELECT * FROM check_streak_of WHERE service = NEW.service AND name = NEW.name;
END;

CREATE TRIGGER check_streak_delete AFTER DELETE ON check_result BEGIN
	DELETE FROM check_streak WHERE service = OLD.service AND name = OLD.name;
	INSERT INTO check_streak (service, name, kept, streak, newest)
	SELECT * FROM check_streak_of WHERE service = OLD.service AND name = OLD.name;
END;

-- results are written and deleted, never edited: an edit would leave the
-- summary behind, so it is refused
CREATE TRIGGER check_result_no_update BEFORE UPDATE ON check_result BEGIN
	SELECT RAISE(ABORT, 'check results are not edited: delete and insert');
END;
