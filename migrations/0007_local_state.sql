-- State of this clone that the plan repository does not hold: the commit
-- the database was last brought to ('head'), so that a commit made beside
-- ficus (git itself, a merged pull request) is noticed and adopted.
CREATE TABLE local_state (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
