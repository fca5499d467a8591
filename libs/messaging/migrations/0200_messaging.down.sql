DROP TABLE inbox;
DROP TABLE relay_checkpoints;
