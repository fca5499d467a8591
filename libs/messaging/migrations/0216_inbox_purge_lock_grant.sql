-- The housekeeping purge (InboxPurge) locks each batch it deletes with FOR UPDATE SKIP LOCKED, so that replicas
-- purging together take different rows, and PostgreSQL allows that lock only to a role with UPDATE (0215 granted
-- DELETE). No statement of the services updates an inbox row.
GRANT UPDATE ON inbox TO payment_ledger_service;
