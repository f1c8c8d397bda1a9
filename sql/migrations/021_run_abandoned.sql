-- 021: a run the process never finished (killed, crashed) is marked abandoned by the next
-- run; the code list and the ledger's comment say so.
INSERT INTO analytics.code (list, code, position, meaning) VALUES
    ('run_status', 'abandoned', 4, 'The process ended before the run finished (killed or crashed); the next run marked it. Its transaction never committed, or the next run repeated what it published.');
COMMENT ON COLUMN ops.run.status IS 'Outcome (code list run_status): running, succeeded, failed, abandoned.';
