-- Without the checkpoint, the creation-timer feed would start from the beginning of the log.
DELETE FROM relay_checkpoints WHERE relay_name = 'charges.creation-timers';
