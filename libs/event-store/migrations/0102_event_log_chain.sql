-- The tamper-evident log (libs/event-store/README.md, "Hash chain and checkpoints"). Stored events are not touched:
-- the new column is NULL for them (adding a nullable column without a default rewrites no row and fires no trigger),
-- and the genesis checkpoint below covers their contents instead.

-- Every event appended from now on: sha256(previous event's chain_hash in its stream, or 32 zero bytes for version 1
-- or after an event without one || event_content_hash(the event)). Written by the append statement itself.
ALTER TABLE events ADD COLUMN chain_hash bytea;

-- The canonical content of an event, from the values as PostgreSQL stores and returns them (jsonb's own text form,
-- not the text a writer sent; the time as UTC text to the microsecond), joined by NUL bytes, which no text value can
-- hold, so no two different events have the same canonical bytes. verifyEventLog recomputes it in TypeScript
-- (core/event-chain.ts) from the same columns: a replaced function here would not fool it.
CREATE FUNCTION event_content_hash(stream_id text, stream_type text, stream_version integer, event_id text,
                                   event_type text, schema_version integer, data jsonb, metadata jsonb,
                                   recorded_at timestamptz)
  RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sha256(convert_to(stream_id, 'UTF8') || '\x00'::bytea || convert_to(stream_type, 'UTF8') || '\x00'::bytea ||
                convert_to(stream_version::text, 'UTF8') || '\x00'::bytea || convert_to(event_id, 'UTF8') ||
                '\x00'::bytea || convert_to(event_type, 'UTF8') || '\x00'::bytea ||
                convert_to(schema_version::text, 'UTF8') || '\x00'::bytea || convert_to(data::text, 'UTF8') ||
                '\x00'::bytea || convert_to(metadata::text, 'UTF8') || '\x00'::bytea ||
                convert_to(to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8'))
$$;

-- One step of a hash chain: sha256(state || item), the state starting at `seed`. As the aggregate event_hash_fold it
-- chains an append's events (a running window over them, seeded with the stream head's chain_hash) and folds a
-- checkpoint's entries (seeded with the previous checkpoint's hash). PL/pgSQL, not SQL: a SQL function as an
-- aggregate's step is planned again in every statement that uses it, which cost the append a third of its throughput
-- (bench:event-store); PL/pgSQL keeps its plan for the session.
CREATE FUNCTION event_hash_fold_step(state bytea, seed bytea, item bytea)
  RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN sha256(coalesce(state, seed) || item);
END;
$$;

CREATE AGGREGATE event_hash_fold(seed bytea, item bytea) (SFUNC = event_hash_fold_step, STYPE = bytea);

-- Checkpoints: each covers every event whose transaction id is below its transaction_bound (a safe position: all
-- those transactions had finished when it was written, so the set it covers never changes). Its log_hash folds,
-- starting from the previous checkpoint's hash, one entry per stream head that moved since the previous checkpoint
-- (stream id, version, chain_hash) and one per event without a chain (stream id, version, content hash), in
-- (stream id, version) order, ids compared byte by byte (COLLATE "C": a collation that changes with the operating
-- system's locale data must not change a hash). The latest checkpoint so commits to every stream's head at every
-- checkpoint before it.
CREATE TABLE event_log_checkpoints (
  checkpoint_number    integer     PRIMARY KEY CHECK (checkpoint_number >= 0),
  transaction_bound    xid8        NOT NULL,
  last_global_position bigint,
  event_count          bigint      NOT NULL CHECK (event_count >= 0),
  stream_count         bigint      NOT NULL CHECK (stream_count >= 0),
  log_hash             bytea       NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TRIGGER event_log_checkpoints_no_update_or_delete
  BEFORE UPDATE OR DELETE ON event_log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION events_are_immutable();

CREATE TRIGGER event_log_checkpoints_no_truncate
  BEFORE TRUNCATE ON event_log_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

REVOKE UPDATE, DELETE, TRUNCATE ON event_log_checkpoints FROM PUBLIC;
GRANT SELECT, INSERT ON event_log_checkpoints TO payment_ledger_service;

-- What a checkpoint from `from_transaction` (the previous checkpoint's bound) to `to_transaction` adds: the fold of
-- its entries seeded with `prior_hash`, how many events and new streams (version 1) it covers, and its highest
-- global position. One scan of the log index over the transaction range; a stream's head there is its event with no
-- next version below `to_transaction`.
CREATE FUNCTION event_log_digest(prior_hash bytea, from_transaction xid8, to_transaction xid8,
                                 OUT log_hash bytea, OUT event_count bigint, OUT new_stream_count bigint,
                                 OUT last_global_position bigint)
  LANGUAGE sql STABLE AS $$
  SELECT coalesce(event_hash_fold(prior_hash, entry ORDER BY stream_id COLLATE "C", stream_version)
                    FILTER (WHERE entry IS NOT NULL),
                  prior_hash),
         count(*),
         count(*) FILTER (WHERE stream_version = 1),
         max(global_position)
    FROM (
      SELECT e.stream_id, e.stream_version, e.global_position,
             CASE
               WHEN e.chain_hash IS NULL THEN
                 convert_to(e.stream_id, 'UTF8') || '\x00'::bytea || convert_to(e.stream_version::text, 'UTF8') ||
                 '\x00'::bytea || event_content_hash(e.stream_id, e.stream_type, e.stream_version, e.event_id,
                                                     e.event_type, e.schema_version, e.data, e.metadata,
                                                     e.recorded_at)
               WHEN NOT EXISTS (SELECT 1 FROM events n
                                 WHERE n.stream_id = e.stream_id AND n.stream_version = e.stream_version + 1
                                   AND n.transaction_id < to_transaction) THEN
                 convert_to(e.stream_id, 'UTF8') || '\x00'::bytea || convert_to(e.stream_version::text, 'UTF8') ||
                 '\x00'::bytea || e.chain_hash
             END AS entry
        FROM events e
       WHERE e.transaction_id >= from_transaction AND e.transaction_id < to_transaction
    ) covered
$$;

-- The genesis checkpoint: every event stored so far (none has a chain, so each is an entry with its content hash),
-- up to the safe position now. An event that commits after it is covered by the next checkpoint.
INSERT INTO event_log_checkpoints (checkpoint_number, transaction_bound, last_global_position, event_count,
                                   stream_count, log_hash)
SELECT 0, bound.x, digest.last_global_position, digest.event_count, digest.new_stream_count, digest.log_hash
  FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x) bound,
       event_log_digest(decode(repeat('00', 32), 'hex'), '0'::xid8, bound.x) digest;
