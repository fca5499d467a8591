-- The login the services connect as: a member of `payment_ledger_service`, the NOLOGIN role the migrations grant what
-- the services do on each table (on `events` only SELECT and INSERT), and nothing more. Run by an administrator (a
-- superuser, or a role with CREATEROLE) in any database of the cluster, with two settings naming the login:
--
--   PGOPTIONS="-c payment_ledger.service_login=payment_ledger_app -c payment_ledger.service_password=<password>" \
--     psql -v ON_ERROR_STOP=1 -f docker/postgres/service-login.sql "<administrator's URL>"
--
-- scripts/infra.sh (the local stack), PostgreSQL's container in docker-compose.yml (create-service-login.sh) and the
-- tests (test/support/test-database.ts) run it; docs/operations.md says when a DBA does. Idempotent: a rerun sets the
-- password again (a rotation). Roles belong to the whole cluster, so another session may be creating them right now.
DO $$
DECLARE
  login    text := current_setting('payment_ledger.service_login', true);
  password text := current_setting('payment_ledger.service_password', true);
BEGIN
  IF coalesce(login, '') = '' OR coalesce(password, '') = '' THEN
    RAISE EXCEPTION 'set payment_ledger.service_login and payment_ledger.service_password (see the top of service-login.sql)';
  END IF;
  IF login = 'payment_ledger_service' THEN
    RAISE EXCEPTION 'the services'' login must be a role of its own, a member of payment_ledger_service';
  END IF;
  -- What the migrations would create (libs/event-store/migrations/0100_event_store.sql), for a migration role without
  -- CREATEROLE.
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payment_ledger_service') THEN
      CREATE ROLE payment_ledger_service NOLOGIN;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', login);
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  -- A superuser, or a role that may create roles or databases, would bypass or widen every grant.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)) THEN
    RAISE EXCEPTION 'the role % exists with SUPERUSER, CREATEROLE, CREATEDB or BYPASSRLS: the services must not log in as it', login;
  END IF;
  EXECUTE format('ALTER ROLE %I WITH LOGIN INHERIT PASSWORD %L', login, password);
  IF NOT pg_has_role(login, 'payment_ledger_service', 'MEMBER') THEN
    EXECUTE format('GRANT payment_ledger_service TO %I', login);
  END IF;
END;
$$;
