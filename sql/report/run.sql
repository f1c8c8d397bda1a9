-- The run a report is about: its business date and where it came from.
SELECT r.run_id, r.business_date, r.trigger, r.started, coalesce(r.origin, '') AS origin
FROM ops.run r
WHERE r.run_id = $1 AND r.sys_time IS NOT NULL
