-- The merchant's event log (`GET /v1/events`): one row per merchant event, kept from the global event log by the
-- webhooks service's projection runner (MerchantEventLogProjection, checkpoint `webhooks.merchant-events`), from the
-- start of the log, so events older than any endpoint are listed too. Rebuildable like every projection's table:
-- `npm run projections:rebuild -- webhooks.merchant-events`.
CREATE TABLE merchant_events (
  -- The merchant event's id (the domain event's, `_<n>` for a further one): the envelope's `id` and `webhook-id`.
  event_id         text        PRIMARY KEY,
  merchant_id      text        NOT NULL,
  type             text        NOT NULL,
  object_type      text        NOT NULL,
  -- The envelope's `subject`.
  object_id        text        NOT NULL,
  stream_id        text        NOT NULL,
  stream_version   integer     NOT NULL,
  global_position  bigint      NOT NULL,
  time             timestamptz NOT NULL,
  -- The CloudEvent, exactly as deliveries send it.
  payload          jsonb       NOT NULL
);
-- A merchant's events newest first (ids are time-ordered), filtered by type or object.
CREATE INDEX merchant_events_merchant ON merchant_events (merchant_id, event_id DESC);
CREATE INDEX merchant_events_type ON merchant_events (merchant_id, type, event_id DESC);
CREATE INDEX merchant_events_object ON merchant_events (merchant_id, object_id, event_id DESC);

-- A redelivery is a delivery of its own (its own attempts, a fresh retry schedule) in the SAME lane as the original:
-- the lane sends one delivery at a time in seq order, so a redelivery never overtakes, nor runs beside, another
-- delivery of its (endpoint, object). Only originals stay one per (event, lane): a merchant event consumed twice
-- still makes no second delivery, and an event may be redelivered any number of times.
ALTER TABLE webhook_deliveries ADD COLUMN redelivery boolean NOT NULL DEFAULT false;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_lane_key;
CREATE UNIQUE INDEX webhook_deliveries_original ON webhook_deliveries (event_id, lane) WHERE NOT redelivery;

-- As used: the projection inserts (and a batch applied again after a checkpoint moved back updates); reads list.
GRANT SELECT, INSERT, UPDATE ON merchant_events TO payment_ledger_service;
