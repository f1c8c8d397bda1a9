-- Plausibility cross-checks (HI-Tier "Querchecks"): well-formed records that point at
-- something unknown or do not fit together. Each finding has a severity; the worst one
-- decides a producer's procedure status (model.procedure_status). Codes: docs/dictionary.md.
CREATE OR REPLACE TEMP TABLE _finding AS
WITH prm AS (SELECT * FROM model.param),
producer AS (SELECT produsentnr FROM cur.producer),
vet AS (SELECT vet_id FROM cur.vet),
covered AS (SELECT produsentnr FROM model.status WHERE omfattet)
SELECT 'VISIT_UNKNOWN_PRODUCER' AS check_code, 'ERROR' AS severity, v.produsentnr, 'visits' AS entity, v.besok_id AS ref,
       'visit ' || v.besok_id || ' is for produsentnr ' || v.produsentnr || ', which is not in the producer register' AS message
FROM cur.visit v WHERE v.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'VISIT_UNKNOWN_VET', 'WARNING', v.produsentnr, 'visits', v.besok_id,
       'visit ' || v.besok_id || ' names vet ' || v.vet_id || ', who is not in the vet register'
FROM cur.visit v WHERE v.vet_id NOT IN (SELECT vet_id FROM vet)
UNION ALL
SELECT 'VISIT_VET_NOT_APPROVED', 'WARNING', e.produsentnr, 'visits', e.besok_id,
       'visit ' || e.besok_id || ' on ' || strftime(e.besok_dato, '%Y-%m-%d') || ' by vet ' || e.vet_id || ' does not count: ' || e.begrunnelse
FROM model.visit_eval e WHERE NOT e.telles
UNION ALL
SELECT 'VISIT_NO_AGREEMENT', 'INFO', v.produsentnr, 'visits', v.besok_id,
       'visit ' || v.besok_id || ' on ' || strftime(v.besok_dato, '%Y-%m-%d') || ': no agreement between producer and vet ' || v.vet_id || ' was active on that date'
FROM cur.visit v
WHERE NOT EXISTS (SELECT 1 FROM cur.agreement a WHERE a.produsentnr = v.produsentnr AND a.vet_id = v.vet_id
                  AND a.gyldig_fra <= v.besok_dato AND (a.gyldig_til IS NULL OR a.gyldig_til >= v.besok_dato))
UNION ALL
SELECT 'DEVIATION_UNKNOWN_PRODUCER', 'ERROR', d.produsentnr, 'deviations', d.avvik_id,
       'deviation ' || d.avvik_id || ' is for produsentnr ' || d.produsentnr || ', which is not in the producer register'
FROM cur.deviation d WHERE d.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'DEVIATION_UNKNOWN_VISIT', 'WARNING', d.produsentnr, 'deviations', d.avvik_id,
       'deviation ' || d.avvik_id || ' names visit ' || coalesce(d.besok_id, '(none)') || ', which is not among the visits'
FROM cur.deviation d WHERE d.besok_id IS NULL OR d.besok_id NOT IN (SELECT besok_id FROM cur.visit)
UNION ALL
SELECT 'DEVIATION_OTHER_PRODUCER', 'ERROR', d.produsentnr, 'deviations', d.avvik_id,
       'deviation ' || d.avvik_id || ' is for ' || d.produsentnr || ' but its visit ' || d.besok_id || ' was at ' || v.produsentnr
FROM cur.deviation d JOIN cur.visit v USING (besok_id) WHERE v.produsentnr <> d.produsentnr
UNION ALL
SELECT 'COURSE_UNKNOWN_PRODUCER', 'WARNING', c.person_id, 'courses', c.person_id,
       'course ' || c.kurskode || ' completed ' || strftime(c.fullfort_dato, '%Y-%m-%d') || ' by produsentnr ' || c.person_id || ', which is not in the producer register'
FROM cur.course c WHERE c.person_type = 'PRODUSENT' AND c.person_id NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'COURSE_UNKNOWN_VET', 'WARNING', NULL, 'courses', c.person_id,
       'course ' || c.kurskode || ' completed ' || strftime(c.fullfort_dato, '%Y-%m-%d') || ' by vet ' || c.person_id || ', who is not in the vet register'
FROM cur.course c WHERE c.person_type = 'VETERINAER' AND c.person_id NOT IN (SELECT vet_id FROM vet)
UNION ALL
SELECT 'COURSE_WRONG_KIND', 'WARNING', CASE WHEN c.person_type = 'PRODUSENT' THEN c.person_id END, 'courses', c.person_id,
       c.person_type || ' ' || c.person_id || ' completed ' || c.kurskode || ', which is not that person type''s course; it does not count'
FROM cur.course c
WHERE (c.person_type = 'PRODUSENT' AND c.kurskode <> 'SAU_VELFERD') OR (c.person_type = 'VETERINAER' AND c.kurskode <> 'DVP_VET_SAU')
UNION ALL
SELECT 'AGREEMENT_UNKNOWN_PRODUCER', 'WARNING', a.produsentnr, 'agreements', a.produsentnr || '|' || a.vet_id,
       'agreement with vet ' || a.vet_id || ' is for produsentnr ' || a.produsentnr || ', which is not in the producer register'
