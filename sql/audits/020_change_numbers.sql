-- Change numbers rise without gaps or duplicates, and every receiver version points at
-- changes that exist: its change number names a change of its receiver and key. The join
-- is on the number alone, the change log's primary key (a hash join on an integer instead
-- of on the number, the receiver and the key).
SELECT 'change_log' AS tbl, 'numbers 1..' || max(endringsnr) || ' but ' || count(*) || ' changes (' || count(DISTINCT endringsnr) || ' distinct)' AS rkey
FROM ops.change_log
HAVING count(*) <> coalesce(max(endringsnr), 0) OR count(DISTINCT endringsnr) <> count(*)
UNION ALL
SELECT 'rcv', r.receiver || ' ' || r.rkey FROM (
    SELECT 'dhp' AS receiver, rkey, chg_von FROM rcv.dhp UNION ALL SELECT 'ksl', rkey, chg_von FROM rcv.ksl
    UNION ALL SELECT 'saukontrollen', rkey, chg_von FROM rcv.saukontrollen UNION ALL SELECT 'nokkeltall', rkey, chg_von FROM rcv.nokkeltall
    UNION ALL SELECT 'varsler', rkey, chg_von FROM rcv.varsler
) r LEFT JOIN ops.change_log l ON l.endringsnr = r.chg_von
WHERE l.endringsnr IS NULL OR l.receiver <> r.receiver OR l.rkey <> r.rkey
