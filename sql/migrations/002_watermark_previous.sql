-- 002: each confirmation keeps the watermark it replaced, so that repeating a confirmation
-- (the same referanse) answers exactly as the first time.
ALTER TABLE ops.watermark ADD COLUMN previous BIGINT;
COMMENT ON COLUMN ops.watermark.previous IS 'The receiver''s watermark before this confirmation.';
COMMENT ON COLUMN ops.watermark.receiver IS 'The receiver that confirmed.';
COMMENT ON COLUMN ops.watermark.endringsnr IS 'The change number confirmed: the receiver has applied everything up to it; its next export starts after it.';
COMMENT ON COLUMN ops.watermark.confirmed IS 'When the confirmation was stored.';
COMMENT ON COLUMN ops.watermark.confirmed_by IS 'Who confirmed: cli, or the name of the API token.';
COMMENT ON COLUMN ops.watermark.referanse IS 'The receiver''s own reference of the confirmation (idempotency key).';
