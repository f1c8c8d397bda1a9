-- Stiftelsen Norsk Mat (KSL): the covered producers, the missed visit and close deadlines,
-- and whether a deadline is missed by more than 45 days.
SELECT produsentnr AS rkey,
       produsentnr, orgnr, innrullert_dato, besoksfrist_overskredet, lukkefrist_overskredet,
       CASE WHEN ksl_avvik THEN 'ja' ELSE 'nei' END AS ksl_avvik
FROM model.status
WHERE omfattet
