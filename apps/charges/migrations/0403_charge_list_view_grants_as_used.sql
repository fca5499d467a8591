-- The services' role keeps what the code does on the charge list: its projection upserts rows and never deletes one
-- (a rebuild swaps in a new table, as the owner).
REVOKE DELETE ON charge_list_view FROM payment_ledger_service;
