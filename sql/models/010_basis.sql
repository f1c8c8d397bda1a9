-- Coverage basis (DOMAIN rule 1): each producer's winter-fed sheep at the spring count of
-- the application year before the business date, found through the producer's current
-- orgnr. Winter-fed sheep = P145 + P146 + P139 in the _vaar columns (each code's weight is
-- configuration: 1 counts it, 0 leaves it out).
CREATE OR REPLACE TABLE model.basis AS
SELECT
    p.produsentnr,
    p.orgnr,
    p.kommunenr,
    year(prm.as_of) - 1                                      AS grunnlag_aar,
    s.orgnr IS NOT NULL                                      AS i_soknad,
    s.p145_vaar, s.p146_vaar, s.p139_vaar,
    CASE WHEN s.orgnr IS NOT NULL THEN
        coalesce(s.p145_vaar, 0) * prm.weight_p145
      + coalesce(s.p146_vaar, 0) * prm.weight_p146
      + coalesce(s.p139_vaar, 0) * prm.weight_p139
    END                                                      AS vinterfora_sau,
    coalesce(
        coalesce(s.p145_vaar, 0) * prm.weight_p145
      + coalesce(s.p146_vaar, 0) * prm.weight_p146
      + coalesce(s.p139_vaar, 0) * prm.weight_p139, 0) > prm.threshold AS over_terskel
FROM cur.producer p
CROSS JOIN model.param prm
LEFT JOIN cur.subsidy s ON s.orgnr = p.orgnr AND s.aar = year(prm.as_of) - 1;
