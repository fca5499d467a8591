GRANT DELETE ON charge_list_view TO payment_ledger_service;
