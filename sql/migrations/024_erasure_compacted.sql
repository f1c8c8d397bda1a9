-- 024: when the database file was last rewritten after an erasure (store.Compact). Until
-- then the file's freed blocks may still hold the erased values, so an analyst copy is
-- made with SQL, not from the file's bytes (internal/nightly/analyst.go). Erasures made
-- before this migration count as not compacted.
ALTER TABLE ops.erasure ADD COLUMN compacted TIMESTAMPTZ;
COMMENT ON COLUMN ops.erasure.compacted IS 'When the database file was rewritten without the erased values in its free space; empty until then (analyst copies are then made with SQL).';
