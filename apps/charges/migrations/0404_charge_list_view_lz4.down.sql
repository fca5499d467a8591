ALTER TABLE charge_list_view ALTER COLUMN state SET COMPRESSION pglz;
