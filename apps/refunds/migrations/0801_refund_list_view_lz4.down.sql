ALTER TABLE refund_list_view ALTER COLUMN state SET COMPRESSION pglz;
