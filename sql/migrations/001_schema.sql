-- 001: the base schema.
--
-- src      history of every source entity: one row per version, never deleted.
--          sys_von/sys_bis: system time the version was stored / cancelled (storno);
--          von_run/bis_run: the runs that did it; src_system/src_ref: where it came from.
-- cur      views of the current version of each source entity.
-- model    the programme's rules, computed by the latest run (tables replaced each run)
--          and their historised results.
-- rcv      history of every receiver row with the change numbers that created and ended it.
-- ops      runs, rejects, findings, change log, watermarks, exports.

CREATE SCHEMA src;
CREATE SCHEMA cur;
CREATE SCHEMA model;
CREATE SCHEMA rcv;
CREATE SCHEMA IF NOT EXISTS ops;

-- Runs -------------------------------------------------------------------------------

CREATE TABLE ops.run (
    run_id        BIGINT PRIMARY KEY,
    trigger       VARCHAR NOT NULL,
    business_date DATE NOT NULL,
    started       TIMESTAMPTZ NOT NULL,
    finished      TIMESTAMPTZ,
    status        VARCHAR NOT NULL,
    sys_time      TIMESTAMPTZ,
    origin        VARCHAR,
    error         VARCHAR,
    stats         VARCHAR
);
COMMENT ON TABLE ops.run IS 'Run ledger: one row per run of the nightly job (or of vpsau run).';
COMMENT ON COLUMN ops.run.run_id IS 'Run number, rising.';
COMMENT ON COLUMN ops.run.trigger IS 'What started the run: manual, schedule, catch-up, demo, replay.';
COMMENT ON COLUMN ops.run.business_date IS 'The business date (--as-of) the rules were computed for.';
COMMENT ON COLUMN ops.run.started IS 'Wall-clock start.';
COMMENT ON COLUMN ops.run.finished IS 'Wall-clock end; empty while running or after a crash.';
COMMENT ON COLUMN ops.run.status IS 'running, succeeded, failed.';
COMMENT ON COLUMN ops.run.sys_time IS 'The system time stamped on every version and change this run stored.';
COMMENT ON COLUMN ops.run.origin IS 'Where the sources were read: the inbox folder or the source URLs.';
COMMENT ON COLUMN ops.run.error IS 'The one-line reason a run failed.';
COMMENT ON COLUMN ops.run.stats IS 'JSON: rows per source and stage, rejects, findings, changes, exports.';

-- Rejects and findings ----------------------------------------------------------------

CREATE TABLE ops.reject (
    run_id     BIGINT NOT NULL,
    src_system VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    file       VARCHAR NOT NULL,
    line       BIGINT NOT NULL,
    field      VARCHAR,
    value      VARCHAR,
    reason     VARCHAR NOT NULL
);
COMMENT ON TABLE ops.reject IS 'Source rows that were malformed, one row per failing field. The rest of the file loaded; the key kept its last good version.';
COMMENT ON COLUMN ops.reject.run_id IS 'The run that read the row.';
COMMENT ON COLUMN ops.reject.src_system IS 'Source system: dataflyt, slakt, didac, portal.';
COMMENT ON COLUMN ops.reject.entity IS 'Entity: producers, vets, subsidy, slaughter, courses, agreements, visits, deviations, reservations, extensions.';
COMMENT ON COLUMN ops.reject.file IS 'The file (file drop) or stored page (HTTP) the row came from, relative to the run''s raw payload folder.';
COMMENT ON COLUMN ops.reject.line IS 'Physical line the row starts on (header = 1), or the item number within an HTTP page.';
COMMENT ON COLUMN ops.reject.field IS 'The failing field; empty when the whole row is malformed.';
COMMENT ON COLUMN ops.reject.value IS 'The value as delivered (at most 200 characters).';
COMMENT ON COLUMN ops.reject.reason IS 'Why the row was rejected.';

CREATE TABLE ops.finding (
    run_id      BIGINT NOT NULL,
    check_code  VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    produsentnr VARCHAR,
    entity      VARCHAR NOT NULL,
    ref         VARCHAR,
    message     VARCHAR NOT NULL
);
COMMENT ON TABLE ops.finding IS 'Plausibility findings (cross-checks across the records of a producer) of each run. Well-formed rows that point at something unknown or do not fit together.';
COMMENT ON COLUMN ops.finding.run_id IS 'The run that made the check.';
COMMENT ON COLUMN ops.finding.check_code IS 'Which check (code list: docs/dictionary.md).';
COMMENT ON COLUMN ops.finding.severity IS 'INFO, WARNING or ERROR; the worst decides a producer''s procedure status.';
COMMENT ON COLUMN ops.finding.produsentnr IS 'The producer concerned, when there is one.';
COMMENT ON COLUMN ops.finding.entity IS 'The entity of the record checked.';
COMMENT ON COLUMN ops.finding.ref IS 'Key of the record checked (e.g. besok_id).';
COMMENT ON COLUMN ops.finding.message IS 'What was found.';

