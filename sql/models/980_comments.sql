-- Comments on the tables the models above replace every run (CREATE OR REPLACE drops a
-- table's comments with the table): what each holds, column by column. The data
-- dictionary (docs/dictionary.md) is generated from them; its test fails on a column
-- without one.
COMMENT ON TABLE model.param IS 'The latest run''s parameters: its business date, its run id and every rule that is an assumption (DOMAIN.md''s defaults unless configured). Every run''s are in model.run_param.';
COMMENT ON COLUMN model.param.as_of IS 'The business date the rules were computed for.';
COMMENT ON COLUMN model.param.run_id IS 'The run that computed them.';
COMMENT ON COLUMN model.param.threshold IS 'Covered when winter-fed sheep > threshold (30).';
COMMENT ON COLUMN model.param.weight_p145 IS '1 when ewes (P145) count as winter-fed sheep, 0 when not.';
COMMENT ON COLUMN model.param.weight_p146 IS '1 when rams (P146) count, 0 when not.';
COMMENT ON COLUMN model.param.weight_p139 IS '1 when milk sheep (P139) count, 0 when not.';
COMMENT ON COLUMN model.param.first_deadline_months IS 'First deadline = coverage date + this many months (4).';
COMMENT ON COLUMN model.param.visit_interval_months IS 'A vet visit at least every this many months (18).';
COMMENT ON COLUMN model.param.vet_approval_years IS 'A DVP vet course approves a vet for this many years (3).';
COMMENT ON COLUMN model.param.deduction_day IS 'The deduction applies from this day after a missed deadline (16).';
COMMENT ON COLUMN model.param.ksl_days IS 'A breach counts against KSL after more than this many days (45).';
COMMENT ON COLUMN model.param.season_start_month IS 'Month a slaughter season starts (4: April).';
COMMENT ON COLUMN model.param.season_start_day IS 'Day it starts (15).';
COMMENT ON COLUMN model.param.seasons IS 'Key figures cover this many completed seasons (5).';
COMMENT ON COLUMN model.param.notice_days IS 'A deadline is notified this many days ahead (30).';

COMMENT ON TABLE model.basis IS 'Coverage basis per producer in the register (DOMAIN rule 1): winter-fed sheep at the spring count of the application year before the business date, found through the current orgnr.';
COMMENT ON COLUMN model.basis.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.basis.orgnr IS 'The producer''s current orgnr.';
COMMENT ON COLUMN model.basis.kommunenr IS 'Municipality number from the producer register.';
COMMENT ON COLUMN model.basis.grunnlag_aar IS 'The application year whose spring count decides (the year before the business date).';
COMMENT ON COLUMN model.basis.i_soknad IS 'The orgnr is in that year''s subsidy file.';
COMMENT ON COLUMN model.basis.p145_vaar IS 'Ewes (P145) at the spring count.';
COMMENT ON COLUMN model.basis.p146_vaar IS 'Rams (P146) at the spring count.';
COMMENT ON COLUMN model.basis.p139_vaar IS 'Milk sheep (P139) at the spring count.';
COMMENT ON COLUMN model.basis.vinterfora_sau IS 'Winter-fed sheep: the weighted sum of P145, P146 and P139; empty when the orgnr is not in the file.';
COMMENT ON COLUMN model.basis.over_terskel IS 'More than the threshold (30): the producer is covered.';

COMMENT ON TABLE model.vet_approval IS 'DVP vet approvals (DOMAIN rule 4): one row per vet course completed, valid from completion to the day before its third anniversary.';
COMMENT ON COLUMN model.vet_approval.vet_id IS 'The vet (7-digit HPR number).';
COMMENT ON COLUMN model.vet_approval.godkjent_fra IS 'First day of the approval (the course''s completion date).';
COMMENT ON COLUMN model.vet_approval.godkjent_til IS 'Last day of the approval.';

COMMENT ON TABLE model.visit_eval IS 'Every current visit and whether it counts (DOMAIN rules 3, 4): a visit counts when its vet held a valid DVP vet approval on the visit date.';
COMMENT ON COLUMN model.visit_eval.besok_id IS 'The visit''s id.';
COMMENT ON COLUMN model.visit_eval.produsentnr IS 'The producer visited.';
COMMENT ON COLUMN model.visit_eval.vet_id IS 'The vet who visited.';
COMMENT ON COLUMN model.visit_eval.besok_dato IS 'Date of the visit.';
COMMENT ON COLUMN model.visit_eval.telles IS 'The visit counts toward the visit deadline.';
COMMENT ON COLUMN model.visit_eval.begrunnelse IS 'Why it counts or not.';

COMMENT ON TABLE model.deadline IS 'Every deadline of every covered producer as of the business date (DOMAIN rules 2, 3, 5–8): visit, course (until done) and each open deviation''s close deadline, moved later by extensions.';
COMMENT ON COLUMN model.deadline.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.deadline.fristtype IS 'Deadline type (code list fristtype): BESOK, KURS, AVVIK.';
COMMENT ON COLUMN model.deadline.avvik_id IS 'The deviation, for an AVVIK deadline.';
COMMENT ON COLUMN model.deadline.beregnet IS 'The deadline as computed, before extensions.';
COMMENT ON COLUMN model.deadline.forlenget_til IS 'The latest extension granted; empty when none.';
COMMENT ON COLUMN model.deadline.frist IS 'The deadline in force: the later of beregnet and forlenget_til.';
COMMENT ON COLUMN model.deadline.dager_overskredet IS 'Days overdue at the business date (business date − frist), 0 when not missed.';

COMMENT ON TABLE model.status IS 'Status per producer in the register as of the business date (DOMAIN rules 8, 9): deadlines, the earliest missed one, deduction, KSL and the status that wins.';
COMMENT ON COLUMN model.status.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.status.orgnr IS 'The producer''s current orgnr.';
COMMENT ON COLUMN model.status.kommunenr IS 'Municipality number (4 digits).';
COMMENT ON COLUMN model.status.fylke IS 'County: the first two digits of kommunenr.';
COMMENT ON COLUMN model.status.grunnlag_aar IS 'The application year whose spring count decided coverage.';
COMMENT ON COLUMN model.status.vinterfora_sau IS 'Winter-fed sheep at that count; empty when the orgnr is not in the file.';
COMMENT ON COLUMN model.status.omfattet IS 'Covered by the programme.';
COMMENT ON COLUMN model.status.innrullert_dato IS 'Coverage date of the current coverage period.';
COMMENT ON COLUMN model.status.forste_frist IS 'First deadline: coverage date + 4 months.';
COMMENT ON COLUMN model.status.besoksfrist IS 'Visit deadline.';
COMMENT ON COLUMN model.status.kursfrist IS 'Course deadline; empty once the course is done.';
COMMENT ON COLUMN model.status.lukkefrist IS 'The earliest close deadline among open deviations.';
COMMENT ON COLUMN model.status.apne_avvik IS 'Number of open deviations.';
COMMENT ON COLUMN model.status.kurs_fullfort IS 'Date the producer course was completed.';
COMMENT ON COLUMN model.status.telte_besok IS 'Number of counted visits.';
COMMENT ON COLUMN model.status.siste_telte_besok IS 'Date of the last counted visit.';
COMMENT ON COLUMN model.status.tidligste_overskredet IS 'The earliest missed deadline; it decides the deduction.';
COMMENT ON COLUMN model.status.dager_overskredet IS 'Days the earliest missed deadline is overdue (0 when none is missed).';
COMMENT ON COLUMN model.status.dvp_trekk IS 'The DVP deduction applies (missed by 16 days or more).';
COMMENT ON COLUMN model.status.trekk_fra IS 'The date the deduction started: the earliest missed deadline + 16 days.';
COMMENT ON COLUMN model.status.ksl_avvik IS 'Missed by more than 45 days: counts against KSL.';
COMMENT ON COLUMN model.status.besoksfrist_overskredet IS 'The visit deadline when it is missed.';
COMMENT ON COLUMN model.status.lukkefrist_overskredet IS 'The earliest missed close deadline of an open deviation.';
COMMENT ON COLUMN model.status.neste_frist IS 'The earliest of the producer''s deadlines, missed or ahead.';
COMMENT ON COLUMN model.status.status IS 'Status (code list status): the highest applicable wins.';

COMMENT ON TABLE model.season_window IS 'The completed slaughter seasons the key figures cover (DOMAIN rule 11): the last five whose end is before the business date.';
COMMENT ON COLUMN model.season_window.sesong IS 'Season Y: 15 April Y to 14 April Y+1.';

COMMENT ON TABLE model.reservation_state IS 'Each producer''s reservation against key figures: the latest registration decides (DOMAIN rule 10).';
COMMENT ON COLUMN model.reservation_state.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.reservation_state.reservert IS 'true: reserved, no key figures of the producer leave the system.';
COMMENT ON COLUMN model.reservation_state.registrert IS 'When the latest registration was made.';

COMMENT ON TABLE model.active_agreement IS 'Producer–vet agreements active on the business date (from gyldig_fra through gyldig_til).';
COMMENT ON COLUMN model.active_agreement.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.active_agreement.vet_id IS 'The vet.';

COMMENT ON TABLE model.season_stats IS 'Medians of the slaughter figures per season, nationally and per county, over every producer with figures (a reserved producer is part of the aggregates only). A group of fewer than 5 producers has its size but no medians.';
COMMENT ON COLUMN model.season_stats.sesong IS 'Slaughter season.';
COMMENT ON COLUMN model.season_stats.nivaa IS 'Level (code list nivaa): LAND or FYLKE.';
COMMENT ON COLUMN model.season_stats.fylke IS 'County, for level FYLKE; empty for LAND.';
COMMENT ON COLUMN model.season_stats.antall_lam IS 'Median lambs slaughtered.';
COMMENT ON COLUMN model.season_stats.andel_lam_fett1 IS 'Median share (0–1) of lambs in fat group 1/1-.';
COMMENT ON COLUMN model.season_stats.andel_sau_fett1 IS 'Median share (0–1) of ewes in fat group 1/1-.';
COMMENT ON COLUMN model.season_stats.snittvekt_lam_kg IS 'Median average lamb carcass weight, kg.';
COMMENT ON COLUMN model.season_stats.produsenter IS 'Producers with figures in the group.';

COMMENT ON TABLE model.keyfigures IS 'Key figures for the vet (DOMAIN rule 10): one row per producer, vet with an active agreement and completed season, with five-season means, trends and medians; never for a producer whose latest reservation says reserved.';
COMMENT ON COLUMN model.keyfigures.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.keyfigures.vet_id IS 'The vet with an active agreement.';
COMMENT ON COLUMN model.keyfigures.sesong IS 'Slaughter season.';
COMMENT ON COLUMN model.keyfigures.antall_lam IS 'Lambs slaughtered in the season.';
COMMENT ON COLUMN model.keyfigures.andel_lam_fett1 IS 'Share (0–1) of lambs in fat group 1/1-.';
COMMENT ON COLUMN model.keyfigures.andel_sau_fett1 IS 'Share (0–1) of ewes in fat group 1/1-.';
COMMENT ON COLUMN model.keyfigures.snittvekt_lam_kg IS 'Average lamb carcass weight, kg.';
COMMENT ON COLUMN model.keyfigures.antall_lam_snitt5 IS 'Mean of antall_lam over the five seasons.';
COMMENT ON COLUMN model.keyfigures.antall_lam_trend IS 'Least-squares slope of antall_lam per season; empty with fewer than two seasons.';
COMMENT ON COLUMN model.keyfigures.antall_lam_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.antall_lam_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.andel_lam_fett1_snitt5 IS 'Mean of andel_lam_fett1 over the five seasons.';
COMMENT ON COLUMN model.keyfigures.andel_lam_fett1_trend IS 'Least-squares slope of andel_lam_fett1 per season.';
COMMENT ON COLUMN model.keyfigures.andel_lam_fett1_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.andel_lam_fett1_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.andel_sau_fett1_snitt5 IS 'Mean of andel_sau_fett1 over the five seasons.';
COMMENT ON COLUMN model.keyfigures.andel_sau_fett1_trend IS 'Least-squares slope of andel_sau_fett1 per season.';
COMMENT ON COLUMN model.keyfigures.andel_sau_fett1_median_fylke IS 'County median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.andel_sau_fett1_median_land IS 'National median of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.snittvekt_lam_kg_snitt5 IS 'Mean of snittvekt_lam_kg over the five seasons, kg.';
COMMENT ON COLUMN model.keyfigures.snittvekt_lam_kg_trend IS 'Least-squares slope of snittvekt_lam_kg, kg per season.';
COMMENT ON COLUMN model.keyfigures.snittvekt_lam_kg_median_fylke IS 'County median of the season, kg; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN model.keyfigures.snittvekt_lam_kg_median_land IS 'National median of the season, kg; empty when fewer than 5 producers have figures.';

COMMENT ON TABLE model.procedure_status IS 'Procedure status of each producer with findings in the latest run: the worst severity decides (HI-Tier).';
COMMENT ON COLUMN model.procedure_status.produsentnr IS 'Produsentnummer (10 digits).';
COMMENT ON COLUMN model.procedure_status.severity IS 'The worst severity of its findings (code list severity).';
COMMENT ON COLUMN model.procedure_status.findings IS 'Number of findings.';
