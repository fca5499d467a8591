-- The services' role changes rows, never the schema: it owns no table (so it can drop or alter none), and it must not
-- create any either. PostgreSQL 15 and later give PUBLIC no CREATE on the `public` schema; older ones do, and so may a
-- schema an administrator made: take it back from PUBLIC and from the role, or stop and say who can.
DO $$
BEGIN
  IF has_schema_privilege('payment_ledger_service', current_schema(), 'CREATE') THEN
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC, payment_ledger_service', current_schema());
  END IF;
  IF has_schema_privilege('payment_ledger_service', current_schema(), 'CREATE') THEN
    RAISE EXCEPTION 'payment_ledger_service may create tables in the schema %, and % cannot revoke that', current_schema(),
      current_user
      USING HINT = format('Have the schema''s owner run REVOKE CREATE ON SCHEMA %I FROM PUBLIC (and from any role the '
                          'services'' login is a member of), then migrate again.', current_schema());
  END IF;
END;
$$;
