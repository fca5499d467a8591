GRANT UPDATE, DELETE ON scheduled_charges TO payment_ledger_service;
GRANT DELETE ON scheduler_test_clocks TO payment_ledger_service;
