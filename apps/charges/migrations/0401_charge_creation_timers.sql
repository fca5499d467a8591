-- Creation timers are read from the charge event log (ChargeDeadlineFeed) instead of being written by each create
-- command. The feed keeps its place in the log as a checkpoint in relay_checkpoints, named
-- 'charges.creation-timers'. Charges created before this migration got their timer from the create command, so the
-- feed starts after them.
INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position)
SELECT 'charges.creation-timers', transaction_id, global_position
FROM events
ORDER BY transaction_id DESC, global_position DESC
LIMIT 1
ON CONFLICT (relay_name) DO NOTHING;
