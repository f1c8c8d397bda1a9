-- Key figures for the vet (DOMAIN rules 10, 11). Season Y runs from the season start
-- (15 April) of year Y to the day before it in Y+1; the last completed season is the
-- latest whose end is before the business date, and the window is the configured number
-- of completed seasons (5).
--
-- model.season_stats holds aggregates over every producer's figures (a reserved producer
-- is part of the aggregates only); model.keyfigures holds one row per producer, vet with
-- an active agreement and season — never for a producer whose latest reservation
-- registration says it reserved itself — with the medians of groups of 5 producers or more.
CREATE OR REPLACE TABLE model.season_window AS
WITH prm AS (SELECT * FROM model.param),
last AS (
    SELECT CASE WHEN prm.as_of >= make_date(year(prm.as_of), prm.season_start_month, prm.season_start_day)
                THEN year(prm.as_of) - 1 ELSE year(prm.as_of) - 2 END AS siste_sesong,
           prm.seasons
    FROM prm
)
SELECT s AS sesong FROM last, range(last.siste_sesong - last.seasons + 1, last.siste_sesong + 1) t(s);

CREATE OR REPLACE TABLE model.reservation_state AS
SELECT produsentnr, arg_max(reservert, registrert) AS reservert, max(registrert) AS registrert
FROM cur.reservation
GROUP BY produsentnr;

CREATE OR REPLACE TABLE model.active_agreement AS
SELECT DISTINCT a.produsentnr, a.vet_id
FROM cur.agreement a, model.param prm
WHERE a.gyldig_fra <= prm.as_of AND (a.gyldig_til IS NULL OR a.gyldig_til >= prm.as_of);

-- A median over fewer than 5 producers is not given (NULL): with a reserved producer among
-- two, three or four, a vet could read its figures off the median. Every reader of the
-- medians (model.keyfigures, analytics.season_stats) gets the rule from here.
CREATE OR REPLACE TABLE model.season_stats AS
WITH figures AS (
    SELECT s.*, left(p.kommunenr, 2) AS fylke
    FROM cur.slaughter s
    JOIN cur.producer p USING (produsentnr)
    WHERE s.sesong IN (SELECT sesong FROM model.season_window)
)
SELECT sesong,
       CASE WHEN grouping(fylke) = 1 THEN 'LAND' ELSE 'FYLKE' END AS nivaa,
       fylke,
       CASE WHEN count(*) >= 5 THEN median(antall_lam) END AS antall_lam,
       CASE WHEN count(*) >= 5 THEN median(andel_lam_fett1) END AS andel_lam_fett1,
       CASE WHEN count(*) >= 5 THEN median(andel_sau_fett1) END AS andel_sau_fett1,
       CASE WHEN count(*) >= 5 THEN median(snittvekt_lam_kg) END AS snittvekt_lam_kg,
       count(*) AS produsenter
FROM figures
GROUP BY GROUPING SETS ((sesong, fylke), (sesong));

CREATE OR REPLACE TABLE model.keyfigures AS
WITH eligible AS (
    SELECT a.produsentnr, a.vet_id
    FROM model.active_agreement a
    LEFT JOIN model.reservation_state r USING (produsentnr)
    WHERE NOT coalesce(r.reservert, false)
),
figures AS (
    SELECT s.produsentnr, s.sesong, s.antall_lam, s.andel_lam_fett1, s.andel_sau_fett1, s.snittvekt_lam_kg,
           left(p.kommunenr, 2) AS fylke
    FROM cur.slaughter s
    LEFT JOIN cur.producer p USING (produsentnr)
    WHERE s.sesong IN (SELECT sesong FROM model.season_window)
      AND s.produsentnr IN (SELECT produsentnr FROM eligible)
),
five AS (
    -- trend: least-squares slope per season, over at least two seasons with a value
    SELECT produsentnr,
           avg(antall_lam) AS antall_lam_snitt5, CASE WHEN count(antall_lam) > 1 THEN regr_slope(antall_lam, sesong) END AS antall_lam_trend,
           avg(andel_lam_fett1) AS andel_lam_fett1_snitt5, CASE WHEN count(andel_lam_fett1) > 1 THEN regr_slope(andel_lam_fett1, sesong) END AS andel_lam_fett1_trend,
           avg(andel_sau_fett1) AS andel_sau_fett1_snitt5, CASE WHEN count(andel_sau_fett1) > 1 THEN regr_slope(andel_sau_fett1, sesong) END AS andel_sau_fett1_trend,
           avg(snittvekt_lam_kg) AS snittvekt_lam_kg_snitt5, CASE WHEN count(snittvekt_lam_kg) > 1 THEN regr_slope(snittvekt_lam_kg, sesong) END AS snittvekt_lam_kg_trend
    FROM figures
    GROUP BY produsentnr
)
SELECT
    f.produsentnr, e.vet_id, f.sesong,
    f.antall_lam, f.andel_lam_fett1, f.andel_sau_fett1, f.snittvekt_lam_kg,
    round(v.antall_lam_snitt5, 1) AS antall_lam_snitt5, round(v.antall_lam_trend, 2) AS antall_lam_trend,
    round(sf.antall_lam, 1) AS antall_lam_median_fylke, round(sn.antall_lam, 1) AS antall_lam_median_land,
    round(v.andel_lam_fett1_snitt5, 4) AS andel_lam_fett1_snitt5, round(v.andel_lam_fett1_trend, 4) AS andel_lam_fett1_trend,
    round(sf.andel_lam_fett1, 4) AS andel_lam_fett1_median_fylke, round(sn.andel_lam_fett1, 4) AS andel_lam_fett1_median_land,
    round(v.andel_sau_fett1_snitt5, 4) AS andel_sau_fett1_snitt5, round(v.andel_sau_fett1_trend, 4) AS andel_sau_fett1_trend,
    round(sf.andel_sau_fett1, 4) AS andel_sau_fett1_median_fylke, round(sn.andel_sau_fett1, 4) AS andel_sau_fett1_median_land,
    round(v.snittvekt_lam_kg_snitt5, 2) AS snittvekt_lam_kg_snitt5, round(v.snittvekt_lam_kg_trend, 3) AS snittvekt_lam_kg_trend,
    round(sf.snittvekt_lam_kg, 2) AS snittvekt_lam_kg_median_fylke, round(sn.snittvekt_lam_kg, 2) AS snittvekt_lam_kg_median_land
FROM figures f
JOIN eligible e USING (produsentnr)
JOIN five v USING (produsentnr)
LEFT JOIN model.season_stats sf ON sf.sesong = f.sesong AND sf.nivaa = 'FYLKE' AND sf.fylke = f.fylke
LEFT JOIN model.season_stats sn ON sn.sesong = f.sesong AND sn.nivaa = 'LAND';
