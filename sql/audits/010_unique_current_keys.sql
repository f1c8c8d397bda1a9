-- Every history table has at most one current version per key.
SELECT 'src.producer' AS tbl, rkey FROM src.producer WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.vet', rkey FROM src.vet WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.subsidy', rkey FROM src.subsidy WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.slaughter', rkey FROM src.slaughter WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.course', rkey FROM src.course WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.agreement', rkey FROM src.agreement WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.visit', rkey FROM src.visit WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.deviation', rkey FROM src.deviation WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.reservation', rkey FROM src.reservation WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'src.extension', rkey FROM src.extension WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'model.coverage', rkey FROM model.coverage WHERE sys_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.dhp', rkey FROM rcv.dhp WHERE chg_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.ksl', rkey FROM rcv.ksl WHERE chg_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.saukontrollen', rkey FROM rcv.saukontrollen WHERE chg_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.nokkeltall', rkey FROM rcv.nokkeltall WHERE chg_bis IS NULL GROUP BY rkey HAVING count(*) > 1
UNION ALL SELECT 'rcv.varsler', rkey FROM rcv.varsler WHERE chg_bis IS NULL GROUP BY rkey HAVING count(*) > 1
