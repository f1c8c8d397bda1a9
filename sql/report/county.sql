-- Covered producers per county (fylke) with those in breach: a deadline missed by 1–15
-- days, and under deduction (16 days or more), most breaches first.
SELECT coalesce(s.fylke, '') AS fylke, coalesce(any_value(s.fylkesnavn), '') AS name,
       count(*) AS covered,
       count(*) FILTER (s.status = 'FRIST_OVERSKREDET') AS overdue,
       count(*) FILTER (s.status = 'DVP_TREKK') AS deduction
FROM analytics.status_at((SELECT business_date FROM ops.run WHERE run_id = $1), $1) s
WHERE s.omfattet
GROUP BY ALL
ORDER BY overdue + deduction DESC, (overdue + deduction) / covered DESC, fylke
