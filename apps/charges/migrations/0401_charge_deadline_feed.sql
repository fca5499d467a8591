-- Creation timers are read from the charge event log (ChargeDeadlineFeed) instead of being written by each create
-- command. This row says how far that reading has got: the log cursor (transaction id, global position) of the last
-- event read, moved in the same transaction as the timers written from it.
CREATE TABLE charge_deadline_feed (
  feed            text        PRIMARY KEY,
  transaction_id  xid8        NOT NULL,
  global_position bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Charges created before this migration got their creation timer from the create command: start after them.
INSERT INTO charge_deadline_feed (feed, transaction_id, global_position)
SELECT 'creation', transaction_id, global_position
FROM events
ORDER BY transaction_id DESC, global_position DESC
LIMIT 1;
