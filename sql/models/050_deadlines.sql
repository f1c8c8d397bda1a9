-- Deadlines (DOMAIN rules 2, 3, 5, 6, 7, 8), one row per deadline of a covered producer:
--   BESOK  the later of the first deadline and the last counted visit + 18 months;
--   KURS   the first deadline, until the producer course is completed;
--   AVVIK  each open deviation's close deadline (open until its closing date).
-- An extension only moves a deadline later: frist = the latest of the computed date and
-- its extensions. Months are calendar months clamped to the month's end.
CREATE OR REPLACE TABLE model.deadline AS
WITH prm AS (SELECT * FROM model.param),
cov AS (
    SELECT c.produsentnr, c.innrullert_dato,
           (c.innrullert_dato + to_months(prm.first_deadline_months))::DATE AS forste_frist
    FROM model.coverage c, prm
    WHERE c.sys_bis IS NULL AND c.utmeldt_dato IS NULL
),
last_visit AS (
    SELECT produsentnr, max(besok_dato) AS siste_besok FROM model.visit_eval WHERE telles GROUP BY produsentnr
),
course AS (
    SELECT person_id AS produsentnr FROM cur.course
    WHERE person_type = 'PRODUSENT' AND kurskode = 'SAU_VELFERD'
),
computed AS (
    SELECT c.produsentnr, 'BESOK' AS fristtype, NULL::VARCHAR AS avvik_id,
           greatest(c.forste_frist, (lv.siste_besok + to_months(prm.visit_interval_months))::DATE) AS beregnet
    FROM cov c CROSS JOIN prm LEFT JOIN last_visit lv USING (produsentnr)
    UNION ALL
    SELECT c.produsentnr, 'KURS', NULL, c.forste_frist
    FROM cov c
    WHERE c.produsentnr NOT IN (SELECT produsentnr FROM course)
    UNION ALL
    SELECT d.produsentnr, 'AVVIK', d.avvik_id, d.lukkefrist
    FROM cur.deviation d CROSS JOIN prm
    JOIN cov c USING (produsentnr)
    WHERE d.lukket_dato IS NULL OR d.lukket_dato > prm.as_of
),
ext AS (
    SELECT produsentnr, fristtype, coalesce(avvik_id, '') AS avvik_id, max(ny_frist) AS forlenget_til
    FROM cur.extension
    GROUP BY ALL
)
SELECT
    x.produsentnr, x.fristtype, x.avvik_id, x.beregnet, e.forlenget_til,
    greatest(x.beregnet, e.forlenget_til) AS frist,
    greatest(prm.as_of - greatest(x.beregnet, e.forlenget_til), 0) AS dager_overskredet
FROM computed x
CROSS JOIN prm
LEFT JOIN ext e ON e.produsentnr = x.produsentnr AND e.fristtype = x.fristtype AND e.avvik_id = coalesce(x.avvik_id, '');
