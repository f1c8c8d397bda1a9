-- Notifications (the portal sends "relevant messages" by SMS and e-mail from the register's
-- contact data). Events for covered producers:
--   BESOKSFRIST_NARMER / KURSFRIST_NARMER / LUKKEFRIST_NARMER  a deadline within the notice days
--   BESOKSFRIST_OVERSKREDET / KURSFRIST_OVERSKREDET            a visit or course deadline missed
--   AVVIK_OVERSKREDET                                           a deviation's close deadline missed
--   DVP_TREKK                                                   the deduction started (frist = the deadline that caused it)
-- Each event (producer, channel, type, deadline) is raised once and kept (append-only), so
-- it is notified once, not every night. No notification without an address (a finding).
INSERT INTO model.notification (produsentnr, kanal, adresse, meldingstype, frist, run_id, business_date)
WITH prm AS (SELECT * FROM model.param),
events AS (
    SELECT d.produsentnr,
           CASE d.fristtype WHEN 'BESOK' THEN 'BESOKSFRIST' WHEN 'KURS' THEN 'KURSFRIST' ELSE 'LUKKEFRIST' END || '_NARMER' AS meldingstype,
           d.frist
    FROM model.deadline d, prm
    WHERE d.frist >= prm.as_of AND d.frist <= prm.as_of + to_days(prm.notice_days)
    UNION
    SELECT d.produsentnr,
           CASE d.fristtype WHEN 'BESOK' THEN 'BESOKSFRIST_OVERSKREDET' WHEN 'KURS' THEN 'KURSFRIST_OVERSKREDET' ELSE 'AVVIK_OVERSKREDET' END,
           d.frist
    FROM model.deadline d
    WHERE d.dager_overskredet > 0
    UNION
    SELECT s.produsentnr, 'DVP_TREKK', s.tidligste_overskredet
    FROM model.status s
    WHERE s.dvp_trekk
),
addressed AS (
    SELECT e.*, 'SMS' AS kanal, p.telefon AS adresse FROM events e JOIN cur.producer p USING (produsentnr) WHERE p.telefon IS NOT NULL
    UNION ALL
    SELECT e.*, 'EPOST', p.epost FROM events e JOIN cur.producer p USING (produsentnr) WHERE p.epost IS NOT NULL
)
SELECT a.produsentnr, a.kanal, a.adresse, a.meldingstype, a.frist, prm.run_id, prm.as_of
FROM addressed a, prm
WHERE NOT EXISTS (
    SELECT 1 FROM model.notification n
    WHERE n.produsentnr = a.produsentnr AND n.kanal = a.kanal AND n.meldingstype = a.meldingstype AND n.frist = a.frist
)
ORDER BY a.produsentnr, a.kanal, a.meldingstype, a.frist;
