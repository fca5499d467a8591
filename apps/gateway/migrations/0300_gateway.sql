-- The gateway's own records: merchants, their API keys (hashed), and idempotency keys.

CREATE TABLE merchants (
  merchant_id text        PRIMARY KEY,
  name        text        NOT NULL,
  mode        text        NOT NULL CHECK (mode IN ('SANDBOX', 'LIVE')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys are 256-bit random secrets, so a SHA-256 digest is enough to store them: nothing to brute-force.
CREATE TABLE api_keys (
  api_key_id  text        PRIMARY KEY,
  merchant_id text        NOT NULL REFERENCES merchants (merchant_id),
  key_hash    bytea       NOT NULL UNIQUE,
  -- The first characters of the key, to tell keys apart in listings and logs.
  key_prefix  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- One row per (merchant, key): claimed `in_flight` while the first request runs, `completed` with its response
-- after. `resource_id` is the id the first attempt gave its new object, reused by a retry after a crash.
CREATE TABLE idempotency_keys (
  merchant_id     text        NOT NULL,
  idempotency_key text        NOT NULL,
  request_hash    text        NOT NULL,
  state           text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
  resource_id     text        NOT NULL,
  locked_at       timestamptz,
  response_status integer,
  response_body   json,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

GRANT SELECT, INSERT, UPDATE ON merchants, api_keys TO payment_ledger_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO payment_ledger_service;
