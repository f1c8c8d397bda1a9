-- Plausibility findings of run $1 per source entity and severity (every entity).
SELECT e.src_system, e.entity,
       count(f.check_code) FILTER (f.severity = 'INFO') AS info,
       count(f.check_code) FILTER (f.severity = 'WARNING') AS warning,
       count(f.check_code) FILTER (f.severity = 'ERROR') AS error
FROM analytics.source_entity e
LEFT JOIN ops.finding f ON f.entity = e.entity AND f.run_id = $1
GROUP BY e.src_system, e.entity, e.position
ORDER BY e.position
