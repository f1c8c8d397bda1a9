-- The analytics schema: documented views and macros for analysts (docs/dictionary.md).
-- Defined by every run, after the models they read: a view can only be created once the
-- tables it reads exist (the models make them), and a change of a view then needs no
-- migration (it costs the run some 70 ms at scale 1). Every view and column
-- carries a comment; the dictionary is generated from them.
--
-- Status and deadlines are read from their history (model.status_h, model.deadline_h):
-- the versions a run r stored are those valid at its system time, and what changes by
-- itself every day (days overdue, the escalation that follows) is derived for the date
-- asked. The current views are the same macros at the latest run's business date, so the
-- present and any past date answer alike.

-- Which run answers "as of business date d": the last run with business date ≤ d whose
-- computation was committed (latest system time for a business date run more than once).
CREATE OR REPLACE MACRO analytics.run_as_of(d) AS (
    SELECT run_id FROM ops.run
    WHERE sys_time IS NOT NULL AND business_date <= d::DATE
      AND run_id IN (SELECT run_id FROM model.run_param)
    ORDER BY business_date DESC, sys_time DESC
    LIMIT 1
);
COMMENT ON MACRO analytics.run_as_of IS 'run_as_of(d): the run whose results answer "as of business date d" — the last committed run with business date on or before d (the latest of several runs of the same date). Empty before the first run with history.';

-- Status -----------------------------------------------------------------------------------

CREATE OR REPLACE MACRO analytics.status_at(d, r) AS TABLE
WITH run AS (
    SELECT sys_time FROM ops.run WHERE run_id = r AND sys_time IS NOT NULL
),
prm AS (
    SELECT (params->>'deduction_day')::INTEGER AS deduction_day, (params->>'ksl_days')::INTEGER AS ksl_days
    FROM model.run_param WHERE run_id = r
),
h AS (
    SELECT h.*,
           CASE WHEN h.omfattet AND h.neste_frist < d::DATE THEN h.neste_frist END AS tidligste_overskredet,
           CASE WHEN h.omfattet AND h.neste_frist < d::DATE THEN d::DATE - h.neste_frist ELSE 0 END AS dager_overskredet
    FROM model.status_h h
    JOIN run ON h.sys_von <= run.sys_time AND (h.sys_bis IS NULL OR h.sys_bis > run.sys_time)
),
fnd AS (
    SELECT produsentnr,
           CASE max(CASE severity WHEN 'ERROR' THEN 3 WHEN 'WARNING' THEN 2 ELSE 1 END)
                WHEN 3 THEN 'ERROR' WHEN 2 THEN 'WARNING' ELSE 'INFO' END AS findings_severity,
           count(*) AS findings
    FROM ops.finding
    WHERE run_id = r AND produsentnr IS NOT NULL
    GROUP BY produsentnr
)
SELECT
    h.produsentnr,
    model.status_code(h.omfattet, h.dager_overskredet, prm.deduction_day, h.kurs_fullfort, h.telte_besok, h.apne_avvik) AS status,
    h.omfattet, h.fylke, f.fylkesnavn, h.kommunenr, h.orgnr, h.grunnlag_aar, h.vinterfora_sau,
    h.innrullert_dato, h.forste_frist, h.besoksfrist, h.kursfrist, h.lukkefrist, h.apne_avvik, h.neste_frist,
    h.tidligste_overskredet, h.dager_overskredet,
    h.dager_overskredet >= prm.deduction_day AS dvp_trekk,
    CASE WHEN h.dager_overskredet >= prm.deduction_day
         THEN (h.tidligste_overskredet + to_days(prm.deduction_day))::DATE END AS trekk_fra,
    h.dager_overskredet > prm.ksl_days AS ksl_avvik,
    CASE WHEN h.besoksfrist < d::DATE THEN h.besoksfrist END AS besoksfrist_overskredet,
    CASE WHEN h.lukkefrist < d::DATE THEN h.lukkefrist END AS lukkefrist_overskredet,
    h.kurs_fullfort, h.telte_besok, h.siste_telte_besok,
    fnd.findings_severity, coalesce(fnd.findings, 0) AS findings,
    d::DATE AS business_date, r::BIGINT AS run_id
FROM h
CROSS JOIN prm
LEFT JOIN analytics.fylke f ON f.fylke = h.fylke
LEFT JOIN fnd ON fnd.produsentnr = h.produsentnr;
COMMENT ON MACRO TABLE analytics.status_at IS 'status_at(d, r): each producer''s status as computed by run r, evaluated at business date d (days overdue counted to d, the status escalated accordingly). The columns of analytics.status. status_as_of(d) is the usual question; this one compares runs.';

CREATE OR REPLACE MACRO analytics.status_as_of(d) AS TABLE
SELECT * FROM analytics.status_at(d::DATE, analytics.run_as_of(d));
COMMENT ON MACRO TABLE analytics.status_as_of IS 'status_as_of(d): each producer''s status and deadlines as of business date d, from what the last run on or before d computed (run_as_of(d)); days overdue are counted to d. The columns of analytics.status. Example: SELECT status, count(*) FROM analytics.status_as_of(DATE ''2027-01-04'') GROUP BY ALL.';

