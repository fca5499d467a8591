-- The services' role keeps what the scheduler does: a requested charge's schedule is inserted once (ON CONFLICT DO
-- NOTHING) and read; a test clock is upserted and read. Neither is ever updated in place or deleted.
REVOKE UPDATE, DELETE ON scheduled_charges FROM payment_ledger_service;
REVOKE DELETE ON scheduler_test_clocks FROM payment_ledger_service;
