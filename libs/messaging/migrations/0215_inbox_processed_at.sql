-- The housekeeping purge (InboxPurge) deletes inbox rows by age. Rows are written in processed_at order, so a BRIN
-- index finds the old ones in a few pages and costs each insert next to nothing (a B-tree would add a write per row).
CREATE INDEX inbox_processed_at ON inbox USING brin (processed_at);

-- The services' role deletes what the purge finds (it only ever inserted before).
GRANT DELETE ON inbox TO payment_ledger_service;
