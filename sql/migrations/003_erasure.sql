-- 003: erasures of a person's name, phone and e-mail on request (the statuses and
-- deadlines stay).
CREATE TABLE ops.erasure (
    erased       TIMESTAMPTZ NOT NULL,
    subject_kind VARCHAR NOT NULL,
    subject      VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    versions     BIGINT NOT NULL
);
COMMENT ON TABLE ops.erasure IS 'Every erasure of a person''s name, phone and e-mail on request (vpsau erase).';
COMMENT ON COLUMN ops.erasure.erased IS 'When the erasure was made.';
COMMENT ON COLUMN ops.erasure.subject_kind IS 'produsentnr or vet_id.';
COMMENT ON COLUMN ops.erasure.subject IS 'The producer or vet whose data was erased.';
COMMENT ON COLUMN ops.erasure.reason IS 'Why (the request).';
COMMENT ON COLUMN ops.erasure.versions IS 'How many stored versions were changed.';
