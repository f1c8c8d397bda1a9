-- Headline figures of run $1 at its business date.
WITH s AS (
    SELECT * FROM analytics.status_at((SELECT business_date FROM ops.run WHERE run_id = $1), $1)
)
SELECT count(*) AS producers,
       count(*) FILTER (omfattet) AS covered,
       count(*) FILTER (status = 'GODKJENT') AS approved,
       count(*) FILTER (status IN ('FRIST_OVERSKREDET', 'DVP_TREKK')) AS in_breach,
       count(*) FILTER (dvp_trekk) AS deduction,
       count(*) FILTER (ksl_avvik) AS ksl,
       (SELECT count(DISTINCT file || ':' || line) FROM ops.reject WHERE run_id = $1) AS rejected_rows,
       (SELECT count(*) FROM ops.finding WHERE run_id = $1) AS findings
FROM s
