-- Drops the event store (and every event in it). The payment_ledger_service role is left: roles belong to the
-- PostgreSQL cluster, not to this database, and other databases on the cluster may use it.
DROP TABLE events;
DROP FUNCTION events_are_immutable();
