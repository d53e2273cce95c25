-- The process that is carrying a change through its router push: another
-- process finishes a 'committed' change only once its owner is gone, so a
-- reader never pushes (and waits on a router) for a writer still at work.
ALTER TABLE journal ADD COLUMN owner INTEGER;
