-- Dyrehelseportalen: one row per covered producer, for settling the deduction at slaughter.
SELECT produsentnr AS rkey,
       produsentnr, orgnr, status, besoksfrist, kursfrist, lukkefrist,
       CASE WHEN dvp_trekk THEN 'ja' ELSE 'nei' END AS dvp_trekk,
       trekk_fra
FROM model.status
WHERE omfattet
