-- Nothing to undo: CREATE on the schema is not handed back to PUBLIC (no later migration relies on it).
SELECT 1;
