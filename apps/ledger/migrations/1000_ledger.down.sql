DROP TABLE ledger_charge_postings;
DROP TABLE ledger_lines;
DROP TABLE ledger_entries;
