-- The checks that found something in run $1, most findings first.
SELECT f.check_code, f.severity, count(*) AS findings, any_value(c.meaning) AS meaning
FROM ops.finding f
LEFT JOIN analytics.check_code c USING (check_code)
WHERE f.run_id = $1
GROUP BY f.check_code, f.severity
ORDER BY findings DESC, f.check_code
