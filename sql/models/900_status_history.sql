-- The history of the computed status (for "as of any past business date"): this run's
-- status per producer, staged for the runner, which historises it into model.status_h
-- (only a changed row stores a new version). Left out: what changes by itself every day —
-- the days overdue and what follows from them (tidligste_overskredet, dvp_trekk,
-- trekk_fra, ksl_avvik, *_overskredet); the analytics macros derive them from neste_frist
-- and the date asked. The run's parameters are kept beside it in model.run_param.
INSERT OR REPLACE INTO model.run_param (run_id, as_of, params)
SELECT run_id, as_of, to_json(prm) FROM model.param prm;

CREATE OR REPLACE TEMP TABLE stg_status_h AS
SELECT produsentnr AS rkey,
       produsentnr, orgnr, kommunenr, fylke, grunnlag_aar, vinterfora_sau, omfattet,
       innrullert_dato, forste_frist, besoksfrist, kursfrist, lukkefrist, apne_avvik,
       kurs_fullfort, telte_besok, siste_telte_besok, neste_frist, status
FROM model.status;
