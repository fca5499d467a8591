-- The Amazon Pay sandbox's own records: what the provider keeps on its side of the API, apart from our ledger.
-- Written only by PostgresSandboxProviderRecords (libs/payment-methods); no service reads them as its own state.

-- Amazon Pay's "Charge" object, which is our authorization: AuthorizationInitiated → Authorized | Declined, then
-- Authorized → Captured | Canceled. The running totals are kept here, so the rules of a capture or a void (nothing
-- beyond what is authorized and not yet captured or released) are checked on this one row, under its lock.
CREATE TABLE amazon_pay_sandbox_charges (
  provider_reference    text        PRIMARY KEY,
  charge_id             text        NOT NULL,
  authorization_id      text        NOT NULL,
  amount                bigint      NOT NULL CHECK (amount >= 0),
  currency              text        NOT NULL,
  state                 text        NOT NULL
    CHECK (state IN ('AuthorizationInitiated', 'Authorized', 'Declined', 'Captured', 'Canceled')),
  captured_amount       bigint      NOT NULL DEFAULT 0,
  -- What a void released (the authorized amount not captured by then).
  canceled_amount       bigint      NOT NULL DEFAULT 0,
  simulation_code       text,
  failure               jsonb,
  -- When an AuthorizationInitiated charge settles as Authorized (asked with Get Charge after this time).
  settles_at            timestamptz,
  -- Create Charge with CaptureNow: our capture id, and the reference the capture has (or gets when it settles).
  capture_now_id        text,
  capture_now_reference text,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  CHECK (captured_amount + canceled_amount <= amount)
);

-- What was done to a charge, one row per object: 'capture' and 'void' now; refunds and chargebacks are more types
-- here (with their own states), and their totals more columns on the charge. No foreign key: rows are written only
-- in the statement that holds (or creates) their charge row, and the check would cost a lock per capture.
CREATE TABLE amazon_pay_sandbox_operations (
  provider_reference text        PRIMARY KEY,
  type               text        NOT NULL CHECK (type IN ('capture', 'void')),
  charge_reference   text        NOT NULL,
  charge_id          text        NOT NULL,
  operation_id       text        NOT NULL,
  amount             bigint      NOT NULL CHECK (amount >= 0),
  currency           text        NOT NULL,
  state              text        NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);

-- The idempotency keys the sandbox was called with, as Amazon Pay keeps `x-amz-pay-idempotency-key`: the operation,
-- a fingerprint of the request (a reused key with another request is refused) and the answer given the first time
-- (a replay gets it again and moves no money). Refused calls leave no key, so they may be retried once allowed.
CREATE TABLE amazon_pay_sandbox_idempotency_keys (
  idempotency_key text        PRIMARY KEY,
  operation       text        NOT NULL,
  fingerprint     text        NOT NULL,
  response        jsonb       NOT NULL,
  created_at      timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE
  ON amazon_pay_sandbox_charges, amazon_pay_sandbox_operations, amazon_pay_sandbox_idempotency_keys
  TO payment_ledger_service;
