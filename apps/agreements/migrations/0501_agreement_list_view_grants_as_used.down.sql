GRANT DELETE ON agreement_list_view TO payment_ledger_service;
