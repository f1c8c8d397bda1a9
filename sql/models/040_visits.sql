-- Visits (DOMAIN rules 3, 4): a visit counts only when its vet held a valid DVP vet
-- approval on the visit date. A visit before coverage counts.
CREATE OR REPLACE TABLE model.visit_eval AS
SELECT
    v.besok_id, v.produsentnr, v.vet_id, v.besok_dato,
    ok.vet_id IS NOT NULL AS telles,
    CASE
        WHEN ok.vet_id IS NOT NULL THEN 'counted: the vet was approved on the visit date'
        WHEN v.vet_id NOT IN (SELECT vet_id FROM model.vet_approval) THEN 'not counted: the vet has no DVP vet course'
        ELSE 'not counted: the vet''s DVP approval was not valid on the visit date'
    END AS begrunnelse
FROM cur.visit v
LEFT JOIN (
    SELECT DISTINCT v2.besok_id, a.vet_id
    FROM cur.visit v2
    JOIN model.vet_approval a ON a.vet_id = v2.vet_id AND v2.besok_dato BETWEEN a.godkjent_fra AND a.godkjent_til
) ok ON ok.besok_id = v.besok_id;
