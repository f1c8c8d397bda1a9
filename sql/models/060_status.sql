-- Status per producer (DOMAIN rules 8, 9). A deadline is missed when the business date is
-- after it; the earliest deadline still missed decides: the deduction (DVP-trekk) applies
-- from day 16 after it (trekk_fra = that deadline + 16 days) and KSL counts the breach
-- after more than 45 days. Status, highest applicable first:
--   DVP_TREKK (missed by 16 days or more), FRIST_OVERSKREDET (missed by 1–15 days),
--   GODKJENT (course done, a counted visit, no open deviation), INNRULLERT (covered);
--   IKKE_OMFATTET for a producer that is not covered.
-- The ladder is this one macro, which analytics.status_at applies too (to the stored
-- status at any later date).
CREATE OR REPLACE MACRO model.status_code(omfattet, dager_overskredet, deduction_day, kurs_fullfort, telte_besok, apne_avvik) AS
    CASE
        WHEN NOT omfattet                                    THEN 'IKKE_OMFATTET'
        WHEN dager_overskredet >= deduction_day              THEN 'DVP_TREKK'
        WHEN dager_overskredet >= 1                          THEN 'FRIST_OVERSKREDET'
        WHEN kurs_fullfort IS NOT NULL AND telte_besok > 0 AND apne_avvik = 0 THEN 'GODKJENT'
        ELSE 'INNRULLERT'
    END;
COMMENT ON MACRO model.status_code IS 'status_code(omfattet, dager_overskredet, deduction_day, kurs_fullfort, telte_besok, apne_avvik): the status ladder (DOMAIN rules 8, 9), highest applicable first: IKKE_OMFATTET, DVP_TREKK, FRIST_OVERSKREDET, GODKJENT, INNRULLERT. Counts and days are given without NULLs (0 for none).';

CREATE OR REPLACE TABLE model.status AS
WITH prm AS (SELECT * FROM model.param),
cov AS (
    SELECT produsentnr, innrullert_dato,
           (innrullert_dato + to_months(prm.first_deadline_months))::DATE AS forste_frist
    FROM model.coverage, prm
    WHERE sys_bis IS NULL AND utmeldt_dato IS NULL
),
d AS (
    SELECT produsentnr,
        max(frist) FILTER (fristtype = 'BESOK')                          AS besoksfrist,
        max(frist) FILTER (fristtype = 'KURS')                           AS kursfrist,
        min(frist) FILTER (fristtype = 'AVVIK')                          AS lukkefrist,
        count(*)   FILTER (fristtype = 'AVVIK')                          AS apne_avvik,
        min(frist) FILTER (dager_overskredet > 0)                        AS tidligste_overskredet,
        max(dager_overskredet)                                           AS dager_overskredet,
        min(frist)                                                       AS neste_frist,
        max(frist) FILTER (fristtype = 'BESOK' AND dager_overskredet > 0) AS besoksfrist_overskredet,
        min(frist) FILTER (fristtype = 'AVVIK' AND dager_overskredet > 0) AS lukkefrist_overskredet
    FROM model.deadline
    GROUP BY produsentnr
),
visits AS (
    SELECT produsentnr, count(*) FILTER (telles) AS telte_besok, max(besok_dato) FILTER (telles) AS siste_telte_besok
    FROM model.visit_eval GROUP BY produsentnr
),
course AS (
    SELECT person_id AS produsentnr, min(fullfort_dato) AS kurs_fullfort
    FROM cur.course WHERE person_type = 'PRODUSENT' AND kurskode = 'SAU_VELFERD'
    GROUP BY person_id
)
SELECT
    b.produsentnr, b.orgnr, b.kommunenr, left(b.kommunenr, 2) AS fylke,
    b.grunnlag_aar, b.vinterfora_sau,
    c.produsentnr IS NOT NULL                                AS omfattet,
    c.innrullert_dato, c.forste_frist,
    d.besoksfrist, d.kursfrist, d.lukkefrist, coalesce(d.apne_avvik, 0) AS apne_avvik,
    co.kurs_fullfort, coalesce(v.telte_besok, 0) AS telte_besok, v.siste_telte_besok,
    d.tidligste_overskredet, coalesce(d.dager_overskredet, 0) AS dager_overskredet,
    coalesce(d.dager_overskredet, 0) >= prm.deduction_day    AS dvp_trekk,
    CASE WHEN coalesce(d.dager_overskredet, 0) >= prm.deduction_day
         THEN (d.tidligste_overskredet + to_days(prm.deduction_day))::DATE END AS trekk_fra,
    coalesce(d.dager_overskredet, 0) > prm.ksl_days          AS ksl_avvik,
    d.besoksfrist_overskredet, d.lukkefrist_overskredet, d.neste_frist,
    model.status_code(c.produsentnr IS NOT NULL, coalesce(d.dager_overskredet, 0), prm.deduction_day,
                      co.kurs_fullfort, coalesce(v.telte_besok, 0), coalesce(d.apne_avvik, 0)) AS status
FROM model.basis b
CROSS JOIN prm
LEFT JOIN cov c USING (produsentnr)
LEFT JOIN d USING (produsentnr)
LEFT JOIN visits v USING (produsentnr)
LEFT JOIN course co USING (produsentnr);
