-- The gates read (service, name, at, pass) of each service's recent check
-- results: with pass in the index, a plan-wide status reads the index
-- alone instead of a table row per result.
DROP INDEX check_result_service;
CREATE INDEX check_result_service ON check_result (service, name, at, pass);
