-- What run $1 published to each receiver.
SELECT x.receiver, x.export_id, x.rows_ny, x.rows_endret, x.rows_slettet, r.unconfirmed_changes
FROM ops.export x
LEFT JOIN analytics.receiver r USING (receiver)
LEFT JOIN analytics.code c ON c.list = 'receiver' AND c.code = x.receiver
WHERE x.run_id = $1
ORDER BY c.position, x.export_id
