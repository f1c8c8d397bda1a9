-- Rejected rows of run $1 per source entity (every entity, in load order).
SELECT e.src_system, e.entity, count(DISTINCT j.file || ':' || j.line) AS rows
FROM analytics.source_entity e
LEFT JOIN ops.reject j ON j.entity = e.entity AND j.run_id = $1
GROUP BY e.src_system, e.entity, e.position
ORDER BY e.position
