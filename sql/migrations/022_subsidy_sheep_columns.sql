-- 022: a subsidy file without one of the sheep columns the rules count (p139_vaar,
-- p145_vaar, p146_vaar) is refused as a whole (pipelines/dataflyt), no longer loaded with
-- the column empty; the comments say so.
COMMENT ON COLUMN src.subsidy.p139_vaar IS 'Milk sheep (code P139) at the spring count (1 March). A file without the column is refused.';
COMMENT ON COLUMN cur.subsidy.p139_vaar IS 'Milk sheep (code P139) at the spring count (1 March). A file without the column is refused.';
