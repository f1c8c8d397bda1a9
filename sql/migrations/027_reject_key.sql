-- 027: a reject keeps its row's key, when it could be read, so that vpsau erase finds the
-- values a person's rejected rows held (a malformed phone number is still theirs).
ALTER TABLE ops.reject ADD COLUMN rkey VARCHAR;
COMMENT ON COLUMN ops.reject.rkey IS 'The row''s key as read (its key columns, joined by | when more than one), when every key field could be read; NULL when not, and for rejects made before the column was (migration 027).';