CREATE OR REPLACE VIEW analytics.status AS
SELECT * FROM analytics.status_at((SELECT as_of FROM model.param), (SELECT run_id FROM model.param));
COMMENT ON VIEW analytics.status IS 'Current status per producer in the register: as computed by the latest run for its business date. One row per producer.';
COMMENT ON COLUMN analytics.status.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN analytics.status.status IS 'Status (code list status): IKKE_OMFATTET, INNRULLERT, GODKJENT, FRIST_OVERSKREDET, DVP_TREKK; the highest applicable wins.';
COMMENT ON COLUMN analytics.status.omfattet IS 'Covered by the programme (more than 30 winter-fed sheep at the previous year''s spring count).';
COMMENT ON COLUMN analytics.status.fylke IS 'County number: the first two digits of kommunenr.';
COMMENT ON COLUMN analytics.status.fylkesnavn IS 'County name (analytics.fylke).';
COMMENT ON COLUMN analytics.status.kommunenr IS 'Municipality number (4 digits) from the producer register.';
COMMENT ON COLUMN analytics.status.orgnr IS 'The producer''s orgnr.';
COMMENT ON COLUMN analytics.status.grunnlag_aar IS 'Application year whose spring count decided coverage (the year before the business date).';
COMMENT ON COLUMN analytics.status.vinterfora_sau IS 'Winter-fed sheep at that count (P145 + P146 + P139); empty when the orgnr is not in that subsidy file.';
COMMENT ON COLUMN analytics.status.innrullert_dato IS 'Coverage date of the current coverage period.';
COMMENT ON COLUMN analytics.status.forste_frist IS 'First deadline: coverage date + 4 months.';
COMMENT ON COLUMN analytics.status.besoksfrist IS 'Visit deadline.';
COMMENT ON COLUMN analytics.status.kursfrist IS 'Course deadline; empty once the producer course is done.';
COMMENT ON COLUMN analytics.status.lukkefrist IS 'The earliest close deadline among open deviations.';
COMMENT ON COLUMN analytics.status.apne_avvik IS 'Number of open deviations.';
COMMENT ON COLUMN analytics.status.neste_frist IS 'The earliest of the producer''s deadlines, missed or ahead.';
COMMENT ON COLUMN analytics.status.tidligste_overskredet IS 'The earliest missed deadline (it decides the deduction); empty when none is missed.';
COMMENT ON COLUMN analytics.status.dager_overskredet IS 'Days the earliest missed deadline is overdue at business_date (business_date − tidligste_overskredet); 0 when none is missed.';
COMMENT ON COLUMN analytics.status.dvp_trekk IS 'The DVP deduction of 1 kr/kg applies at slaughter: a deadline missed by 16 days or more.';
COMMENT ON COLUMN analytics.status.trekk_fra IS 'The date the deduction started: tidligste_overskredet + 16 days; empty without deduction.';
COMMENT ON COLUMN analytics.status.ksl_avvik IS 'A deadline missed by more than 45 days: the breach counts against KSL.';
COMMENT ON COLUMN analytics.status.besoksfrist_overskredet IS 'The visit deadline when it is missed; else empty.';
COMMENT ON COLUMN analytics.status.lukkefrist_overskredet IS 'The earliest missed close deadline of an open deviation; else empty.';
COMMENT ON COLUMN analytics.status.kurs_fullfort IS 'Date the producer course was completed; empty when not done.';
COMMENT ON COLUMN analytics.status.telte_besok IS 'Number of counted visits (by a vet approved on the visit date).';
COMMENT ON COLUMN analytics.status.siste_telte_besok IS 'Date of the last counted visit.';
COMMENT ON COLUMN analytics.status.findings_severity IS 'Procedure status: the worst severity among the producer''s plausibility findings of the run (code list severity); empty without findings.';
COMMENT ON COLUMN analytics.status.findings IS 'Number of the producer''s plausibility findings of the run (analytics.finding).';
COMMENT ON COLUMN analytics.status.business_date IS 'The business date the row is evaluated at.';
COMMENT ON COLUMN analytics.status.run_id IS 'The run whose computation the row comes from (analytics.run).';

CREATE OR REPLACE VIEW analytics.status_history AS
SELECT h.produsentnr, h.status, h.omfattet, h.fylke, h.innrullert_dato,
       h.besoksfrist, h.kursfrist, h.lukkefrist, h.apne_avvik, h.neste_frist,
       h.von_run AS from_run, rv.business_date AS from_business_date,
       h.bis_run AS to_run, rb.business_date AS to_business_date
FROM model.status_h h
LEFT JOIN ops.run rv ON rv.run_id = h.von_run
LEFT JOIN ops.run rb ON rb.run_id = h.bis_run;
COMMENT ON VIEW analytics.status_history IS 'Every version of every producer''s computed status: a new one whenever a run computed something different (a deadline moved, a visit counted, the status escalated). From its first run up to, not including, the run that replaced it.';
COMMENT ON COLUMN analytics.status_history.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN analytics.status_history.status IS 'Status as computed for the business date of from_run (code list status).';
COMMENT ON COLUMN analytics.status_history.omfattet IS 'Covered by the programme.';
COMMENT ON COLUMN analytics.status_history.fylke IS 'County number.';
COMMENT ON COLUMN analytics.status_history.innrullert_dato IS 'Coverage date.';
COMMENT ON COLUMN analytics.status_history.besoksfrist IS 'Visit deadline.';
COMMENT ON COLUMN analytics.status_history.kursfrist IS 'Course deadline; empty once the course is done.';
COMMENT ON COLUMN analytics.status_history.lukkefrist IS 'The earliest close deadline among open deviations.';
COMMENT ON COLUMN analytics.status_history.apne_avvik IS 'Number of open deviations.';
COMMENT ON COLUMN analytics.status_history.neste_frist IS 'The earliest of the producer''s deadlines.';
COMMENT ON COLUMN analytics.status_history.from_run IS 'The run that computed this version first.';
COMMENT ON COLUMN analytics.status_history.from_business_date IS 'Its business date.';
COMMENT ON COLUMN analytics.status_history.to_run IS 'The run that computed something different (or no longer had the producer); empty while current.';
COMMENT ON COLUMN analytics.status_history.to_business_date IS 'Its business date; empty while current.';

