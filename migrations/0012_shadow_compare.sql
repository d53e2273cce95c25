-- Shadow compare (ficus-shadow(1)): a service's compare configuration as
-- the protocol v1 "compare" member pushed with its flag,
-- {"ignore":[...],"sample":BP,"since":UNIX}, compact with sorted keys;
-- '' while compare is off.  The plan file holds it too (rebuild keeps it).
ALTER TABLE service ADD COLUMN compare TEXT NOT NULL DEFAULT '';
