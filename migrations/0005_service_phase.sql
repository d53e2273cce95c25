-- PLAN.md's totals count the services of each phase on every change: a
-- covering index of the phase is a fraction of the service table's pages
-- (5,000 services: a pass over the table was most of rendering PLAN.md).
CREATE INDEX service_phase ON service (phase);
