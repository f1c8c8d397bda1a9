-- Missed deadlines per deadline type and escalation step for run $1.
SELECT c.code AS fristtype,
       count(*) FILTER (x.trinn = 'FRIST_OVERSKREDET') AS overdue,
       count(*) FILTER (x.trinn = 'DVP_TREKK') AS deduction,
       count(*) FILTER (x.trinn = 'KSL') AS ksl
FROM analytics.code c
LEFT JOIN analytics.deadline_at((SELECT business_date FROM ops.run WHERE run_id = $1), $1) x
       ON x.fristtype = c.code AND x.dager_overskredet > 0
WHERE c.list = 'fristtype'
GROUP BY c.code, c.position
ORDER BY c.position
