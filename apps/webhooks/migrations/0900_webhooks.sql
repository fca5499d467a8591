-- The webhooks service's own records (TypeORM entities in apps/webhooks/src/infrastructure/webhook.entities.ts):
-- merchants' endpoints, one delivery per (merchant event, target), and every attempt of a delivery. Deliveries are
-- made from the event log's merchant-facing events (libs/contracts/src/webhooks), which stay the source: a delivery
-- can be made again from the log at any age.

CREATE TABLE webhook_endpoints (
  endpoint_id                 text        PRIMARY KEY,
  merchant_id                 text        NOT NULL,
  url                         text        NOT NULL,
  description                 text,
  -- The merchant event types sent to it; NULL: every type.
  event_types                 text[],
  status                      text        NOT NULL CHECK (status IN ('ENABLED', 'DISABLED')),
  -- Why it is disabled: the receiver answered 410 Gone, it failed for 5 days, or the merchant said so.
  disabled_reason             text        CHECK (disabled_reason IN ('ENDPOINT_GONE', 'FAILING', 'MERCHANT')),
  -- The signing secret (`whsec_…`), encrypted with WEBHOOK_SECRETS_KEY (AES-256-GCM); never stored in clear.
  secret_ciphertext           text        NOT NULL,
  -- After a rotation, the previous secret signs too until it expires (Standard Webhooks: several signatures).
  previous_secret_ciphertext  text,
  previous_secret_expires_at  timestamptz,
  -- Since when every attempt failed (NULL after a success): 5 days of it disables the endpoint.
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL,
  deleted_at                  timestamptz
);
-- A merchant's endpoints, newest first (ids are time-ordered), and the live ones a merchant event goes to.
CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, endpoint_id DESC) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
  delivery_id      text        PRIMARY KEY,
  merchant_id      text        NOT NULL,
  -- The endpoint it goes to; NULL when it goes to the object's own `webhooksUrl` (target_url).
  endpoint_id      text        REFERENCES webhook_endpoints,
  target_url       text,
  -- Deliveries of one lane (one target and one object) are sent in order: a later one waits until the one before
  -- it has succeeded or been given up. The lane is also the key of its timer.
  lane             text        NOT NULL,
  seq              bigint      GENERATED ALWAYS AS IDENTITY,
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  object_id        text        NOT NULL,
  -- The CloudEvent sent (the body of every attempt; `webhook-id` is event_id, stable across retries).
  payload          jsonb       NOT NULL,
  status           text        NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'ENDPOINT_DISABLED')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_attempt_at  timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK ((endpoint_id IS NULL) <> (target_url IS NULL)),
  -- A merchant event consumed twice makes no second delivery to a target.
  UNIQUE (event_id, lane)
);
CREATE INDEX webhook_deliveries_lane_pending ON webhook_deliveries (lane, seq) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (merchant_id, event_id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, created_at);

CREATE TABLE webhook_attempts (
  attempt_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id      text        NOT NULL REFERENCES webhook_deliveries,
  merchant_id      text        NOT NULL,
  attempt_number   integer     NOT NULL,
  url              text        NOT NULL,
  -- The request's headers (the signatures are not secrets: they only prove a body was signed).
  request_headers  jsonb       NOT NULL,
  response_status  integer,
  -- The start of the response body, at most a few KB.
  response_body    text,
  latency_ms       integer     NOT NULL,
  error            text,
  attempted_at     timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt_id);

-- As used: endpoints are soft-deleted, deliveries settle by UPDATE, attempts are only added.
GRANT SELECT, INSERT, UPDATE ON webhook_endpoints, webhook_deliveries TO payment_ledger_service;
GRANT SELECT, INSERT ON webhook_attempts TO payment_ledger_service;
