-- 023: nokkeltall's medians are left out for groups of fewer than 5 producers (sql/models/
-- 070_keyfigures.sql): with a reserved producer among a few, the vet of another could read
-- its figures off the median. The comments say so.
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_median_fylke IS 'Median antall_lam of the season over the producers of the county; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.antall_lam_median_land IS 'National median antall_lam of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_median_fylke IS 'County median andel_lam_fett1 of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.andel_lam_fett1_median_land IS 'National median andel_lam_fett1 of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_median_fylke IS 'County median andel_sau_fett1 of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.andel_sau_fett1_median_land IS 'National median andel_sau_fett1 of the season; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_median_fylke IS 'County median snittvekt_lam_kg of the season, kg; empty when fewer than 5 producers have figures.';
COMMENT ON COLUMN rcv.nokkeltall.snittvekt_lam_kg_median_land IS 'National median snittvekt_lam_kg of the season, kg; empty when fewer than 5 producers have figures.';
