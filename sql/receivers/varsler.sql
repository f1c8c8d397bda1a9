-- Notifications for VPsau to send: every event raised, once.
SELECT produsentnr || '|' || kanal || '|' || meldingstype || '|' || strftime(frist, '%Y-%m-%d') AS rkey,
       produsentnr, kanal, adresse, meldingstype, frist
FROM model.notification
