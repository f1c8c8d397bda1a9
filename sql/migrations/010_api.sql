-- 010: the receivers' download API (vpsau serve): bearer tokens, stored only as hashes,
-- and the audit log of every request.

CREATE TABLE ops.api_token (
    token_id      VARCHAR NOT NULL,
    receiver      VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    secret_sha256 VARCHAR NOT NULL,
    created       TIMESTAMPTZ NOT NULL,
    expires       TIMESTAMPTZ,
    revoked       TIMESTAMPTZ,
    replaced_by   VARCHAR
);
COMMENT ON TABLE ops.api_token IS 'API tokens of the receivers (vpsau token): one row per token, one or more per receiver, each named after the person or system that holds it. The secret itself is never stored.';
COMMENT ON COLUMN ops.api_token.token_id IS 'The token''s public id: the 16 hex digits after vpsau_ in the token.';
COMMENT ON COLUMN ops.api_token.receiver IS 'The receiver whose feed the token reaches (and no other): dhp, ksl, saukontrollen, nokkeltall, varsler.';
COMMENT ON COLUMN ops.api_token.name IS 'The token''s name, chosen by the operator (a person or system at the receiver); audited with every request. Old and new token of a rotation share it.';
COMMENT ON COLUMN ops.api_token.secret_sha256 IS 'SHA-256 (lowercase hex) of the whole token string; the token carries 256 random bits, so a fast hash suffices.';
COMMENT ON COLUMN ops.api_token.created IS 'When the token was created.';
COMMENT ON COLUMN ops.api_token.expires IS 'When the token stops working; empty = never. A rotation sets the old token''s to the end of the overlap.';
COMMENT ON COLUMN ops.api_token.revoked IS 'When the token was revoked (vpsau token revoke); empty while it is not.';
COMMENT ON COLUMN ops.api_token.replaced_by IS 'The token_id of the token that replaced this one in a rotation (vpsau token rotate).';

CREATE TABLE ops.api_request (
    time        TIMESTAMPTZ NOT NULL,
    receiver    VARCHAR,
    token_id    VARCHAR,
    token_name  VARCHAR,
    method      VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    query       VARCHAR,
    status      INTEGER NOT NULL,
    bytes       BIGINT NOT NULL,
    duration_ms DOUBLE NOT NULL,
    client      VARCHAR NOT NULL,
    user_agent  VARCHAR
);
COMMENT ON TABLE ops.api_request IS 'Audit log of the download API: one row per HTTP request, successful or not, written in batches every few seconds.';
COMMENT ON COLUMN ops.api_request.time IS 'When the request arrived.';
COMMENT ON COLUMN ops.api_request.receiver IS 'The receiver named in the path (empty for paths without one).';
COMMENT ON COLUMN ops.api_request.token_id IS 'The id of the token that authenticated the request; empty when none did.';
COMMENT ON COLUMN ops.api_request.token_name IS 'The name of the token that authenticated the request; empty when none did.';
COMMENT ON COLUMN ops.api_request.method IS 'HTTP method: GET, HEAD, POST.';
COMMENT ON COLUMN ops.api_request.path IS 'The request path (at most 300 characters).';
COMMENT ON COLUMN ops.api_request.query IS 'The known query parameters (since, format); anything else is left out.';
COMMENT ON COLUMN ops.api_request.status IS 'HTTP status answered: 200, 201, 206, 304, 400, 401, 403, 404, 413, 429, 500, 503.';
COMMENT ON COLUMN ops.api_request.bytes IS 'Bytes of response body sent.';
COMMENT ON COLUMN ops.api_request.duration_ms IS 'Milliseconds from the request''s arrival to the end of the response.';
COMMENT ON COLUMN ops.api_request.client IS 'The client''s IP address (the TCP peer).';
COMMENT ON COLUMN ops.api_request.user_agent IS 'The client''s User-Agent header (at most 200 characters).';
