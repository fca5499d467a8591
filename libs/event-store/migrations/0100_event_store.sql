-- The append-only event store (see libs/event-store/README.md).
CREATE TABLE events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id       text        NOT NULL,
  stream_type     text        NOT NULL,
  stream_version  integer     NOT NULL CHECK (stream_version >= 1),
  event_id        text        NOT NULL,
  event_type      text        NOT NULL,
  schema_version  integer     NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The writing transaction; readers of the global log only pass transactions older than every running one.
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  CONSTRAINT events_stream_type_matches CHECK (stream_id LIKE stream_type || ':%')
);

CREATE INDEX events_log_order ON events (transaction_id, global_position);
CREATE INDEX events_by_type_log_order ON events (stream_type, transaction_id, global_position);

-- Stored events are never changed: the database refuses it for every role, superusers included
-- (short of dropping the trigger, which the services' role cannot do).
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_immutable();

CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;

-- The role the services connect as (through a login role that is its member: docker/postgres/service-login.sql): on
-- `events` it may read and append, nothing else. Roles belong to the whole cluster: it may exist already (made for
-- another database, or by an administrator), a migration of another database may be creating it at this moment, and
-- the migration role may not be allowed to create roles.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payment_ledger_service') THEN
    CREATE ROLE payment_ledger_service NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'the role payment_ledger_service does not exist and % may not create it', current_user
      USING HINT = 'Have an administrator run CREATE ROLE payment_ledger_service NOLOGIN (or docker/postgres/service-login.sql, '
                   'which also makes the services'' login), then migrate again: docs/operations.md, Database roles.';
END;
$$;
GRANT SELECT, INSERT ON events TO payment_ledger_service;
