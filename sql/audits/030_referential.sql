-- Referential integrity of what receivers are about to get: every status row is a covered
-- producer in the register; every key-figure row is a producer with an active agreement
-- with that vet and no reservation; every notification is for a producer in the register.
SELECT 'rcv.dhp' AS tbl, d.rkey FROM rcv.dhp d
WHERE d.chg_bis IS NULL AND d.produsentnr NOT IN (SELECT produsentnr FROM model.status WHERE omfattet)
UNION ALL
SELECT 'rcv.ksl', k.rkey FROM rcv.ksl k
WHERE k.chg_bis IS NULL AND k.produsentnr NOT IN (SELECT produsentnr FROM model.status WHERE omfattet)
UNION ALL
SELECT 'rcv.saukontrollen', s.rkey FROM rcv.saukontrollen s
WHERE s.chg_bis IS NULL AND s.produsentnr NOT IN (SELECT produsentnr FROM model.status WHERE omfattet)
UNION ALL
SELECT 'rcv.nokkeltall (no active agreement)', n.rkey FROM rcv.nokkeltall n
WHERE n.chg_bis IS NULL AND NOT EXISTS (SELECT 1 FROM model.active_agreement a WHERE a.produsentnr = n.produsentnr AND a.vet_id = n.vet_id)
UNION ALL
SELECT 'rcv.nokkeltall (reserved producer)', n.rkey FROM rcv.nokkeltall n
WHERE n.chg_bis IS NULL AND n.produsentnr IN (SELECT produsentnr FROM model.reservation_state WHERE reservert)
UNION ALL
SELECT 'rcv.varsler', v.rkey FROM rcv.varsler v
WHERE v.chg_bis IS NULL AND v.produsentnr NOT IN (SELECT produsentnr FROM cur.producer)
  AND v.produsentnr NOT IN (SELECT produsentnr FROM src.producer)
