-- 025: model.run_param.params holds the whole row of model.param (to_json), the run's
-- business date and run id included; migration 020's comment listed only the rules.
COMMENT ON COLUMN model.run_param.params IS 'JSON object of model.param''s whole row: as_of, run_id and the rules'' parameters (threshold, weight_p145, weight_p146, weight_p139, first_deadline_months, visit_interval_months, vet_approval_years, deduction_day, ksl_days, season_start_month, season_start_day, seasons, notice_days).';
