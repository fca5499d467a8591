-- Where each relay has published up to, in the event store's (transaction id, global position) order.
CREATE TABLE relay_checkpoints (
  relay_name      text PRIMARY KEY,
  transaction_id  xid8        NOT NULL,
  global_position bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Each consumer's record of the events it has handled, written in the same transaction as its effects.
CREATE TABLE inbox (
  consumer     text        NOT NULL,
  event_id     text        NOT NULL,
  outcome      text        NOT NULL DEFAULT 'processed' CHECK (outcome IN ('processed', 'dead_lettered')),
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

GRANT SELECT, INSERT, UPDATE ON relay_checkpoints TO payment_ledger_service;
GRANT SELECT, INSERT ON inbox TO payment_ledger_service;