-- A version counts at a run's system time T when sys_von <= T < sys_bis: a running sum, per
-- status, of +1 where versions start and -1 where they end, read at each run's T (the run
-- sorts after the versions that start or end at its own T). This costs the versions plus
-- the runs; joining every run to every version valid then grew as runs times producers.
CREATE OR REPLACE VIEW analytics.status_trend AS
WITH edge AS (
    SELECT status, sys_von AS t, 1 AS d FROM model.status_h
    UNION ALL
    SELECT status, sys_bis AS t, -1 AS d FROM model.status_h WHERE sys_bis IS NOT NULL
),
runs AS (
    SELECT run_id, business_date, sys_time FROM ops.run
    WHERE sys_time IS NOT NULL AND run_id IN (SELECT run_id FROM model.run_param)
),
line AS (
    SELECT status, t, 0 AS at_run, CAST(sum(d) AS BIGINT) AS d, CAST(NULL AS BIGINT) AS run_id FROM edge GROUP BY status, t
    UNION ALL
    SELECT s.status, r.sys_time, 1, 0, r.run_id FROM runs r CROSS JOIN (SELECT DISTINCT status FROM model.status_h) s
),
counted AS (
    SELECT run_id, status,
           CAST(sum(d) OVER (PARTITION BY status ORDER BY t, at_run ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS produsenter
    FROM line
)
SELECT r.run_id, r.business_date, c.status, c.produsenter
FROM counted c
JOIN runs r ON r.run_id = c.run_id
WHERE c.produsenter > 0;
COMMENT ON VIEW analytics.status_trend IS 'Producers per status as each run computed them for its business date: the trend over the runs. One row per run and status that occurred.';
COMMENT ON COLUMN analytics.status_trend.run_id IS 'The run.';
COMMENT ON COLUMN analytics.status_trend.business_date IS 'Its business date.';
COMMENT ON COLUMN analytics.status_trend.status IS 'Status (code list status).';
COMMENT ON COLUMN analytics.status_trend.produsenter IS 'Producers with that status.';

-- Deadlines and breaches ------------------------------------------------------------------------

CREATE OR REPLACE MACRO analytics.deadline_at(d, r) AS TABLE
WITH run AS (
    SELECT sys_time FROM ops.run WHERE run_id = r AND sys_time IS NOT NULL
),
prm AS (
    SELECT (params->>'deduction_day')::INTEGER AS deduction_day, (params->>'ksl_days')::INTEGER AS ksl_days
    FROM model.run_param WHERE run_id = r
),
x AS (
    SELECT x.*, greatest(d::DATE - x.frist, 0) AS dager_overskredet
    FROM model.deadline_h x
    JOIN run ON x.sys_von <= run.sys_time AND (x.sys_bis IS NULL OR x.sys_bis > run.sys_time)
),
s AS (
    SELECT h.produsentnr, h.fylke
    FROM model.status_h h
    JOIN run ON h.sys_von <= run.sys_time AND (h.sys_bis IS NULL OR h.sys_bis > run.sys_time)
)
SELECT x.produsentnr, x.fristtype, x.avvik_id, x.beregnet, x.forlenget_til, x.frist, x.dager_overskredet,
       CASE WHEN x.dager_overskredet > prm.ksl_days       THEN 'KSL'
            WHEN x.dager_overskredet >= prm.deduction_day THEN 'DVP_TREKK'
            WHEN x.dager_overskredet >= 1                 THEN 'FRIST_OVERSKREDET' END AS trinn,
       s.fylke, f.fylkesnavn,
       d::DATE AS business_date, r::BIGINT AS run_id
FROM x
CROSS JOIN prm
LEFT JOIN s ON s.produsentnr = x.produsentnr
LEFT JOIN analytics.fylke f ON f.fylke = s.fylke;
COMMENT ON MACRO TABLE analytics.deadline_at IS 'deadline_at(d, r): every deadline as computed by run r, evaluated at business date d. The columns of analytics.deadline.';

CREATE OR REPLACE MACRO analytics.deadline_as_of(d) AS TABLE
SELECT * FROM analytics.deadline_at(d::DATE, analytics.run_as_of(d));
COMMENT ON MACRO TABLE analytics.deadline_as_of IS 'deadline_as_of(d): every deadline of every covered producer as of business date d, from what the last run on or before d computed; days overdue counted to d. The columns of analytics.deadline.';

CREATE OR REPLACE VIEW analytics.deadline AS
SELECT * FROM analytics.deadline_at((SELECT as_of FROM model.param), (SELECT run_id FROM model.param));
COMMENT ON VIEW analytics.deadline IS 'Current deadlines: every deadline of every covered producer (visit, course until done, each open deviation''s close deadline), after extensions, as computed by the latest run. One row per producer, deadline type and deviation.';
COMMENT ON COLUMN analytics.deadline.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN analytics.deadline.fristtype IS 'Deadline type (code list fristtype): BESOK, KURS, AVVIK.';
COMMENT ON COLUMN analytics.deadline.avvik_id IS 'The deviation, for an AVVIK deadline; else empty.';
COMMENT ON COLUMN analytics.deadline.beregnet IS 'The deadline as computed by the rules, before extensions.';
COMMENT ON COLUMN analytics.deadline.forlenget_til IS 'The latest extension granted; empty when none. An extension only moves a deadline later.';
COMMENT ON COLUMN analytics.deadline.frist IS 'The deadline in force: the later of beregnet and forlenget_til.';
COMMENT ON COLUMN analytics.deadline.dager_overskredet IS 'Days overdue at business_date (business_date − frist); 0 when not missed.';
COMMENT ON COLUMN analytics.deadline.trinn IS 'Escalation step of a missed deadline (code list trinn): FRIST_OVERSKREDET (1–15 days), DVP_TREKK (16–45), KSL (more than 45); empty when not missed.';
COMMENT ON COLUMN analytics.deadline.fylke IS 'The producer''s county number.';
COMMENT ON COLUMN analytics.deadline.fylkesnavn IS 'County name.';
COMMENT ON COLUMN analytics.deadline.business_date IS 'The business date the row is evaluated at.';
COMMENT ON COLUMN analytics.deadline.run_id IS 'The run whose computation the row comes from.';

CREATE OR REPLACE MACRO analytics.breach_at(d, r) AS TABLE
SELECT x.produsentnr, s.status, x.fristtype, x.avvik_id, x.frist, x.dager_overskredet, x.trinn,
       x.frist = s.tidligste_overskredet AS avgjorende,
       s.dvp_trekk, s.trekk_fra,
       CASE WHEN s.dvp_trekk THEN 1.00 ELSE 0.00 END::DECIMAL(4, 2) AS trekk_kr_per_kg,
       s.ksl_avvik, x.fylke, x.fylkesnavn, s.kommunenr,
       x.business_date, x.run_id
FROM analytics.deadline_at(d, r) x
JOIN analytics.status_at(d, r) s USING (produsentnr)
WHERE x.dager_overskredet > 0;
COMMENT ON MACRO TABLE analytics.breach_at IS 'breach_at(d, r): every deadline missed at business date d among those run r computed. The columns of analytics.breach.';

CREATE OR REPLACE MACRO analytics.breach_as_of(d) AS TABLE
SELECT * FROM analytics.breach_at(d::DATE, analytics.run_as_of(d));
COMMENT ON MACRO TABLE analytics.breach_as_of IS 'breach_as_of(d): every deadline missed at business date d, from what the last run on or before d computed. The columns of analytics.breach.';

CREATE OR REPLACE VIEW analytics.breach AS
SELECT * FROM analytics.breach_at((SELECT as_of FROM model.param), (SELECT run_id FROM model.param));
COMMENT ON VIEW analytics.breach IS 'Current breaches: every missed deadline with its days overdue, escalation step and the producer''s deduction. One row per missed deadline.';
COMMENT ON COLUMN analytics.breach.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN analytics.breach.status IS 'The producer''s status (code list status).';
COMMENT ON COLUMN analytics.breach.fristtype IS 'Deadline type (code list fristtype).';
COMMENT ON COLUMN analytics.breach.avvik_id IS 'The deviation, for an AVVIK deadline.';
COMMENT ON COLUMN analytics.breach.frist IS 'The missed deadline (after extensions).';
COMMENT ON COLUMN analytics.breach.dager_overskredet IS 'Days overdue at business_date.';
COMMENT ON COLUMN analytics.breach.trinn IS 'Escalation step (code list trinn): FRIST_OVERSKREDET (1–15 days), DVP_TREKK (16–45), KSL (more than 45).';
COMMENT ON COLUMN analytics.breach.avgjorende IS 'This is the producer''s earliest missed deadline: the one that decides when the deduction started.';
COMMENT ON COLUMN analytics.breach.dvp_trekk IS 'The producer is under the DVP deduction (its earliest missed deadline is 16 days or more overdue).';
COMMENT ON COLUMN analytics.breach.trekk_fra IS 'The date the producer''s deduction started; empty without deduction.';
COMMENT ON COLUMN analytics.breach.trekk_kr_per_kg IS 'The deduction at slaughter, kr per kg carcass: 1.00 under DVP deduction, else 0.00 (DOMAIN rule 8).';
COMMENT ON COLUMN analytics.breach.ksl_avvik IS 'The producer''s breach counts against KSL (more than 45 days).';
COMMENT ON COLUMN analytics.breach.fylke IS 'The producer''s county number.';
COMMENT ON COLUMN analytics.breach.fylkesnavn IS 'County name.';
COMMENT ON COLUMN analytics.breach.kommunenr IS 'The producer''s municipality number.';
COMMENT ON COLUMN analytics.breach.business_date IS 'The business date the row is evaluated at.';
COMMENT ON COLUMN analytics.breach.run_id IS 'The run whose computation the row comes from.';

-- Key figures -------------------------------------------------------------------------------------

-- The key figures as a run left them are the nokkeltall receiver's rows current after that
-- run (its history: rcv.nokkeltall), less producers reserved now, as every re-issue of a
-- past state leaves them out (DOMAIN rule 10).
CREATE OR REPLACE MACRO analytics.keyfigures_as_of(d) AS TABLE
WITH r AS (SELECT analytics.run_as_of(d) AS run_id)
SELECT k.produsentnr, k.vet_id, k.sesong,
       k.antall_lam, k.andel_lam_fett1, k.andel_sau_fett1, k.snittvekt_lam_kg,
       k.antall_lam_snitt5, k.antall_lam_trend, k.antall_lam_median_fylke, k.antall_lam_median_land,
       k.andel_lam_fett1_snitt5, k.andel_lam_fett1_trend, k.andel_lam_fett1_median_fylke, k.andel_lam_fett1_median_land,
       k.andel_sau_fett1_snitt5, k.andel_sau_fett1_trend, k.andel_sau_fett1_median_fylke, k.andel_sau_fett1_median_land,
       k.snittvekt_lam_kg_snitt5, k.snittvekt_lam_kg_trend, k.snittvekt_lam_kg_median_fylke, k.snittvekt_lam_kg_median_land,
       d::DATE AS business_date, r.run_id
FROM rcv.nokkeltall k
CROSS JOIN r
LEFT JOIN (SELECT produsentnr FROM model.reservation_state WHERE reservert) x ON x.produsentnr = k.produsentnr
WHERE k.von_run <= r.run_id AND (k.bis_run IS NULL OR k.bis_run > r.run_id) AND x.produsentnr IS NULL;
COMMENT ON MACRO TABLE analytics.keyfigures_as_of IS 'keyfigures_as_of(d): the individual key figures as the last run on or before business date d left them (the nokkeltall receiver''s rows current after run_as_of(d)), never of a producer reserved now. The columns of analytics.keyfigures but fylke; business_date is d.';

CREATE OR REPLACE VIEW analytics.keyfigures AS
SELECT k.produsentnr, k.vet_id, k.sesong, s.fylke,
       k.antall_lam, k.andel_lam_fett1, k.andel_sau_fett1, k.snittvekt_lam_kg,
       k.antall_lam_snitt5, k.antall_lam_trend, k.antall_lam_median_fylke, k.antall_lam_median_land,
       k.andel_lam_fett1_snitt5, k.andel_lam_fett1_trend, k.andel_lam_fett1_median_fylke, k.andel_lam_fett1_median_land,
       k.andel_sau_fett1_snitt5, k.andel_sau_fett1_trend, k.andel_sau_fett1_median_fylke, k.andel_sau_fett1_median_land,
       k.snittvekt_lam_kg_snitt5, k.snittvekt_lam_kg_trend, k.snittvekt_lam_kg_median_fylke, k.snittvekt_lam_kg_median_land,
       prm.as_of AS business_date, prm.run_id
FROM model.keyfigures k
CROSS JOIN model.param prm
LEFT JOIN model.status s ON s.produsentnr = k.produsentnr
-- Reserved producers are left out again here (the model already leaves them out). As a
-- join rather than NOT EXISTS (… AND r.reservert): DuckDB plans that correlated form as a
-- delim join, and the view's sorted Parquet copy took 2.5 × as long with it (scale 10).
LEFT JOIN (SELECT produsentnr FROM model.reservation_state WHERE reservert) r ON r.produsentnr = k.produsentnr
WHERE r.produsentnr IS NULL;
COMMENT ON VIEW analytics.keyfigures IS 'Individual key figures, only where they may be seen: producers with an active agreement with a vet, for the five completed seasons — never a producer whose latest reservation says reserved. One row per producer, vet and season (the nokkeltall receiver''s rows).';
COMMENT ON COLUMN analytics.keyfigures.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN analytics.keyfigures.vet_id IS 'The vet with an active agreement, who sees the figures.';
COMMENT ON COLUMN analytics.keyfigures.sesong IS 'Slaughter season Y (15 April Y to 14 April Y+1).';
COMMENT ON COLUMN analytics.keyfigures.fylke IS 'The producer''s county number.';
COMMENT ON COLUMN analytics.keyfigures.antall_lam IS 'Lambs slaughtered in the season.';
COMMENT ON COLUMN analytics.keyfigures.andel_lam_fett1 IS 'Share (0–1) of lambs in fat group 1/1-.';
COMMENT ON COLUMN analytics.keyfigures.andel_sau_fett1 IS 'Share (0–1) of ewes in fat group 1/1-.';
COMMENT ON COLUMN analytics.keyfigures.snittvekt_lam_kg IS 'Average lamb carcass weight, kg.';
COMMENT ON COLUMN analytics.keyfigures.antall_lam_snitt5 IS 'Mean lambs over the five seasons.';
COMMENT ON COLUMN analytics.keyfigures.antall_lam_trend IS 'Trend: least-squares slope, lambs per season.';
COMMENT ON COLUMN analytics.keyfigures.antall_lam_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.antall_lam_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.andel_lam_fett1_snitt5 IS 'Mean share over the five seasons.';
COMMENT ON COLUMN analytics.keyfigures.andel_lam_fett1_trend IS 'Trend: least-squares slope per season.';
COMMENT ON COLUMN analytics.keyfigures.andel_lam_fett1_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.andel_lam_fett1_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.andel_sau_fett1_snitt5 IS 'Mean share over the five seasons.';
COMMENT ON COLUMN analytics.keyfigures.andel_sau_fett1_trend IS 'Trend: least-squares slope per season.';
COMMENT ON COLUMN analytics.keyfigures.andel_sau_fett1_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.andel_sau_fett1_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.snittvekt_lam_kg_snitt5 IS 'Mean weight over the five seasons, kg.';
COMMENT ON COLUMN analytics.keyfigures.snittvekt_lam_kg_trend IS 'Trend: least-squares slope, kg per season.';
COMMENT ON COLUMN analytics.keyfigures.snittvekt_lam_kg_median_fylke IS 'County median of the season, kg; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.snittvekt_lam_kg_median_land IS 'National median of the season, kg; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN analytics.keyfigures.business_date IS 'The latest run''s business date.';
COMMENT ON COLUMN analytics.keyfigures.run_id IS 'The latest run.';

-- Aggregates over every producer, reserved ones included; a group of fewer than 5
-- producers shows its size but no medians, so that no one producer's figures can be read
-- off a county.
CREATE OR REPLACE VIEW analytics.season_stats AS
SELECT s.sesong, s.nivaa, s.fylke, f.fylkesnavn, s.produsenter,
       s.antall_lam AS antall_lam_median, s.andel_lam_fett1 AS andel_lam_fett1_median,
       s.andel_sau_fett1 AS andel_sau_fett1_median, s.snittvekt_lam_kg AS snittvekt_lam_kg_median,
       prm.as_of AS business_date, prm.run_id
FROM model.season_stats s
CROSS JOIN model.param prm
LEFT JOIN analytics.fylke f ON f.fylke = s.fylke;
COMMENT ON VIEW analytics.season_stats IS 'Key figures in aggregate: medians per completed season, nationally and per county, over every producer with figures (reserved producers included). A group of fewer than 5 producers shows its size but no medians.';
COMMENT ON COLUMN analytics.season_stats.sesong IS 'Slaughter season.';
COMMENT ON COLUMN analytics.season_stats.nivaa IS 'Level (code list nivaa): LAND or FYLKE.';
COMMENT ON COLUMN analytics.season_stats.fylke IS 'County number, for level FYLKE.';
COMMENT ON COLUMN analytics.season_stats.fylkesnavn IS 'County name.';
COMMENT ON COLUMN analytics.season_stats.produsenter IS 'Producers with figures in the group.';
COMMENT ON COLUMN analytics.season_stats.antall_lam_median IS 'Median lambs slaughtered.';
COMMENT ON COLUMN analytics.season_stats.andel_lam_fett1_median IS 'Median share (0–1) of lambs in fat group 1/1-.';
COMMENT ON COLUMN analytics.season_stats.andel_sau_fett1_median IS 'Median share (0–1) of ewes in fat group 1/1-.';
COMMENT ON COLUMN analytics.season_stats.snittvekt_lam_kg_median IS 'Median average lamb carcass weight, kg.';
COMMENT ON COLUMN analytics.season_stats.business_date IS 'The latest run''s business date.';
COMMENT ON COLUMN analytics.season_stats.run_id IS 'The latest run.';

-- Findings and rejects ------------------------------------------------------------------------------

CREATE OR REPLACE VIEW analytics.finding AS
SELECT f.run_id, r.business_date, f.run_id = (SELECT run_id FROM model.param) AS latest_run,
       e.src_system, f.entity, f.check_code, f.severity, f.produsentnr, f.ref, f.message
FROM ops.finding f
LEFT JOIN ops.run r ON r.run_id = f.run_id
LEFT JOIN analytics.source_entity e ON e.entity = f.entity;
COMMENT ON VIEW analytics.finding IS 'Plausibility findings of every run: well-formed records that point at something unknown or do not fit together. Each run checks everything again; latest_run picks the current ones.';
COMMENT ON COLUMN analytics.finding.run_id IS 'The run that made the check.';
COMMENT ON COLUMN analytics.finding.business_date IS 'Its business date.';
COMMENT ON COLUMN analytics.finding.latest_run IS 'The finding is of the latest run (the current findings).';
COMMENT ON COLUMN analytics.finding.src_system IS 'The source system of the record checked (code list src_system).';
COMMENT ON COLUMN analytics.finding.entity IS 'The entity of the record checked (analytics.source_entity).';
COMMENT ON COLUMN analytics.finding.check_code IS 'The check (analytics.check_code).';
COMMENT ON COLUMN analytics.finding.severity IS 'Severity (code list severity): INFO, WARNING, ERROR.';
COMMENT ON COLUMN analytics.finding.produsentnr IS 'The producer concerned, when there is one.';
COMMENT ON COLUMN analytics.finding.ref IS 'Key of the record checked (e.g. besok_id).';
COMMENT ON COLUMN analytics.finding.message IS 'What was found.';

CREATE OR REPLACE VIEW analytics.reject AS
SELECT j.run_id, r.business_date, j.run_id = (SELECT max(run_id) FROM ops.reject) AS latest_run,
       j.src_system, j.entity, j.file, j.line, j.field,
       CASE WHEN j.entity IN ('producers', 'vets') AND j.field IN ('navn', 'telefon', 'epost') AND j.value IS NOT NULL
            THEN '(personopplysning)' ELSE j.value END AS value,
       j.reason
FROM ops.reject j
LEFT JOIN ops.run r ON r.run_id = j.run_id;
COMMENT ON VIEW analytics.reject IS 'Rejected source rows of every run, one row per failing field: the rest of the file loaded, and the key kept its last good version. The same rows as out/rejects/run-NNNNNN.csv.';
COMMENT ON COLUMN analytics.reject.run_id IS 'The run that read the row.';
COMMENT ON COLUMN analytics.reject.business_date IS 'Its business date.';
COMMENT ON COLUMN analytics.reject.latest_run IS 'The reject is of the latest run that had rejects.';
COMMENT ON COLUMN analytics.reject.src_system IS 'Source system (code list src_system).';
COMMENT ON COLUMN analytics.reject.entity IS 'Entity (analytics.source_entity).';
COMMENT ON COLUMN analytics.reject.file IS 'The file or stored HTTP page, relative to the run''s raw payload folder.';
COMMENT ON COLUMN analytics.reject.line IS 'Physical line the row starts on (header = 1), or the item within an HTTP page.';
COMMENT ON COLUMN analytics.reject.field IS 'The failing field; empty when the whole row is malformed.';
COMMENT ON COLUMN analytics.reject.value IS 'The value as delivered (at most 200 characters); a rejected name, phone number or e-mail address of a producer or vet shows as (personopplysning) — the operators have it in ops.reject and the rejects file.';
COMMENT ON COLUMN analytics.reject.reason IS 'Why the row was rejected.';

-- Runs ---------------------------------------------------------------------------------------------

-- The stats are parsed once per run into the fields read (from_json with a structure), and
-- the ledger's counts are grouped once per table: both grow every night, and json_extract
-- of '$.Sources[*]' with a subquery per run and count cost 0.2–0.35 s after a year of
-- nights, now 25–40 ms.
CREATE OR REPLACE VIEW analytics.run AS
WITH st AS (
    SELECT run_id, from_json(stats, '{"Sources": [{"Read": "BIGINT", "Accepted": "BIGINT"}], "Rejects": "BIGINT"}') AS j
    FROM ops.run
),
fnd AS (SELECT run_id, count(*) AS n FROM ops.finding GROUP BY run_id),
chg AS (SELECT run_id, count(*) AS n FROM ops.change_log GROUP BY run_id),
xpt AS (SELECT run_id, count(*) AS n, sum(rows_ny + rows_endret + rows_slettet) AS export_rows FROM ops.export GROUP BY run_id)
SELECT r.run_id, r.trigger, r.business_date, r.status, r.started, r.finished,
       round(epoch(r.finished - r.started), 1) AS seconds,
       r.error, r.origin, r.sys_time,
       list_sum(list_transform(st.j.Sources, s -> s.Read)) AS rows_read,
       list_sum(list_transform(st.j.Sources, s -> s.Accepted)) AS rows_accepted,
       st.j.Rejects AS rows_rejected,
       coalesce(fnd.n, 0) AS findings,
       coalesce(chg.n, 0) AS changes,
       coalesce(xpt.n, 0) AS exports,
       xpt.export_rows
FROM ops.run r
LEFT JOIN st ON st.run_id = r.run_id
LEFT JOIN fnd ON fnd.run_id = r.run_id
LEFT JOIN chg ON chg.run_id = r.run_id
LEFT JOIN xpt ON xpt.run_id = r.run_id;
COMMENT ON VIEW analytics.run IS 'The run ledger: one row per run of the nightly job, with what it read, rejected, found, changed and published.';
COMMENT ON COLUMN analytics.run.run_id IS 'Run number, rising.';
COMMENT ON COLUMN analytics.run.trigger IS 'What started it (code list trigger).';
COMMENT ON COLUMN analytics.run.business_date IS 'The business date (--as-of) the rules were computed for.';
COMMENT ON COLUMN analytics.run.status IS 'Outcome (code list run_status): running, succeeded, failed, abandoned.';
COMMENT ON COLUMN analytics.run.started IS 'Wall-clock start.';
COMMENT ON COLUMN analytics.run.finished IS 'Wall-clock end; empty while running or after a crash.';
COMMENT ON COLUMN analytics.run.seconds IS 'Duration in seconds.';
COMMENT ON COLUMN analytics.run.error IS 'Why it failed: the one line the operator saw.';
COMMENT ON COLUMN analytics.run.origin IS 'Where the sources were read: the inbox folder, the source URLs, or the replayed folder.';
COMMENT ON COLUMN analytics.run.sys_time IS 'The system time of every version and change the run stored; empty when its data was rolled back.';
COMMENT ON COLUMN analytics.run.rows_read IS 'Data rows read from all sources.';
COMMENT ON COLUMN analytics.run.rows_accepted IS 'Rows accepted (staged for history).';
COMMENT ON COLUMN analytics.run.rows_rejected IS 'Rows rejected (analytics.reject has one row per failing field).';
COMMENT ON COLUMN analytics.run.findings IS 'Plausibility findings.';
COMMENT ON COLUMN analytics.run.changes IS 'Receiver-visible changes numbered (ops.change_log).';
COMMENT ON COLUMN analytics.run.exports IS 'Export folders published.';
COMMENT ON COLUMN analytics.run.export_rows IS 'Rows in those exports.';

CREATE OR REPLACE VIEW analytics.run_source AS
SELECT r.run_id, r.business_date,
       s.System AS src_system, s.Entity AS entity, s.Payloads AS payloads,
       s.Read AS rows_read, s.Accepted AS rows_accepted, s.Rejected AS rows_rejected,
       s.Diff.New AS rows_new, s.Diff.Changed AS rows_changed, s.Diff.Deleted AS rows_deleted,
       s.After AS current_rows
FROM ops.run r, unnest(from_json(r.stats, '{"Sources": [{"System": "VARCHAR", "Entity": "VARCHAR", "Payloads": "BIGINT",
    "Read": "BIGINT", "Accepted": "BIGINT", "Rejected": "BIGINT", "After": "BIGINT",
    "Diff": {"New": "BIGINT", "Changed": "BIGINT", "Deleted": "BIGINT"}}]}').Sources) AS t(s);
COMMENT ON VIEW analytics.run_source IS 'What each run did with each source entity: rows read, accepted, rejected, and what changed in its history.';
COMMENT ON COLUMN analytics.run_source.run_id IS 'The run.';
COMMENT ON COLUMN analytics.run_source.business_date IS 'Its business date.';
COMMENT ON COLUMN analytics.run_source.src_system IS 'Source system (code list src_system).';
COMMENT ON COLUMN analytics.run_source.entity IS 'Entity (analytics.source_entity).';
COMMENT ON COLUMN analytics.run_source.payloads IS 'Files or HTTP pages read.';
COMMENT ON COLUMN analytics.run_source.rows_read IS 'Data rows read.';
COMMENT ON COLUMN analytics.run_source.rows_accepted IS 'Rows accepted.';
COMMENT ON COLUMN analytics.run_source.rows_rejected IS 'Rows rejected.';
COMMENT ON COLUMN analytics.run_source.rows_new IS 'Keys new in the history.';
COMMENT ON COLUMN analytics.run_source.rows_changed IS 'Keys with a new version.';
COMMENT ON COLUMN analytics.run_source.rows_deleted IS 'Keys cancelled (absent from the snapshot).';
COMMENT ON COLUMN analytics.run_source.current_rows IS 'Current rows after the run (all of the entity''s: for the subsidy also the years not delivered that night).';

-- Receivers' transfers -------------------------------------------------------------------------------

CREATE OR REPLACE VIEW analytics.export AS
SELECT x.export_id, x.receiver, x.run_id, x.business_date, x.created, x.full_export,
       x.fra_endringsnr, x.til_endringsnr, x.rows_ny, x.rows_endret, x.rows_slettet,
       x.rows_ny + x.rows_endret + x.rows_slettet AS rows_total,
       x.manifest_sha256, x.path
FROM ops.export x;
COMMENT ON VIEW analytics.export IS 'Every export folder published to a receiver: nightly deltas and re-issues.';
COMMENT ON COLUMN analytics.export.export_id IS 'The export''s id and folder name (NNNNNN-YYYYMMDD).';
COMMENT ON COLUMN analytics.export.receiver IS 'The receiver (code list receiver).';
COMMENT ON COLUMN analytics.export.run_id IS 'The run that published it; empty for a re-issue (vpsau export).';
COMMENT ON COLUMN analytics.export.business_date IS 'The business date in its manifest.';
COMMENT ON COLUMN analytics.export.created IS 'When it was made.';
COMMENT ON COLUMN analytics.export.full_export IS 'A full export (every current row as NY) rather than a delta.';
COMMENT ON COLUMN analytics.export.fra_endringsnr IS 'It holds the changes after this change number …';
COMMENT ON COLUMN analytics.export.til_endringsnr IS '… up to and including this one.';
COMMENT ON COLUMN analytics.export.rows_ny IS 'Rows NY.';
COMMENT ON COLUMN analytics.export.rows_endret IS 'Rows ENDRET.';
COMMENT ON COLUMN analytics.export.rows_slettet IS 'Rows SLETTET.';
COMMENT ON COLUMN analytics.export.rows_total IS 'All rows.';
COMMENT ON COLUMN analytics.export.manifest_sha256 IS 'SHA-256 of its manifest.json.';
COMMENT ON COLUMN analytics.export.path IS 'The published folder.';

CREATE OR REPLACE VIEW analytics.confirmation AS
SELECT w.receiver, w.endringsnr, w.previous, w.confirmed, w.confirmed_by, w.referanse
FROM ops.watermark w;
COMMENT ON VIEW analytics.confirmation IS 'Every confirmation by a receiver that it applied everything up to a change number (vpsau confirm or the API); the latest per receiver is its watermark.';
COMMENT ON COLUMN analytics.confirmation.receiver IS 'The receiver (code list receiver).';
COMMENT ON COLUMN analytics.confirmation.endringsnr IS 'The change number confirmed; the next export starts after it.';
COMMENT ON COLUMN analytics.confirmation.previous IS 'The watermark before this confirmation.';
COMMENT ON COLUMN analytics.confirmation.confirmed IS 'When it was stored.';
COMMENT ON COLUMN analytics.confirmation.confirmed_by IS 'Who confirmed: cli, or the name of the API token.';
COMMENT ON COLUMN analytics.confirmation.referanse IS 'The receiver''s own reference (idempotency key).';

CREATE OR REPLACE VIEW analytics.receiver AS
WITH wm AS (
    SELECT receiver, arg_max(endringsnr, confirmed) AS watermark, max(confirmed) AS confirmed,
           arg_max(confirmed_by, confirmed) AS confirmed_by
    FROM ops.watermark GROUP BY receiver
),
ch AS (
    SELECT receiver, max(endringsnr) AS last_change FROM ops.change_log GROUP BY receiver
),
ex AS (
    SELECT receiver, count(*) AS exports, arg_max(export_id, created) AS last_export_id,
           max(created) AS last_export_created, max(til_endringsnr) AS exported_to
    FROM ops.export GROUP BY receiver
),
cur_rows AS (
    SELECT 'dhp' AS receiver, count(*) AS current_rows FROM rcv.dhp WHERE chg_bis IS NULL
    UNION ALL SELECT 'ksl', count(*) FROM rcv.ksl WHERE chg_bis IS NULL
    UNION ALL SELECT 'saukontrollen', count(*) FROM rcv.saukontrollen WHERE chg_bis IS NULL
    UNION ALL SELECT 'nokkeltall', count(*) FROM rcv.nokkeltall WHERE chg_bis IS NULL
    UNION ALL SELECT 'varsler', count(*) FROM rcv.varsler WHERE chg_bis IS NULL
)
SELECT c.code AS receiver, cur_rows.current_rows, coalesce(ch.last_change, 0) AS last_change,
       coalesce(wm.watermark, 0) AS watermark, wm.confirmed, wm.confirmed_by,
       (SELECT count(*) FROM ops.change_log l WHERE l.receiver = c.code AND l.endringsnr > coalesce(wm.watermark, 0)) AS unconfirmed_changes,
       coalesce(ex.exports, 0) AS exports, ex.last_export_id, ex.last_export_created, ex.exported_to
FROM analytics.code c
LEFT JOIN cur_rows ON cur_rows.receiver = c.code
LEFT JOIN ch ON ch.receiver = c.code
LEFT JOIN wm ON wm.receiver = c.code
LEFT JOIN ex ON ex.receiver = c.code
WHERE c.list = 'receiver';
COMMENT ON VIEW analytics.receiver IS 'Each receiver''s transfer state: rows it holds, its last change, its confirmed watermark, the changes it has not confirmed (what its next export holds), and its exports.';
COMMENT ON COLUMN analytics.receiver.receiver IS 'The receiver (code list receiver).';
COMMENT ON COLUMN analytics.receiver.current_rows IS 'Rows the receiver holds now (current versions in its rcv table).';
COMMENT ON COLUMN analytics.receiver.last_change IS 'Its last change number; 0 when none.';
COMMENT ON COLUMN analytics.receiver.watermark IS 'The change number it confirmed last; 0 when it never confirmed.';
COMMENT ON COLUMN analytics.receiver.confirmed IS 'When it confirmed last.';
COMMENT ON COLUMN analytics.receiver.confirmed_by IS 'Who confirmed last.';
COMMENT ON COLUMN analytics.receiver.unconfirmed_changes IS 'Changes after the watermark: each night''s export repeats them until the receiver confirms.';
COMMENT ON COLUMN analytics.receiver.exports IS 'Export folders published to it.';
COMMENT ON COLUMN analytics.receiver.last_export_id IS 'The latest one.';
COMMENT ON COLUMN analytics.receiver.last_export_created IS 'When it was made.';
COMMENT ON COLUMN analytics.receiver.exported_to IS 'The highest change number exported to it.';
