-- DVP vet approval (DOMAIN rule 4): a vet is approved from completing the vet course up to
-- the day before the course's anniversary after the configured number of years (3).
CREATE OR REPLACE TABLE model.vet_approval AS
SELECT c.person_id AS vet_id,
       c.fullfort_dato AS godkjent_fra,
       (c.fullfort_dato + to_years(prm.vet_approval_years) - INTERVAL 1 DAY)::DATE AS godkjent_til
FROM cur.course c, model.param prm
WHERE c.person_type = 'VETERINAER' AND c.kurskode = 'DVP_VET_SAU';
