-- Change numbers rise without gaps or duplicates, and every receiver version points at
-- changes that exist.
SELECT 'change_log' AS tbl, 'numbers 1..' || max(endringsnr) || ' but ' || count(*) || ' changes (' || count(DISTINCT endringsnr) || ' distinct)' AS rkey
FROM ops.change_log
HAVING count(*) <> coalesce(max(endringsnr), 0) OR count(DISTINCT endringsnr) <> count(*)
UNION ALL
SELECT 'rcv', r.receiver || ' ' || r.rkey FROM (
    SELECT 'dhp' AS receiver, rkey, chg_von FROM rcv.dhp UNION ALL SELECT 'ksl', rkey, chg_von FROM rcv.ksl
    UNION ALL SELECT 'saukontrollen', rkey, chg_von FROM rcv.saukontrollen UNION ALL SELECT 'nokkeltall', rkey, chg_von FROM rcv.nokkeltall
    UNION ALL SELECT 'varsler', rkey, chg_von FROM rcv.varsler
) r ANTI JOIN ops.change_log l ON l.endringsnr = r.chg_von AND l.receiver = r.receiver AND l.rkey = r.rkey
