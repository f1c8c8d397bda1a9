-- 026: model.reservation_state exists from the start, empty until the rules' first night
-- make it anew: receivers' exports read it (a re-issue leaves out the key figures of a
-- producer reserved now), also on a database whose first run failed.
CREATE TABLE IF NOT EXISTS model.reservation_state (produsentnr VARCHAR, reservert BOOLEAN, registrert TIMESTAMPTZ);
