-- As 0404_charge_list_view_lz4.sql for the charges: the refund rows' folded state, compressed with lz4 when TOASTed.
ALTER TABLE refund_list_view ALTER COLUMN state SET COMPRESSION lz4;
