-- 020: for analysts. The analytics schema with its code lists; the history of each run's
-- computed status and deadlines (so that status and deadlines can be asked as of any past
-- business date); and a comment on every table, view and column the migrations create.
--
-- The analytics views and macros themselves are defined by every run, after the models
-- they read (sql/models/990_analytics.sql): a view can only be created once the tables it
-- reads exist, which the models make. The comments on those tables
-- (model.status, model.deadline, …) are set by every run too (sql/models/980_comments.sql).

CREATE SCHEMA analytics;

-- History of the computed status and deadlines ----------------------------------------------
-- Written by every run (sql/models/900_status_history.sql, 910_deadline_history.sql) with the
-- same storno + new version historisation as the sources: only a changed row stores a new
-- version. Nothing that changes by itself every day (days overdue) is stored; the analytics
-- macros derive it from the deadline and the date asked.

CREATE TABLE model.status_h (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, orgnr VARCHAR, kommunenr VARCHAR, fylke VARCHAR,
    grunnlag_aar BIGINT, vinterfora_sau BIGINT, omfattet BOOLEAN NOT NULL,
    innrullert_dato DATE, forste_frist DATE,
    besoksfrist DATE, kursfrist DATE, lukkefrist DATE, apne_avvik BIGINT NOT NULL,
    kurs_fullfort DATE, telte_besok BIGINT NOT NULL, siste_telte_besok DATE,
    neste_frist DATE, status VARCHAR NOT NULL,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
COMMENT ON TABLE model.status_h IS 'History of each producer''s computed status (model.status): a new version whenever a run computes something different; the days overdue are not stored but derived for the date asked (analytics.status_as_of).';
COMMENT ON COLUMN model.status_h.rkey IS 'The key as text: the produsentnr.';
COMMENT ON COLUMN model.status_h.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.status_h.orgnr IS 'The producer''s orgnr when the run computed the status.';
COMMENT ON COLUMN model.status_h.kommunenr IS 'Municipality number (4 digits).';
COMMENT ON COLUMN model.status_h.fylke IS 'County: the first two digits of kommunenr.';
COMMENT ON COLUMN model.status_h.grunnlag_aar IS 'Application year whose spring count decided coverage (the year before the business date).';
COMMENT ON COLUMN model.status_h.vinterfora_sau IS 'Winter-fed sheep at that spring count (P145 + P146 + P139); empty when the orgnr is not in that year''s subsidy file.';
COMMENT ON COLUMN model.status_h.omfattet IS 'Covered by the programme (more than 30 winter-fed sheep).';
COMMENT ON COLUMN model.status_h.innrullert_dato IS 'Coverage date of the current coverage period.';
COMMENT ON COLUMN model.status_h.forste_frist IS 'First deadline: coverage date + 4 months.';
COMMENT ON COLUMN model.status_h.besoksfrist IS 'Visit deadline.';
COMMENT ON COLUMN model.status_h.kursfrist IS 'Course deadline; empty once the producer course is done.';
COMMENT ON COLUMN model.status_h.lukkefrist IS 'The earliest close deadline among open deviations.';
COMMENT ON COLUMN model.status_h.apne_avvik IS 'Number of open deviations.';
COMMENT ON COLUMN model.status_h.kurs_fullfort IS 'Date the producer course was completed.';
COMMENT ON COLUMN model.status_h.telte_besok IS 'Number of counted visits.';
COMMENT ON COLUMN model.status_h.siste_telte_besok IS 'Date of the last counted visit.';
COMMENT ON COLUMN model.status_h.neste_frist IS 'The earliest of the producer''s deadlines, missed or ahead; the days overdue at a date D are D − neste_frist when positive.';
COMMENT ON COLUMN model.status_h.status IS 'Status as computed for the run''s business date (code list status).';
COMMENT ON COLUMN model.status_h.sys_von IS 'System time this version was stored: the sys_time of the run that computed it.';
COMMENT ON COLUMN model.status_h.sys_bis IS 'System time a later run computed something different (or the producer left the register); empty while current.';
COMMENT ON COLUMN model.status_h.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN model.status_h.bis_run IS 'The run that ended it; empty while current.';

CREATE TABLE model.deadline_h (
    rkey VARCHAR NOT NULL,
    produsentnr VARCHAR NOT NULL, fristtype VARCHAR NOT NULL, avvik_id VARCHAR,
    beregnet DATE NOT NULL, forlenget_til DATE, frist DATE NOT NULL,
    sys_von TIMESTAMPTZ NOT NULL, sys_bis TIMESTAMPTZ, von_run BIGINT NOT NULL, bis_run BIGINT
);
COMMENT ON TABLE model.deadline_h IS 'History of every deadline of covered producers (model.deadline): a new version whenever a run computes a different date; a deadline that no longer applies (course done, deviation closed, coverage ended) is cancelled.';
COMMENT ON COLUMN model.deadline_h.rkey IS 'The key as text: produsentnr|fristtype|avvik_id.';
COMMENT ON COLUMN model.deadline_h.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.deadline_h.fristtype IS 'Deadline type (code list fristtype): BESOK, KURS, AVVIK.';
COMMENT ON COLUMN model.deadline_h.avvik_id IS 'The deviation, for an AVVIK deadline.';
COMMENT ON COLUMN model.deadline_h.beregnet IS 'The deadline as computed by the rules, before extensions.';
COMMENT ON COLUMN model.deadline_h.forlenget_til IS 'The latest extension granted for it; empty when none.';
COMMENT ON COLUMN model.deadline_h.frist IS 'The deadline in force: the later of beregnet and forlenget_til.';
COMMENT ON COLUMN model.deadline_h.sys_von IS 'System time this version was stored: the sys_time of the run that computed it.';
COMMENT ON COLUMN model.deadline_h.sys_bis IS 'System time a later run computed something different or the deadline no longer applied; empty while current.';
COMMENT ON COLUMN model.deadline_h.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN model.deadline_h.bis_run IS 'The run that ended it; empty while current.';

CREATE TABLE model.run_param (
    run_id BIGINT PRIMARY KEY,
    as_of  DATE NOT NULL,
    params JSON NOT NULL
);
COMMENT ON TABLE model.run_param IS 'The rules'' parameters of every run that computed them (model.param is only the latest run''s), so that a past run''s results are read with its own thresholds.';
COMMENT ON COLUMN model.run_param.run_id IS 'The run.';
COMMENT ON COLUMN model.run_param.as_of IS 'The business date the run computed the rules for.';
COMMENT ON COLUMN model.run_param.params IS 'JSON object of model.param''s columns: threshold, weight_p145, weight_p146, weight_p139, first_deadline_months, visit_interval_months, vet_approval_years, deduction_day, ksl_days, season_start_month, season_start_day, seasons, notice_days.';

-- Code lists --------------------------------------------------------------------------------

CREATE TABLE analytics.code (
    list     VARCHAR NOT NULL,
    code     VARCHAR NOT NULL,
    meaning  VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (list, code)
);
COMMENT ON TABLE analytics.code IS 'Code lists: every value a coded column can take, with its meaning (docs/dictionary.md lists them).';
COMMENT ON COLUMN analytics.code.list IS 'The code list, named after the column that holds its codes: status, fristtype, trinn, kurskode, person_type, operasjon, severity, meldingstype, kanal, receiver, src_system, run_status, trigger, nivaa, schema.';
COMMENT ON COLUMN analytics.code.code IS 'The code as stored.';
COMMENT ON COLUMN analytics.code.meaning IS 'What it means.';
COMMENT ON COLUMN analytics.code.position IS 'Order within the list (statuses from least to most severe).';

INSERT INTO analytics.code (list, code, position, meaning) VALUES
    ('status', 'IKKE_OMFATTET', 1, 'Not covered: the herd had 30 or fewer winter-fed sheep at the previous year''s spring count (or the orgnr is not in that subsidy file).'),
    ('status', 'INNRULLERT', 2, 'Covered (enrolled): deadlines running, none missed, not yet approved.'),
    ('status', 'GODKJENT', 3, 'Approved: course done, at least one counted visit, no open deviation, no deadline missed.'),
    ('status', 'FRIST_OVERSKREDET', 4, 'A deadline missed by 1–15 days.'),
    ('status', 'DVP_TREKK', 5, 'A deadline missed by 16 days or more: the DVP deduction of 1 kr/kg applies at slaughter (from the earliest missed deadline + 16 days).'),
    ('fristtype', 'BESOK', 1, 'Visit deadline (besøksfrist): the later of the first deadline and the last counted visit + 18 months.'),
    ('fristtype', 'KURS', 2, 'Course deadline (kursfrist): the first deadline, until the producer course is completed.'),
    ('fristtype', 'AVVIK', 3, 'Close deadline (lukkefrist) of an open deviation, set by the vet.'),
    ('trinn', 'FRIST_OVERSKREDET', 1, 'Missed by 1–15 days.'),
    ('trinn', 'DVP_TREKK', 2, 'Missed by 16–45 days: the deduction applies.'),
    ('trinn', 'KSL', 3, 'Missed by more than 45 days: the deduction applies and the breach counts against KSL.'),
    ('kurskode', 'SAU_VELFERD', 1, 'The producer course "Sauens atferd og velferd" (one-off).'),
    ('kurskode', 'DVP_VET_SAU', 2, 'The DVP vet course; approves a vet for 3 years from completion.'),
    ('person_type', 'PRODUSENT', 1, 'A producer; person_id is its produsentnr.'),
    ('person_type', 'VETERINAER', 2, 'A vet; person_id is its vet id (HPR number).'),
    ('operasjon', 'NY', 1, 'A new key for the receiver.'),
    ('operasjon', 'ENDRET', 2, 'A key whose receiver-visible columns changed.'),
    ('operasjon', 'SLETTET', 3, 'A key that no longer exists for the receiver; the row carries the values it last had.'),
    ('severity', 'INFO', 1, 'Worth knowing; nothing is wrong with the data as such.'),
    ('severity', 'WARNING', 2, 'Probably wrong or incomplete; the rules go on with what they have.'),
    ('severity', 'ERROR', 3, 'Records that contradict each other or point at nothing; to be corrected at the source.'),
    ('meldingstype', 'BESOKSFRIST_NARMER', 1, 'The visit deadline is within the notice days (30).'),
    ('meldingstype', 'KURSFRIST_NARMER', 2, 'The course deadline is within the notice days.'),
    ('meldingstype', 'LUKKEFRIST_NARMER', 3, 'A deviation''s close deadline is within the notice days.'),
    ('meldingstype', 'BESOKSFRIST_OVERSKREDET', 4, 'The visit deadline is missed.'),
    ('meldingstype', 'KURSFRIST_OVERSKREDET', 5, 'The course deadline is missed.'),
    ('meldingstype', 'AVVIK_OVERSKREDET', 6, 'A deviation''s close deadline is missed.'),
    ('meldingstype', 'DVP_TREKK', 7, 'The deduction started; frist is the deadline that caused it.'),
    ('kanal', 'SMS', 1, 'Text message to the producer''s phone.'),
    ('kanal', 'EPOST', 2, 'E-mail to the producer''s address.'),
    ('receiver', 'dhp', 1, 'Dyrehelseportalen: status, deadlines and deduction per covered producer (slaughterhouses settle the deduction from it).'),
    ('receiver', 'ksl', 2, 'Stiftelsen Norsk Mat / KSL: coverage date and missed deadlines per covered producer.'),
    ('receiver', 'saukontrollen', 3, 'Saukontrollen: overall status, next deadline and open deviations per covered producer.'),
    ('receiver', 'nokkeltall', 4, 'VPsau, for the vets: key figures per producer, vet and season (never for a reserved producer).'),
    ('receiver', 'varsler', 5, 'VPsau, to send: notifications per producer, channel, message type and deadline.'),
    ('src_system', 'dataflyt', 1, 'Landbrukets dataflyt: producer register, vets'' contact data, subsidy application files.'),
    ('src_system', 'slakt', 2, 'Slaktedatabasen: slaughter figures per producer and season.'),
    ('src_system', 'didac', 3, 'Didac: completed courses of producers and vets.'),
    ('src_system', 'portal', 4, 'VPsau: agreements, visits, deviations, reservations, extensions.'),
    ('run_status', 'running', 1, 'The run has started and not ended (or crashed without ending).'),
    ('run_status', 'succeeded', 2, 'Every receiver''s export was published.'),
    ('run_status', 'failed', 3, 'Nothing was published; error says why.'),
    ('trigger', 'manual', 1, 'vpsau run.'),
    ('trigger', 'schedule', 2, 'The nightly schedule of vpsau serve.'),
    ('trigger', 'catch-up', 3, 'vpsau serve catching up a night missed while it was down.'),
    ('trigger', 'demo', 4, 'vpsau run --demo.'),
    ('trigger', 'replay', 5, 'vpsau run --replay: an earlier run''s payloads loaded again.'),
    ('nivaa', 'LAND', 1, 'National: over every producer with figures.'),
    ('nivaa', 'FYLKE', 2, 'One county.'),
    ('schema', 'analytics', 1, 'For analysts: documented views and macros over everything below, and the code lists.'),
    ('schema', 'src', 2, 'History of every source entity: one row per version, never deleted (sys_von/sys_bis, lineage).'),
    ('schema', 'cur', 3, 'Views of the current version of each source entity.'),
    ('schema', 'model', 4, 'The programme''s rules: tables the latest run computed (replaced by each run) and their history.'),
    ('schema', 'rcv', 5, 'History of every receiver row, with the change numbers that created and ended it.'),
    ('schema', 'ops', 6, 'Operations: runs, rejects, findings, change log, watermarks, exports, API tokens and requests, migrations.');

CREATE TABLE analytics.check_code (
    check_code VARCHAR PRIMARY KEY,
    severity   VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    meaning    VARCHAR NOT NULL
);
COMMENT ON TABLE analytics.check_code IS 'The plausibility checks (HI-Tier "Querchecks") behind ops.finding: what each looks for and how severe a finding is.';
COMMENT ON COLUMN analytics.check_code.check_code IS 'The check''s code, as in ops.finding.check_code.';
COMMENT ON COLUMN analytics.check_code.severity IS 'Severity of its findings (code list severity).';
COMMENT ON COLUMN analytics.check_code.entity IS 'The entity whose records it checks.';
COMMENT ON COLUMN analytics.check_code.meaning IS 'What it finds.';

INSERT INTO analytics.check_code (check_code, severity, entity, meaning) VALUES
    ('VISIT_UNKNOWN_PRODUCER', 'ERROR', 'visits', 'A visit for a produsentnr that is not in the producer register.'),
    ('VISIT_UNKNOWN_VET', 'WARNING', 'visits', 'A visit by a vet who is not in the vet register.'),
    ('VISIT_VET_NOT_APPROVED', 'WARNING', 'visits', 'A visit that does not count: its vet had no valid DVP vet approval on the visit date.'),
    ('VISIT_NO_AGREEMENT', 'INFO', 'visits', 'A visit on a date when no agreement between the producer and the vet was active.'),
    ('DEVIATION_UNKNOWN_PRODUCER', 'ERROR', 'deviations', 'A deviation for a produsentnr that is not in the producer register.'),
    ('DEVIATION_UNKNOWN_VISIT', 'WARNING', 'deviations', 'A deviation that names no visit, or a visit that is not among the visits.'),
    ('DEVIATION_OTHER_PRODUCER', 'ERROR', 'deviations', 'A deviation for one producer whose visit was at another.'),
    ('COURSE_UNKNOWN_PRODUCER', 'WARNING', 'courses', 'A producer course completed by a produsentnr that is not in the producer register.'),
    ('COURSE_UNKNOWN_VET', 'WARNING', 'courses', 'A vet course completed by a vet who is not in the vet register.'),
    ('COURSE_WRONG_KIND', 'WARNING', 'courses', 'A course that is not the person type''s course (a producer with the vet course or the other way round); it does not count.'),
    ('AGREEMENT_UNKNOWN_PRODUCER', 'WARNING', 'agreements', 'An agreement for a produsentnr that is not in the producer register.'),
    ('AGREEMENT_UNKNOWN_VET', 'WARNING', 'agreements', 'An agreement with a vet who is not in the vet register.'),
    ('SLAUGHTER_UNKNOWN_PRODUCER', 'WARNING', 'slaughter', 'Slaughter figures for a produsentnr that is not in the producer register.'),
    ('RESERVATION_UNKNOWN_PRODUCER', 'WARNING', 'reservations', 'A reservation for a produsentnr that is not in the producer register.'),
    ('EXTENSION_UNKNOWN_PRODUCER', 'WARNING', 'extensions', 'An extension for a produsentnr that is not in the producer register.'),
    ('EXTENSION_UNKNOWN_DEVIATION', 'WARNING', 'extensions', 'An AVVIK extension naming a deviation that is not among the producer''s deviations.'),
    ('EXTENSION_NO_EFFECT', 'INFO', 'extensions', 'An extension that changes nothing: the computed deadline is not earlier.'),
    ('PRODUCER_NO_CONTACT', 'WARNING', 'producers', 'A covered producer with neither phone nor e-mail: no notification can be sent.'),
    ('PRODUCER_NO_ORGNR', 'WARNING', 'producers', 'A producer without orgnr: its coverage cannot be decided and it counts as not covered.'),
    ('PRODUCER_NOT_IN_SUBSIDY', 'INFO', 'producers', 'A producer whose orgnr is not in the subsidy file of the year before the business date.');

CREATE TABLE analytics.fylke (
    fylke      VARCHAR PRIMARY KEY,
    fylkesnavn VARCHAR NOT NULL,
    gyldig     VARCHAR NOT NULL
);
COMMENT ON TABLE analytics.fylke IS 'Counties (fylker) by number: the first two digits of a kommunenr. Older numbers stay, for subsidy files of earlier years.';
COMMENT ON COLUMN analytics.fylke.fylke IS 'County number (2 digits).';
COMMENT ON COLUMN analytics.fylke.fylkesnavn IS 'County name.';
COMMENT ON COLUMN analytics.fylke.gyldig IS 'The years the number was in use.';

INSERT INTO analytics.fylke (fylke, fylkesnavn, gyldig) VALUES
    ('01', 'Østfold', '–2019'), ('02', 'Akershus', '–2019'), ('03', 'Oslo', 'all'),
    ('04', 'Hedmark', '–2019'), ('05', 'Oppland', '–2019'), ('06', 'Buskerud', '–2019'),
    ('07', 'Vestfold', '–2019'), ('08', 'Telemark', '–2019'), ('09', 'Aust-Agder', '–2019'),
    ('10', 'Vest-Agder', '–2019'), ('11', 'Rogaland', 'all'), ('12', 'Hordaland', '–2019'),
    ('14', 'Sogn og Fjordane', '–2019'), ('15', 'Møre og Romsdal', 'all'),
    ('16', 'Sør-Trøndelag', '–2017'), ('17', 'Nord-Trøndelag', '–2017'), ('18', 'Nordland', 'all'),
    ('19', 'Troms', '–2019'), ('20', 'Finnmark', '–2019'), ('21', 'Svalbard', 'all'),
    ('30', 'Viken', '2020–2023'), ('31', 'Østfold', '2024–'), ('32', 'Akershus', '2024–'),
    ('33', 'Buskerud', '2024–'), ('34', 'Innlandet', '2020–'), ('38', 'Vestfold og Telemark', '2020–2023'),
    ('39', 'Vestfold', '2024–'), ('40', 'Telemark', '2024–'), ('42', 'Agder', '2020–'),
    ('46', 'Vestland', '2020–'), ('50', 'Trøndelag', '2018–'), ('54', 'Troms og Finnmark', '2020–2023'),
    ('55', 'Troms', '2024–'), ('56', 'Finnmark', '2024–');

CREATE TABLE analytics.source_entity (
    src_system VARCHAR NOT NULL,
    entity     VARCHAR PRIMARY KEY,
    file       VARCHAR NOT NULL,
    history    VARCHAR NOT NULL,
    position   INTEGER NOT NULL
);
COMMENT ON TABLE analytics.source_entity IS 'What each source system delivers: its entities, their file in a file drop and their history table (load order).';
COMMENT ON COLUMN analytics.source_entity.src_system IS 'Source system (code list src_system).';
COMMENT ON COLUMN analytics.source_entity.entity IS 'Entity, as in ops.reject.entity and ops.finding.entity.';
COMMENT ON COLUMN analytics.source_entity.file IS 'The file (or folder, for subsidy) in a file-drop inbox.';
COMMENT ON COLUMN analytics.source_entity.history IS 'The history table in the src schema (cur has its current versions).';
COMMENT ON COLUMN analytics.source_entity.position IS 'Load order.';

INSERT INTO analytics.source_entity (src_system, entity, file, history, position) VALUES
    ('dataflyt', 'producers', 'producers.csv', 'src.producer', 1),
    ('dataflyt', 'vets', 'vets.csv', 'src.vet', 2),
    ('dataflyt', 'subsidy', 'subsidy', 'src.subsidy', 3),
    ('slakt', 'slaughter', 'slaughter.csv', 'src.slaughter', 4),
    ('didac', 'courses', 'courses.csv', 'src.course', 5),
    ('portal', 'agreements', 'agreements.csv', 'src.agreement', 6),
    ('portal', 'visits', 'visits.csv', 'src.visit', 7),
    ('portal', 'deviations', 'deviations.csv', 'src.deviation', 8),
    ('portal', 'reservations', 'reservations.csv', 'src.reservation', 9),
    ('portal', 'extensions', 'extensions.csv', 'src.extension', 10);

-- Comments on what earlier migrations created ------------------------------------------------
-- src: the history of every source entity; cur: its current versions.

COMMENT ON TABLE src.producer IS 'The producer register (Landbrukets dataflyt, producers.csv), history: one row per version.';
COMMENT ON COLUMN src.producer.rkey IS 'The key as text (key columns joined by |): the produsentnr.';
COMMENT ON COLUMN src.producer.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.producer.orgnr IS 'Organisasjonsnummer of the enterprise (9 digits, mod-11 check digit); may change while the producer stays the same. Finds the producer in the subsidy files.';
COMMENT ON COLUMN src.producer.navn IS 'The producer''s name (personal data).';
COMMENT ON COLUMN src.producer.telefon IS 'Phone number for SMS notifications (personal data).';
COMMENT ON COLUMN src.producer.epost IS 'E-mail address for notifications (personal data).';
COMMENT ON COLUMN src.producer.kommunenr IS 'Municipality number (4 digits with leading zero); the first two digits are the county (fylke).';
COMMENT ON COLUMN src.producer.dyrehold_id IS 'Animal holding id (7 digits).';
COMMENT ON COLUMN src.producer.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.producer.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.producer.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.producer.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.producer.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.producer.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.producer IS 'Current versions of src.producer (sys_bis empty): the producer register (Landbrukets dataflyt, producers.csv).';
COMMENT ON COLUMN cur.producer.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.producer.orgnr IS 'Organisasjonsnummer of the enterprise (9 digits, mod-11 check digit); may change while the producer stays the same. Finds the producer in the subsidy files.';
COMMENT ON COLUMN cur.producer.navn IS 'The producer''s name (personal data).';
COMMENT ON COLUMN cur.producer.telefon IS 'Phone number for SMS notifications (personal data).';
COMMENT ON COLUMN cur.producer.epost IS 'E-mail address for notifications (personal data).';
COMMENT ON COLUMN cur.producer.kommunenr IS 'Municipality number (4 digits with leading zero); the first two digits are the county (fylke).';
COMMENT ON COLUMN cur.producer.dyrehold_id IS 'Animal holding id (7 digits).';
COMMENT ON COLUMN cur.producer.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.producer.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.producer.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.producer.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.vet IS 'Vets'' contact data (Landbrukets dataflyt, vets.csv), history.';
COMMENT ON COLUMN src.vet.rkey IS 'The key as text (key columns joined by |): the vet_id.';
COMMENT ON COLUMN src.vet.vet_id IS 'Vet id: the 7-digit HPR number.';
COMMENT ON COLUMN src.vet.navn IS 'The vet''s name (personal data).';
COMMENT ON COLUMN src.vet.telefon IS 'Phone number (personal data).';
COMMENT ON COLUMN src.vet.epost IS 'E-mail address (personal data).';
COMMENT ON COLUMN src.vet.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.vet.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.vet.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.vet.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.vet.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.vet.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.vet IS 'Current versions of src.vet (sys_bis empty): vets'' contact data (Landbrukets dataflyt, vets.csv).';
COMMENT ON COLUMN cur.vet.vet_id IS 'Vet id: the 7-digit HPR number.';
COMMENT ON COLUMN cur.vet.navn IS 'The vet''s name (personal data).';
COMMENT ON COLUMN cur.vet.telefon IS 'Phone number (personal data).';
COMMENT ON COLUMN cur.vet.epost IS 'E-mail address (personal data).';
COMMENT ON COLUMN cur.vet.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.vet.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.vet.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.vet.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.subsidy IS 'Landbruksdirektoratet''s production subsidy applications (subsidy/*.csv), history: one row per application year and orgnr; only the columns the rules need. A year''s file replaces that year only.';
COMMENT ON COLUMN src.subsidy.rkey IS 'The key as text (key columns joined by |): aar|orgnr.';
COMMENT ON COLUMN src.subsidy.aar IS 'Application year (soeknads_aar).';
COMMENT ON COLUMN src.subsidy.orgnr IS 'Organisasjonsnummer of the applying enterprise.';
COMMENT ON COLUMN src.subsidy.orgnavn IS 'The enterprise''s name as in the file.';
COMMENT ON COLUMN src.subsidy.kommunenr IS 'Municipality number (4 digits; 3-digit numbers of 2017–2019 are padded).';
COMMENT ON COLUMN src.subsidy.p139_vaar IS 'Milk sheep (code P139) at the spring count (1 March); empty when the year''s file has no such column.';
COMMENT ON COLUMN src.subsidy.p145_vaar IS 'Ewes born last year or earlier (code P145) at the spring count.';
COMMENT ON COLUMN src.subsidy.p146_vaar IS 'Rams born last year or earlier (code P146) at the spring count.';
COMMENT ON COLUMN src.subsidy.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.subsidy.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.subsidy.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.subsidy.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.subsidy.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.subsidy.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.subsidy IS 'Current versions of src.subsidy (sys_bis empty): landbruksdirektoratet''s production subsidy applications (subsidy/*.csv).';
COMMENT ON COLUMN cur.subsidy.aar IS 'Application year (soeknads_aar).';
COMMENT ON COLUMN cur.subsidy.orgnr IS 'Organisasjonsnummer of the applying enterprise.';
COMMENT ON COLUMN cur.subsidy.orgnavn IS 'The enterprise''s name as in the file.';
COMMENT ON COLUMN cur.subsidy.kommunenr IS 'Municipality number (4 digits; 3-digit numbers of 2017–2019 are padded).';
COMMENT ON COLUMN cur.subsidy.p139_vaar IS 'Milk sheep (code P139) at the spring count (1 March); empty when the year''s file has no such column.';
COMMENT ON COLUMN cur.subsidy.p145_vaar IS 'Ewes born last year or earlier (code P145) at the spring count.';
COMMENT ON COLUMN cur.subsidy.p146_vaar IS 'Rams born last year or earlier (code P146) at the spring count.';
COMMENT ON COLUMN cur.subsidy.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.subsidy.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.subsidy.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.subsidy.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.slaughter IS 'Slaughter figures per producer and season (Slaktedatabasen, slaughter.csv), history.';
COMMENT ON COLUMN src.slaughter.rkey IS 'The key as text (key columns joined by |): produsentnr|sesong.';
COMMENT ON COLUMN src.slaughter.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.slaughter.sesong IS 'Slaughter season Y: slaughter dates from 15 April Y to 14 April Y+1.';
COMMENT ON COLUMN src.slaughter.antall_lam IS 'Number of lambs slaughtered.';
COMMENT ON COLUMN src.slaughter.andel_lam_fett1 IS 'Share (0–1) of the lambs in fat group 1 or 1-.';
COMMENT ON COLUMN src.slaughter.andel_sau_fett1 IS 'Share (0–1) of the ewes and young ewes (sau/ungsau) in fat group 1 or 1-.';
COMMENT ON COLUMN src.slaughter.snittvekt_lam_kg IS 'Average lamb carcass weight in kg.';
COMMENT ON COLUMN src.slaughter.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.slaughter.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.slaughter.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.slaughter.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.slaughter.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.slaughter.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.slaughter IS 'Current versions of src.slaughter (sys_bis empty): slaughter figures per producer and season (Slaktedatabasen, slaughter.csv).';
COMMENT ON COLUMN cur.slaughter.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.slaughter.sesong IS 'Slaughter season Y: slaughter dates from 15 April Y to 14 April Y+1.';
COMMENT ON COLUMN cur.slaughter.antall_lam IS 'Number of lambs slaughtered.';
COMMENT ON COLUMN cur.slaughter.andel_lam_fett1 IS 'Share (0–1) of the lambs in fat group 1 or 1-.';
COMMENT ON COLUMN cur.slaughter.andel_sau_fett1 IS 'Share (0–1) of the ewes and young ewes (sau/ungsau) in fat group 1 or 1-.';
COMMENT ON COLUMN cur.slaughter.snittvekt_lam_kg IS 'Average lamb carcass weight in kg.';
COMMENT ON COLUMN cur.slaughter.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.slaughter.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.slaughter.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.slaughter.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.course IS 'Completed courses of producers and vets (Didac, courses.csv), history.';
COMMENT ON COLUMN src.course.rkey IS 'The key as text (key columns joined by |): person_type|person_id|kurskode|fullfort_dato.';
COMMENT ON COLUMN src.course.person_type IS 'Who took the course (code list person_type): PRODUSENT or VETERINAER.';
COMMENT ON COLUMN src.course.person_id IS 'The produsentnr of a producer (10 digits), or the vet id of a vet (7 digits).';
COMMENT ON COLUMN src.course.kurskode IS 'The course (code list kurskode): SAU_VELFERD or DVP_VET_SAU.';
COMMENT ON COLUMN src.course.fullfort_dato IS 'Date the course was completed.';
COMMENT ON COLUMN src.course.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.course.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.course.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.course.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.course.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.course.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.course IS 'Current versions of src.course (sys_bis empty): completed courses of producers and vets (Didac, courses.csv).';
COMMENT ON COLUMN cur.course.person_type IS 'Who took the course (code list person_type): PRODUSENT or VETERINAER.';
COMMENT ON COLUMN cur.course.person_id IS 'The produsentnr of a producer (10 digits), or the vet id of a vet (7 digits).';
COMMENT ON COLUMN cur.course.kurskode IS 'The course (code list kurskode): SAU_VELFERD or DVP_VET_SAU.';
COMMENT ON COLUMN cur.course.fullfort_dato IS 'Date the course was completed.';
COMMENT ON COLUMN cur.course.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.course.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.course.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.course.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.agreement IS 'Agreements between producers and vets (VPsau, agreements.csv), history; active from gyldig_fra through gyldig_til, both included.';
COMMENT ON COLUMN src.agreement.rkey IS 'The key as text (key columns joined by |): produsentnr|vet_id|gyldig_fra.';
COMMENT ON COLUMN src.agreement.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.agreement.vet_id IS 'The vet (7-digit HPR number).';
COMMENT ON COLUMN src.agreement.gyldig_fra IS 'First day of the agreement.';
COMMENT ON COLUMN src.agreement.gyldig_til IS 'Last day of the agreement (included); empty = open-ended.';
COMMENT ON COLUMN src.agreement.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.agreement.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.agreement.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.agreement.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.agreement.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.agreement.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.agreement IS 'Current versions of src.agreement (sys_bis empty): agreements between producers and vets (VPsau, agreements.csv).';
COMMENT ON COLUMN cur.agreement.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.agreement.vet_id IS 'The vet (7-digit HPR number).';
COMMENT ON COLUMN cur.agreement.gyldig_fra IS 'First day of the agreement.';
COMMENT ON COLUMN cur.agreement.gyldig_til IS 'Last day of the agreement (included); empty = open-ended.';
COMMENT ON COLUMN cur.agreement.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.agreement.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.agreement.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.agreement.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.visit IS 'Vets'' visits (VPsau, visits.csv), history.';
COMMENT ON COLUMN src.visit.rkey IS 'The key as text (key columns joined by |): the besok_id.';
COMMENT ON COLUMN src.visit.besok_id IS 'The visit''s id in VPsau.';
COMMENT ON COLUMN src.visit.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.visit.vet_id IS 'The vet who made the visit.';
COMMENT ON COLUMN src.visit.besok_dato IS 'Date of the visit.';
COMMENT ON COLUMN src.visit.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.visit.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.visit.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.visit.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.visit.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.visit.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.visit IS 'Current versions of src.visit (sys_bis empty): vets'' visits (VPsau, visits.csv).';
COMMENT ON COLUMN cur.visit.besok_id IS 'The visit''s id in VPsau.';
COMMENT ON COLUMN cur.visit.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.visit.vet_id IS 'The vet who made the visit.';
COMMENT ON COLUMN cur.visit.besok_dato IS 'Date of the visit.';
COMMENT ON COLUMN cur.visit.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.visit.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.visit.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.visit.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.deviation IS 'Deviations found at visits (VPsau, deviations.csv): an indicator scored 3 (must be corrected), with a close deadline; history.';
COMMENT ON COLUMN src.deviation.rkey IS 'The key as text (key columns joined by |): the avvik_id.';
COMMENT ON COLUMN src.deviation.avvik_id IS 'The deviation''s id in VPsau.';
COMMENT ON COLUMN src.deviation.besok_id IS 'The visit that found it.';
COMMENT ON COLUMN src.deviation.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.deviation.indikator IS 'The welfare indicator that was scored 3.';
COMMENT ON COLUMN src.deviation.lukkefrist IS 'Close deadline set by the vet.';
COMMENT ON COLUMN src.deviation.lukket_dato IS 'Date it was closed: open until then, closed on and after it; empty while open.';
COMMENT ON COLUMN src.deviation.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.deviation.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.deviation.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.deviation.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.deviation.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.deviation.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.deviation IS 'Current versions of src.deviation (sys_bis empty): deviations found at visits (VPsau, deviations.csv): an indicator scored 3 (must be corrected), with a close deadline.';
COMMENT ON COLUMN cur.deviation.avvik_id IS 'The deviation''s id in VPsau.';
COMMENT ON COLUMN cur.deviation.besok_id IS 'The visit that found it.';
COMMENT ON COLUMN cur.deviation.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.deviation.indikator IS 'The welfare indicator that was scored 3.';
COMMENT ON COLUMN cur.deviation.lukkefrist IS 'Close deadline set by the vet.';
COMMENT ON COLUMN cur.deviation.lukket_dato IS 'Date it was closed: open until then, closed on and after it; empty while open.';
COMMENT ON COLUMN cur.deviation.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.deviation.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.deviation.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.deviation.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.reservation IS 'Producers'' reservations against key figures (VPsau, reservations.csv): a log, the latest registration per producer decides; history.';
COMMENT ON COLUMN src.reservation.rkey IS 'The key as text (key columns joined by |): produsentnr|registrert.';
COMMENT ON COLUMN src.reservation.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.reservation.reservert IS 'true: the producer reserves itself (no key figures leave the system); false: a reservation withdrawn.';
COMMENT ON COLUMN src.reservation.registrert IS 'When the registration was made.';
COMMENT ON COLUMN src.reservation.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.reservation.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.reservation.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.reservation.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.reservation.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.reservation.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.reservation IS 'Current versions of src.reservation (sys_bis empty): producers'' reservations against key figures (VPsau, reservations.csv): a log, the latest registration per producer decides.';
COMMENT ON COLUMN cur.reservation.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.reservation.reservert IS 'true: the producer reserves itself (no key figures leave the system); false: a reservation withdrawn.';
COMMENT ON COLUMN cur.reservation.registrert IS 'When the registration was made.';
COMMENT ON COLUMN cur.reservation.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.reservation.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.reservation.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.reservation.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

COMMENT ON TABLE src.extension IS 'Deadline extensions granted by system administrators (VPsau, extensions.csv); every column is part of the key; history.';
COMMENT ON COLUMN src.extension.rkey IS 'The key as text (key columns joined by |): all columns joined by |.';
COMMENT ON COLUMN src.extension.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN src.extension.fristtype IS 'The deadline extended (code list fristtype): BESOK, KURS or AVVIK.';
COMMENT ON COLUMN src.extension.avvik_id IS 'The deviation, for an AVVIK extension; empty otherwise.';
COMMENT ON COLUMN src.extension.ny_frist IS 'The extended deadline; an extension only moves a deadline later.';
COMMENT ON COLUMN src.extension.innvilget_av IS 'Who granted it.';
COMMENT ON COLUMN src.extension.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN src.extension.sys_bis IS 'System time this version was cancelled (storno, HI-Tier SYS_BIS) by a change or a deletion at the source; empty while current.';
COMMENT ON COLUMN src.extension.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN src.extension.bis_run IS 'The run that cancelled it; empty while current.';
COMMENT ON COLUMN src.extension.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN src.extension.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';
COMMENT ON VIEW cur.extension IS 'Current versions of src.extension (sys_bis empty): deadline extensions granted by system administrators (VPsau, extensions.csv); every column is part of the key.';
COMMENT ON COLUMN cur.extension.produsentnr IS 'Produsentnummer: the producer''s 10-digit number; identifies the producer for good.';
COMMENT ON COLUMN cur.extension.fristtype IS 'The deadline extended (code list fristtype): BESOK, KURS or AVVIK.';
COMMENT ON COLUMN cur.extension.avvik_id IS 'The deviation, for an AVVIK extension; empty otherwise.';
COMMENT ON COLUMN cur.extension.ny_frist IS 'The extended deadline; an extension only moves a deadline later.';
COMMENT ON COLUMN cur.extension.innvilget_av IS 'Who granted it.';
COMMENT ON COLUMN cur.extension.sys_von IS 'System time this version was stored (HI-Tier SYS_VON): the sys_time of the run that stored it.';
COMMENT ON COLUMN cur.extension.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN cur.extension.src_system IS 'Source system the row came from (code list src_system).';
COMMENT ON COLUMN cur.extension.src_ref IS 'Where in the run''s raw payload folder the row came from: file:line for a file drop, page:item for HTTP.';

-- model: the historised results of the rules.

COMMENT ON COLUMN model.coverage.rkey IS 'The key as text: produsentnr|innrullert_dato.';
COMMENT ON COLUMN model.coverage.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.coverage.innrullert_dato IS 'Coverage date: the business date of the first run that found the producer covered (kept while it stays covered without a break).';
COMMENT ON COLUMN model.coverage.utmeldt_dato IS 'The business date of the first run that found it no longer covered; empty while the period is open.';
COMMENT ON COLUMN model.coverage.sys_von IS 'System time this version was stored: the sys_time of the run that computed it.';
COMMENT ON COLUMN model.coverage.sys_bis IS 'System time it was replaced (the period closed or reopened); empty while current.';
COMMENT ON COLUMN model.coverage.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN model.coverage.bis_run IS 'The run that replaced it; empty while current.';
COMMENT ON COLUMN model.coverage.src_system IS 'Always rules: the rules computed it.';
COMMENT ON COLUMN model.coverage.src_ref IS 'The run that computed it (run N).';

COMMENT ON COLUMN model.notification.produsentnr IS 'The producer notified.';
COMMENT ON COLUMN model.notification.kanal IS 'Channel (code list kanal): SMS or EPOST.';
COMMENT ON COLUMN model.notification.adresse IS 'Phone number or e-mail address from the producer register (personal data).';
COMMENT ON COLUMN model.notification.meldingstype IS 'Message type (code list meldingstype).';
COMMENT ON COLUMN model.notification.frist IS 'The deadline the message is about.';
COMMENT ON COLUMN model.notification.run_id IS 'The run that raised it.';
COMMENT ON COLUMN model.notification.business_date IS 'That run''s business date.';

-- rcv: the receivers' rows, history with change numbers.

COMMENT ON TABLE rcv.dhp IS 'Dyrehelseportalen''s rows (receiver dhp), history: one row per covered producer and version.';
COMMENT ON COLUMN rcv.dhp.rkey IS 'The key as text: the produsentnr.';
COMMENT ON COLUMN rcv.dhp.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN rcv.dhp.orgnr IS 'The producer''s current orgnr.';
COMMENT ON COLUMN rcv.dhp.status IS 'Status (code list status).';
COMMENT ON COLUMN rcv.dhp.besoksfrist IS 'Visit deadline.';
COMMENT ON COLUMN rcv.dhp.kursfrist IS 'Course deadline; empty once the course is done.';
COMMENT ON COLUMN rcv.dhp.lukkefrist IS 'The earliest close deadline among open deviations; empty when none is open.';
COMMENT ON COLUMN rcv.dhp.dvp_trekk IS 'ja when the DVP deduction applies (a deadline missed by 16 days or more), else nei.';
COMMENT ON COLUMN rcv.dhp.trekk_fra IS 'The date the deduction started (the earliest missed deadline + 16 days) when dvp_trekk is ja; else empty.';

COMMENT ON TABLE rcv.ksl IS 'KSL''s rows (receiver ksl), history: one row per covered producer and version.';
COMMENT ON COLUMN rcv.ksl.rkey IS 'The key as text: the produsentnr.';
COMMENT ON COLUMN rcv.ksl.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN rcv.ksl.orgnr IS 'The producer''s current orgnr.';
COMMENT ON COLUMN rcv.ksl.innrullert_dato IS 'Coverage date.';
COMMENT ON COLUMN rcv.ksl.besoksfrist_overskredet IS 'The missed visit deadline; empty when it is not missed.';
COMMENT ON COLUMN rcv.ksl.lukkefrist_overskredet IS 'The earliest missed close deadline of an open deviation; empty when none is missed.';
COMMENT ON COLUMN rcv.ksl.ksl_avvik IS 'ja when a deadline is missed by more than 45 days, else nei.';

COMMENT ON TABLE rcv.saukontrollen IS 'Saukontrollen''s rows (receiver saukontrollen), history: one row per covered producer and version.';
COMMENT ON COLUMN rcv.saukontrollen.rkey IS 'The key as text: the produsentnr.';
COMMENT ON COLUMN rcv.saukontrollen.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN rcv.saukontrollen.status IS 'Status (code list status).';
COMMENT ON COLUMN rcv.saukontrollen.neste_frist IS 'The earliest of the producer''s current deadlines, missed or ahead.';
COMMENT ON COLUMN rcv.saukontrollen.apne_avvik IS 'Number of open deviations.';

COMMENT ON TABLE rcv.nokkeltall IS 'Key figures for the vets (receiver nokkeltall), history: one row per producer, vet with an active agreement and completed season — never for a producer that reserved itself.';
COMMENT ON COLUMN rcv.nokkeltall.rkey IS 'The key as text: produsentnr|vet_id|sesong.';
COMMENT ON COLUMN rcv.nokkeltall.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN rcv.nokkeltall.vet_id IS 'The vet with an active agreement with the producer, who may see the figures.';
COMMENT ON COLUMN rcv.nokkeltall.sesong IS 'Slaughter season (one of the five completed seasons).';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam IS 'Lambs slaughtered in the season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1 IS 'Share (0–1) of lambs in fat group 1/1-.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1 IS 'Share (0–1) of ewes in fat group 1/1-.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg IS 'Average lamb carcass weight, kg.';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_snitt5 IS 'Mean of antall_lam over the producer''s five completed seasons.';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_trend IS 'Trend of antall_lam: least-squares slope per season (lambs per season); empty with fewer than two seasons.';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_median_fylke IS 'Median antall_lam of the season over the producers of the county.';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_median_land IS 'National median antall_lam of the season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_snitt5 IS 'Mean of andel_lam_fett1 over the five seasons.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_trend IS 'Trend of andel_lam_fett1: least-squares slope per season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_median_fylke IS 'County median andel_lam_fett1 of the season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_median_land IS 'National median andel_lam_fett1 of the season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_snitt5 IS 'Mean of andel_sau_fett1 over the five seasons.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_trend IS 'Trend of andel_sau_fett1: least-squares slope per season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_median_fylke IS 'County median andel_sau_fett1 of the season.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_median_land IS 'National median andel_sau_fett1 of the season.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_snitt5 IS 'Mean of snittvekt_lam_kg over the five seasons, kg.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_trend IS 'Trend of snittvekt_lam_kg: least-squares slope, kg per season.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_median_fylke IS 'County median snittvekt_lam_kg of the season, kg.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_median_land IS 'National median snittvekt_lam_kg of the season, kg.';

COMMENT ON TABLE rcv.varsler IS 'Notifications for VPsau to send (receiver varsler), history: one row per producer, channel, message type and deadline.';
COMMENT ON COLUMN rcv.varsler.rkey IS 'The key as text: produsentnr|kanal|meldingstype|frist.';
COMMENT ON COLUMN rcv.varsler.produsentnr IS 'The producer to notify.';
COMMENT ON COLUMN rcv.varsler.kanal IS 'Channel (code list kanal): SMS or EPOST.';
COMMENT ON COLUMN rcv.varsler.adresse IS 'Phone number or e-mail address (personal data).';
COMMENT ON COLUMN rcv.varsler.meldingstype IS 'Message type (code list meldingstype).';
COMMENT ON COLUMN rcv.varsler.frist IS 'The deadline the message is about.';
COMMENT ON COLUMN rcv.dhp.chg_von IS 'The change number (ops.change_log) that created this version.';
COMMENT ON COLUMN rcv.dhp.chg_bis IS 'The change number that ended it (a change or a deletion); empty while current.';
COMMENT ON COLUMN rcv.dhp.sys_von IS 'System time this version was stored.';
COMMENT ON COLUMN rcv.dhp.sys_bis IS 'System time it was ended; empty while current.';
COMMENT ON COLUMN rcv.dhp.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN rcv.dhp.bis_run IS 'The run that ended it; empty while current.';
COMMENT ON COLUMN rcv.ksl.chg_von IS 'The change number (ops.change_log) that created this version.';
COMMENT ON COLUMN rcv.ksl.chg_bis IS 'The change number that ended it (a change or a deletion); empty while current.';
COMMENT ON COLUMN rcv.ksl.sys_von IS 'System time this version was stored.';
COMMENT ON COLUMN rcv.ksl.sys_bis IS 'System time it was ended; empty while current.';
COMMENT ON COLUMN rcv.ksl.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN rcv.ksl.bis_run IS 'The run that ended it; empty while current.';
COMMENT ON COLUMN rcv.saukontrollen.chg_von IS 'The change number (ops.change_log) that created this version.';
COMMENT ON COLUMN rcv.saukontrollen.chg_bis IS 'The change number that ended it (a change or a deletion); empty while current.';
COMMENT ON COLUMN rcv.saukontrollen.sys_von IS 'System time this version was stored.';
COMMENT ON COLUMN rcv.saukontrollen.sys_bis IS 'System time it was ended; empty while current.';
COMMENT ON COLUMN rcv.saukontrollen.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN rcv.saukontrollen.bis_run IS 'The run that ended it; empty while current.';
COMMENT ON COLUMN rcv.nokkeltall.chg_von IS 'The change number (ops.change_log) that created this version.';
COMMENT ON COLUMN rcv.nokkeltall.chg_bis IS 'The change number that ended it (a change or a deletion); empty while current.';
COMMENT ON COLUMN rcv.nokkeltall.sys_von IS 'System time this version was stored.';
COMMENT ON COLUMN rcv.nokkeltall.sys_bis IS 'System time it was ended; empty while current.';
COMMENT ON COLUMN rcv.nokkeltall.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN rcv.nokkeltall.bis_run IS 'The run that ended it; empty while current.';
COMMENT ON COLUMN rcv.varsler.chg_von IS 'The change number (ops.change_log) that created this version.';
COMMENT ON COLUMN rcv.varsler.chg_bis IS 'The change number that ended it (a change or a deletion); empty while current.';
COMMENT ON COLUMN rcv.varsler.sys_von IS 'System time this version was stored.';
COMMENT ON COLUMN rcv.varsler.sys_bis IS 'System time it was ended; empty while current.';
COMMENT ON COLUMN rcv.varsler.von_run IS 'The run that stored this version.';
COMMENT ON COLUMN rcv.varsler.bis_run IS 'The run that ended it; empty while current.';

-- ops: what 001 and 002 left without a comment.

COMMENT ON TABLE ops.schema_migration IS 'Every schema migration applied to this database (sql/migrations), once each.';
COMMENT ON COLUMN ops.schema_migration.version IS 'The migration''s number.';
COMMENT ON COLUMN ops.schema_migration.name IS 'Its file name.';
COMMENT ON COLUMN ops.schema_migration.applied IS 'When it was applied.';

COMMENT ON COLUMN ops.export.export_id IS 'The export''s id and folder name: NNNNNN-YYYYMMDD (number, business date).';
COMMENT ON COLUMN ops.export.receiver IS 'The receiver (code list receiver).';
COMMENT ON COLUMN ops.export.run_id IS 'The run that published it; empty for a re-issue by vpsau export.';
COMMENT ON COLUMN ops.export.fra_endringsnr IS 'The export holds the changes after this change number …';
COMMENT ON COLUMN ops.export.til_endringsnr IS '… up to and including this one.';
COMMENT ON COLUMN ops.export.full_export IS 'true: every current row as NY (a full export); false: a delta.';
COMMENT ON COLUMN ops.export.business_date IS 'Business date written in the manifest.';
COMMENT ON COLUMN ops.export.created IS 'When the export was made.';
COMMENT ON COLUMN ops.export.rows_ny IS 'Rows with operasjon NY.';
COMMENT ON COLUMN ops.export.rows_endret IS 'Rows with operasjon ENDRET.';
COMMENT ON COLUMN ops.export.rows_slettet IS 'Rows with operasjon SLETTET.';
COMMENT ON COLUMN ops.export.manifest_sha256 IS 'SHA-256 of its manifest.json (lowercase hex); the next export''s manifest names it.';
COMMENT ON COLUMN ops.export.path IS 'The published folder.';