-- Source history ----------------------------------------------------------------------
-- Every table: rkey (the key as text, '|'-joined), the entity's columns, then lineage.

CREATE TABLE src.producer (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, orgnr VARCHAR, navn VARCHAR, telefon VARCHAR, epost VARCHAR,
    kommunenr VARCHAR, dyrehold_id VARCHAR,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.vet (
    rkey VARCHAR NOT NULL,
    vet_id VARCHAR NOT NULL, navn VARCHAR, telefon VARCHAR, epost VARCHAR,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.subsidy (
    rkey VARCHAR NOT NULL,
    aar BIGINT NOT NULL, orgnr VARCHAR NOT NULL, orgnavn VARCHAR, kommunenr VARCHAR,
    p139_vaar BIGINT, p145_vaar BIGINT, p146_vaar BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.slaughter (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, sesong BIGINT NOT NULL, antall_lam BIGINT,
    andel_lam_fett1 DOUBLE, andel_sau_fett1 DOUBLE, snittvekt_lam_kg DOUBLE,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.course (
    rkey VARCHAR NOT NULL,
    person_type VARCHAR NOT NULL, person_id VARCHAR NOT NULL, kurskode VARCHAR NOT NULL, fullfort_dato DATE NOT NULL,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.agreement (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, vet_id VARCHAR NOT NULL, gyldig_fra DATE NOT NULL, gyldig_til DATE,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.visit (
    rkey VARCHAR NOT NULL,
    besok_id VARCHAR NOT NULL, produsentnr VARCHAR NOT NULL, vet_id VARCHAR NOT NULL, besok_dato DATE NOT NULL,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.deviation (
    rkey VARCHAR NOT NULL,
    avvik_id VARCHAR NOT NULL, besok_id VARCHAR, produsentnr VARCHAR NOT NULL, indikator VARCHAR,
    lukkefrist DATE NOT NULL, lukket_dato DATE,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.reservation (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, reservert BOOLEAN NOT NULL, registrert TIMESTAMPTZ NOT NULL,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
CREATE TABLE src.extension (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, fristtype VARCHAR NOT NULL, avvik_id VARCHAR, ny_frist DATE NOT NULL, innvilget_av VARCHAR,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);

CREATE VIEW cur.producer    AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.producer    WHERE sys_bis IS NULL;
CREATE VIEW cur.vet         AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.vet         WHERE sys_bis IS NULL;
CREATE VIEW cur.subsidy     AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.subsidy     WHERE sys_bis IS NULL;
CREATE VIEW cur.slaughter   AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.slaughter   WHERE sys_bis IS NULL;
CREATE VIEW cur.course      AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.course      WHERE sys_bis IS NULL;
CREATE VIEW cur.agreement   AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.agreement   WHERE sys_bis IS NULL;
CREATE VIEW cur.visit       AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.visit       WHERE sys_bis IS NULL;
CREATE VIEW cur.deviation   AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.deviation   WHERE sys_bis IS NULL;
CREATE VIEW cur.reservation AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.reservation WHERE sys_bis IS NULL;
CREATE VIEW cur.extension   AS SELECT * EXCLUDE (rkey, sys_bis, bis_run) FROM src.extension   WHERE sys_bis IS NULL;

-- Historised results of the rules -------------------------------------------------------

CREATE TABLE model.coverage (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, innrullert_dato DATE NOT NULL, utmeldt_dato DATE,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT,
    src_system VARCHAR NOT NULL, src_ref VARCHAR NOT NULL
);
COMMENT ON TABLE model.coverage IS 'Coverage periods (history): a producer is covered from innrullert_dato, the business date of the first run that found it covered, until utmeldt_dato, the business date of the first run that found it no longer covered.';

CREATE TABLE model.notification (
    produsentnr VARCHAR NOT NULL, kanal VARCHAR NOT NULL, adresse VARCHAR NOT NULL,
    meldingstype VARCHAR NOT NULL, frist DATE NOT NULL,
    run_id BIGINT NOT NULL, business_date DATE NOT NULL
);
COMMENT ON TABLE model.notification IS 'Every notification event ever raised, once (append-only); the varsler receiver''s rows.';

-- Receivers -----------------------------------------------------------------------------
-- Every table: rkey, the receiver's business columns, the change numbers that created
-- (chg_von) and ended (chg_bis) the version, and lineage.

CREATE TABLE rcv.dhp (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, orgnr VARCHAR, status VARCHAR NOT NULL, besoksfrist DATE, kursfrist DATE,
    lukkefrist DATE, dvp_trekk VARCHAR NOT NULL, trekk_fra DATE,
    chg_von BIGINT NOT NULL, chg_bis BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
CREATE TABLE rcv.ksl (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, orgnr VARCHAR, innrullert_dato DATE NOT NULL, besoksfrist_overskredet DATE,
    lukkefrist_overskredet DATE, ksl_avvik VARCHAR NOT NULL,
    chg_von BIGINT NOT NULL, chg_bis BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
CREATE TABLE rcv.saukontrollen (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, status VARCHAR NOT NULL, neste_frist DATE, apne_avvik BIGINT NOT NULL,
    chg_von BIGINT NOT NULL, chg_bis BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
CREATE TABLE rcv.nokkeltall (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, vet_id VARCHAR NOT NULL, sesong BIGINT NOT NULL,
    antall_lam BIGINT, andel_lam_fett1 DOUBLE, andel_sau_fett1 DOUBLE, snittvekt_lam_kg DOUBLE,
    antall_lam_snitt5 DOUBLE, antall_lam_trend DOUBLE, antall_lam_median_fylke DOUBLE, antall_lam_median_land DOUBLE,
    andel_lam_fett1_snitt5 DOUBLE, andel_lam_fett1_trend DOUBLE, andel_lam_fett1_median_fylke DOUBLE, andel_lam_fett1_median_land DOUBLE,
    andel_sau_fett1_snitt5 DOUBLE, andel_sau_fett1_trend DOUBLE, andel_sau_fett1_median_fylke DOUBLE, andel_sau_fett1_median_land DOUBLE,
    snittvekt_lam_kg_snitt5 DOUBLE, snittvekt_lam_kg_trend DOUBLE, snittvekt_lam_kg_median_fylke DOUBLE, snittvekt_lam_kg_median_land DOUBLE,
    chg_von BIGINT NOT NULL, chg_bis BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
CREATE TABLE rcv.varsler (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, kanal VARCHAR NOT NULL, adresse VARCHAR NOT NULL, meldingstype VARCHAR NOT NULL, frist DATE NOT NULL,
    chg_von BIGINT NOT NULL, chg_bis BIGINT,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);

CREATE TABLE ops.change_log (
    endringsnr BIGINT PRIMARY KEY,
    receiver   VARCHAR NOT NULL,
    rkey       VARCHAR NOT NULL,
    operasjon  VARCHAR NOT NULL,
    endret_tid TIMESTAMPTZ NOT NULL,
    run_id     BIGINT NOT NULL
);
COMMENT ON TABLE ops.change_log IS 'Every receiver-visible change, numbered across the database, stored in the same transaction as the change.';
COMMENT ON COLUMN ops.change_log.endringsnr IS 'Change number: rising across the database, no gaps.';
COMMENT ON COLUMN ops.change_log.receiver IS 'dhp, ksl, saukontrollen, nokkeltall, varsler.';
COMMENT ON COLUMN ops.change_log.rkey IS 'The receiver row''s key as text (key columns joined by |).';
COMMENT ON COLUMN ops.change_log.operasjon IS 'NY, ENDRET, SLETTET.';
COMMENT ON COLUMN ops.change_log.endret_tid IS 'When the change was stored (the run''s system time).';
COMMENT ON COLUMN ops.change_log.run_id IS 'The run that made the change.';

CREATE TABLE ops.watermark (
    receiver   VARCHAR NOT NULL,
    endringsnr BIGINT NOT NULL,
    confirmed  TIMESTAMPTZ NOT NULL,
    confirmed_by VARCHAR NOT NULL,
    referanse  VARCHAR
);
COMMENT ON TABLE ops.watermark IS 'Every confirmation by a receiver (append-only); the latest per receiver is its watermark.';

CREATE TABLE ops.export (
    export_id     VARCHAR NOT NULL,
    receiver      VARCHAR NOT NULL,
    run_id        BIGINT,
    fra_endringsnr BIGINT NOT NULL,
    til_endringsnr BIGINT NOT NULL,
    full_export   BOOLEAN NOT NULL,
    business_date DATE NOT NULL,
    created       TIMESTAMPTZ NOT NULL,
    rows_ny       BIGINT NOT NULL,
    rows_endret   BIGINT NOT NULL,
    rows_slettet  BIGINT NOT NULL,
    manifest_sha256 VARCHAR NOT NULL,
    path          VARCHAR NOT NULL
);
COMMENT ON TABLE ops.export IS 'Every export folder published, with its change range and the hash of its manifest.';
