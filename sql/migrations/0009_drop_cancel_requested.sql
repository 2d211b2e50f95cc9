-- cancel_requested was never read to any effect: the API's cancel sets status = 'cancelled' at once,
-- and every runner write is fenced on status = 'running', so the runner learns of a cancel there.
ALTER TABLE scans DROP COLUMN IF EXISTS cancel_requested;
