-- Two questions every change asks, answered from small indexes instead of
-- a pass over a table of 5,000 rows:
--
-- which flags some replica still lacks (router_state rows neither 'synced'
-- nor 'newer'), before each push: a partial index holds just those rows
-- (its condition is the query's own, as SQLite needs to use it);
CREATE INDEX router_state_unsynced ON router_state (flag) WHERE state <> 'synced' AND state <> 'newer';
-- how many services each phase holds, for PLAN.md's totals: a covering
-- index of the phase is a fraction of the table's pages.
CREATE INDEX service_phase ON service (phase);
