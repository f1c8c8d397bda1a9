-- The values receivers get keep their contract: statuses and flags from their code lists,
-- trekk_fra exactly when dvp_trekk is ja, dates where deadlines are missed.
SELECT 'rcv.dhp (status)' AS tbl, rkey FROM rcv.dhp
WHERE chg_bis IS NULL AND status NOT IN ('INNRULLERT', 'GODKJENT', 'FRIST_OVERSKREDET', 'DVP_TREKK')
UNION ALL
SELECT 'rcv.dhp (dvp_trekk/trekk_fra)', rkey FROM rcv.dhp
WHERE chg_bis IS NULL AND NOT ((dvp_trekk = 'ja' AND trekk_fra IS NOT NULL) OR (dvp_trekk = 'nei' AND trekk_fra IS NULL))
UNION ALL
SELECT 'rcv.ksl (ksl_avvik)', rkey FROM rcv.ksl WHERE chg_bis IS NULL AND ksl_avvik NOT IN ('ja', 'nei')
UNION ALL
SELECT 'rcv.saukontrollen (status)', rkey FROM rcv.saukontrollen
WHERE chg_bis IS NULL AND (status NOT IN ('INNRULLERT', 'GODKJENT', 'FRIST_OVERSKREDET', 'DVP_TREKK') OR apne_avvik < 0)
UNION ALL
SELECT 'rcv.nokkeltall (shares)', rkey FROM rcv.nokkeltall
WHERE chg_bis IS NULL AND (andel_lam_fett1 NOT BETWEEN 0 AND 1 OR andel_sau_fett1 NOT BETWEEN 0 AND 1 OR antall_lam < 0)
UNION ALL
SELECT 'rcv.varsler (kanal)', rkey FROM rcv.varsler WHERE chg_bis IS NULL AND kanal NOT IN ('SMS', 'EPOST')
