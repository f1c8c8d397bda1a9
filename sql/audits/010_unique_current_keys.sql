-- Every history table has at most one current version per key.
--
-- Each table is checked in two steps: the keys' hashes are grouped first (eight bytes a
-- key instead of the key's string, about half the time at scale 10), and only keys whose
-- hash is not unique are then grouped by the key itself, so that a collision of two
-- different keys is never reported and every duplicate is.
SELECT 'src.producer' AS tbl, rkey FROM src.producer WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.producer WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.vet', rkey FROM src.vet WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.vet WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.subsidy', rkey FROM src.subsidy WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.subsidy WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.slaughter', rkey FROM src.slaughter WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.slaughter WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.course', rkey FROM src.course WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.course WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.agreement', rkey FROM src.agreement WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.agreement WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.visit', rkey FROM src.visit WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.visit WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.deviation', rkey FROM src.deviation WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.deviation WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.reservation', rkey FROM src.reservation WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.reservation WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.extension', rkey FROM src.extension WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM src.extension WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'model.coverage', rkey FROM model.coverage WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM model.coverage WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'model.status_h', rkey FROM model.status_h WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM model.status_h WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'model.deadline_h', rkey FROM model.deadline_h WHERE sys_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM model.deadline_h WHERE sys_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.dhp', rkey FROM rcv.dhp WHERE chg_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM rcv.dhp WHERE chg_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.ksl', rkey FROM rcv.ksl WHERE chg_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM rcv.ksl WHERE chg_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.saukontrollen', rkey FROM rcv.saukontrollen WHERE chg_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM rcv.saukontrollen WHERE chg_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.nokkeltall', rkey FROM rcv.nokkeltall WHERE chg_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM rcv.nokkeltall WHERE chg_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.varsler', rkey FROM rcv.varsler WHERE chg_bis IS NULL AND hash(rkey) IN (
    SELECT hash(rkey) FROM rcv.varsler WHERE chg_bis IS NULL GROUP BY hash(rkey) HAVING count(*) > 1)
  GROUP BY rkey HAVING count(*) > 1
