-- Coverage periods (DOMAIN rule 2): the coverage date is the business date of the first
-- run that found the producer covered, kept while it stays covered without a break; a
-- producer that drops out and comes back gets a new one. This builds the new set of
-- periods; the runner historises it into model.coverage.
-- A period closed on this very business date is reopened when a rerun of the same date
-- finds the producer covered again: a same-day rerun makes no break.
CREATE OR REPLACE TEMP TABLE stg_coverage AS
WITH prm AS (SELECT * FROM model.param),
periods AS (
    SELECT produsentnr, innrullert_dato, utmeldt_dato FROM model.coverage WHERE sys_bis IS NULL
),
covered AS (
    SELECT produsentnr FROM model.basis WHERE over_terskel
),
reopened AS (
    SELECT p.produsentnr, p.innrullert_dato
    FROM periods p, prm
    WHERE p.utmeldt_dato = prm.as_of AND p.produsentnr IN (SELECT produsentnr FROM covered)
),
open AS (
    SELECT produsentnr, innrullert_dato FROM periods WHERE utmeldt_dato IS NULL
    UNION ALL
    SELECT produsentnr, innrullert_dato FROM reopened
),
next AS (
    SELECT p.produsentnr, p.innrullert_dato, p.utmeldt_dato
    FROM periods p
    WHERE p.utmeldt_dato IS NOT NULL
      AND (p.produsentnr, p.innrullert_dato) NOT IN (SELECT (produsentnr, innrullert_dato) FROM reopened)
    UNION ALL
    SELECT o.produsentnr, o.innrullert_dato,
           CASE WHEN o.produsentnr NOT IN (SELECT produsentnr FROM covered) THEN prm.as_of END
    FROM open o, prm
    UNION ALL
    SELECT c.produsentnr, prm.as_of, NULL
    FROM covered c, prm
    WHERE c.produsentnr NOT IN (SELECT produsentnr FROM open)
)
SELECT produsentnr || '|' || strftime(innrullert_dato, '%Y-%m-%d') AS rkey,
       produsentnr, innrullert_dato, utmeldt_dato,
       'rules' AS src_system,
       'run ' || (SELECT run_id FROM model.param) AS src_ref
FROM next;
