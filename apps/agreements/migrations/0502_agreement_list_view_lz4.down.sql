ALTER TABLE agreement_list_view ALTER COLUMN state SET COMPRESSION pglz;
