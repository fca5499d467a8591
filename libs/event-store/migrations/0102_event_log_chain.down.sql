-- Drops the chain and the checkpoints. The events themselves are kept; their chain_hash column goes (dropping a
-- column rewrites no row and fires no UPDATE trigger).
DROP TABLE event_log_checkpoints;
DROP FUNCTION event_log_digest(bytea, xid8, xid8);
DROP AGGREGATE event_hash_fold(bytea, bytea);
DROP FUNCTION event_hash_fold_step(bytea, bytea, bytea);
DROP FUNCTION event_content_hash(text, text, integer, text, text, integer, jsonb, jsonb, timestamptz);
ALTER TABLE events DROP COLUMN chain_hash;
