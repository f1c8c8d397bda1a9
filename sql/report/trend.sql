-- Producers per status over the last 30 runs up to run $1 that computed a history.
WITH runs AS (
    SELECT run_id FROM ops.run
    WHERE sys_time IS NOT NULL AND run_id <= $1 AND run_id IN (SELECT run_id FROM model.run_param)
    ORDER BY run_id DESC
    LIMIT 30
)
SELECT t.run_id, t.business_date, t.status, t.produsenter
FROM analytics.status_trend t
WHERE t.run_id IN (SELECT run_id FROM runs)
ORDER BY t.run_id, t.status
