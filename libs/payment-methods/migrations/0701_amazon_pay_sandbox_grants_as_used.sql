-- The services' role keeps what PostgresSandboxProviderRecords does: a sandbox charge is inserted, locked (FOR UPDATE)
-- and updated; operations and idempotency keys are inserted and read, never changed; nothing is deleted.
REVOKE DELETE ON amazon_pay_sandbox_charges FROM payment_ledger_service;
REVOKE UPDATE, DELETE ON amazon_pay_sandbox_operations, amazon_pay_sandbox_idempotency_keys FROM payment_ledger_service;
