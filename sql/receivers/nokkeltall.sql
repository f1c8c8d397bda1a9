-- Key figures for the vets (through VPsau): one row per producer, vet with an active
-- agreement and completed season; never a producer that reserved itself. The comparison
-- columns: the producer's five-season mean (snitt5) and trend (slope per season), and the
-- season's medians in the producer's county (fylke) and nationally (land).
SELECT produsentnr || '|' || vet_id || '|' || sesong AS rkey,
       produsentnr, vet_id, sesong, antall_lam, andel_lam_fett1, andel_sau_fett1, snittvekt_lam_kg,
       antall_lam_snitt5, antall_lam_trend, antall_lam_median_fylke, antall_lam_median_land,
       andel_lam_fett1_snitt5, andel_lam_fett1_trend, andel_lam_fett1_median_fylke, andel_lam_fett1_median_land,
       andel_sau_fett1_snitt5, andel_sau_fett1_trend, andel_sau_fett1_median_fylke, andel_sau_fett1_median_land,
       snittvekt_lam_kg_snitt5, snittvekt_lam_kg_trend, snittvekt_lam_kg_median_fylke, snittvekt_lam_kg_median_land
FROM model.keyfigures