FROM cur.agreement a WHERE a.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'AGREEMENT_UNKNOWN_VET', 'WARNING', a.produsentnr, 'agreements', a.produsentnr || '|' || a.vet_id,
       'agreement names vet ' || a.vet_id || ', who is not in the vet register'
FROM cur.agreement a WHERE a.vet_id NOT IN (SELECT vet_id FROM vet)
UNION ALL
SELECT 'SLAUGHTER_UNKNOWN_PRODUCER', 'WARNING', s.produsentnr, 'slaughter', s.produsentnr || '|' || s.sesong,
       'slaughter figures for season ' || s.sesong || ' are for produsentnr ' || s.produsentnr || ', which is not in the producer register'
FROM cur.slaughter s WHERE s.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'RESERVATION_UNKNOWN_PRODUCER', 'WARNING', r.produsentnr, 'reservations', r.produsentnr,
       'reservation registered ' || strftime(r.registrert, '%Y-%m-%dT%H:%M:%SZ') || ' for produsentnr ' || r.produsentnr || ', which is not in the producer register'
FROM cur.reservation r WHERE r.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'EXTENSION_UNKNOWN_PRODUCER', 'WARNING', x.produsentnr, 'extensions', x.produsentnr || '|' || x.fristtype,
       'extension of ' || x.fristtype || ' to ' || strftime(x.ny_frist, '%Y-%m-%d') || ' for produsentnr ' || x.produsentnr || ', which is not in the producer register'
FROM cur.extension x WHERE x.produsentnr NOT IN (SELECT produsentnr FROM producer)
UNION ALL
SELECT 'EXTENSION_UNKNOWN_DEVIATION', 'WARNING', x.produsentnr, 'extensions', x.avvik_id,
       'extension to ' || strftime(x.ny_frist, '%Y-%m-%d') || ' names deviation ' || x.avvik_id || ', which is not among this producer''s deviations'
FROM cur.extension x
WHERE x.fristtype = 'AVVIK'
  AND NOT EXISTS (SELECT 1 FROM cur.deviation d WHERE d.avvik_id = x.avvik_id AND d.produsentnr = x.produsentnr)
UNION ALL
SELECT 'EXTENSION_NO_EFFECT', 'INFO', x.produsentnr, 'extensions', x.produsentnr || '|' || x.fristtype || coalesce('|' || x.avvik_id, ''),
       'extension of ' || x.fristtype || coalesce(' ' || x.avvik_id, '') || ' to ' || strftime(x.ny_frist, '%Y-%m-%d')
       || ' changes nothing: the computed deadline ' || strftime(d.beregnet, '%Y-%m-%d') || ' is not earlier'
FROM cur.extension x
JOIN model.deadline d ON d.produsentnr = x.produsentnr AND d.fristtype = x.fristtype AND coalesce(d.avvik_id, '') = coalesce(x.avvik_id, '')
WHERE x.ny_frist <= d.beregnet
UNION ALL
SELECT 'PRODUCER_NO_CONTACT', 'WARNING', p.produsentnr, 'producers', p.produsentnr,
       'covered producer ' || p.produsentnr || ' has neither phone nor e-mail: no notification can be sent'
FROM cur.producer p WHERE p.telefon IS NULL AND p.epost IS NULL AND p.produsentnr IN (SELECT produsentnr FROM covered)
UNION ALL
SELECT 'PRODUCER_NO_ORGNR', 'WARNING', p.produsentnr, 'producers', p.produsentnr,
       'producer ' || p.produsentnr || ' has no orgnr: its coverage cannot be decided and it counts as not covered'
FROM cur.producer p WHERE p.orgnr IS NULL
UNION ALL
SELECT 'PRODUCER_NOT_IN_SUBSIDY', 'INFO', b.produsentnr, 'producers', b.produsentnr,
       'orgnr ' || b.orgnr || ' of producer ' || b.produsentnr || ' is not in the subsidy file of ' || b.grunnlag_aar
FROM model.basis b WHERE b.orgnr IS NOT NULL AND NOT b.i_soknad;

INSERT INTO ops.finding (run_id, check_code, severity, produsentnr, entity, ref, message)
SELECT (SELECT run_id FROM model.param), check_code, severity, produsentnr, entity, ref, message
FROM _finding
ORDER BY check_code, produsentnr, ref;

-- The procedure status of each producer with findings: the worst severity decides.
CREATE OR REPLACE TABLE model.procedure_status AS
SELECT produsentnr,
       CASE max(CASE severity WHEN 'ERROR' THEN 3 WHEN 'WARNING' THEN 2 ELSE 1 END)
            WHEN 3 THEN 'ERROR' WHEN 2 THEN 'WARNING' ELSE 'INFO' END AS severity,
       count(*) AS findings
FROM _finding
WHERE produsentnr IS NOT NULL
GROUP BY produsentnr;
