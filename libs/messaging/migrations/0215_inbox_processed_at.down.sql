REVOKE DELETE ON inbox FROM payment_ledger_service;
DROP INDEX inbox_processed_at;
