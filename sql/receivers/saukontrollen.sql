-- Saukontrollen: the overall DVP status shown to the producer.
SELECT produsentnr AS rkey,
       produsentnr, status, neste_frist, apne_avvik
FROM model.status
WHERE omfattet
