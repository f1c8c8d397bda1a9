-- The history of every deadline (for "as of any past business date"): this run's deadlines
-- staged for the runner, which historises them into model.deadline_h. The days overdue are
-- left out; the analytics macros derive them from frist and the date asked.
CREATE OR REPLACE TEMP TABLE stg_deadline_h AS
SELECT produsentnr || '|' || fristtype || '|' || coalesce(avvik_id, '') AS rkey,
       produsentnr, fristtype, avvik_id, beregnet, forlenget_til, frist
FROM model.deadline;
