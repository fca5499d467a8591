-- As 0404_charge_list_view_lz4.sql for the charges: an agreement's folded state (its history grows with every billing
-- period) is compressed with lz4 when TOASTed, which costs a fraction of pglz's CPU on each rewrite and read.
ALTER TABLE agreement_list_view ALTER COLUMN state SET COMPRESSION lz4;
