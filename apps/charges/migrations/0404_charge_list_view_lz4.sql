-- A charge's folded state (its history and refunds[] grow with it) is past PostgreSQL's 2 KB TOAST threshold after a
-- few refunds, and the projection rewrites it on every event: compressed with lz4 instead of the default pglz, each
-- rewrite and read costs a fraction of the CPU (bench:refunds; see docs/performance.md). Rows already stored keep
-- their compression until next written. A rebuild's table copies it (CREATE TABLE … LIKE … INCLUDING ALL).
ALTER TABLE charge_list_view ALTER COLUMN state SET COMPRESSION lz4;
