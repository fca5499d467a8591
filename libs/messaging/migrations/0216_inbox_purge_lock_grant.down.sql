REVOKE UPDATE ON inbox FROM payment_ledger_service;
