-- Producers per status (every status of the code list, none left out) for run $1.
SELECT c.code AS status, count(s.produsentnr) AS producers
FROM analytics.code c
LEFT JOIN analytics.status_at((SELECT business_date FROM ops.run WHERE run_id = $1), $1) s ON s.status = c.code
WHERE c.list = 'status'
GROUP BY c.code, c.position
ORDER BY c.position
