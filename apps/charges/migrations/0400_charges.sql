-- The charges service's own tables. Neither is a source of truth: charge state lives in the `charge` streams.

-- Timers of charges (authentication timeout, async authorization check, capture window). A row is written before
-- the event that needs it, so a crash between the two leaves at most a timer that fires and finds nothing to do.
-- `lease_until` lets one worker claim a row for a while; a crashed worker's claim simply runs out.
CREATE TABLE charge_deadlines (
  charge_id   text        NOT NULL,
  kind        text        NOT NULL,
  due_at      timestamptz NOT NULL,
  lease_until timestamptz,
  PRIMARY KEY (charge_id, kind)
);
CREATE INDEX charge_deadlines_due ON charge_deadlines (due_at);

-- Read model for listing and filtering charges, built by consuming charge events from Kafka. It can be dropped
-- and rebuilt from the log (see apps/charges/README.md).
CREATE TABLE charge_list_view (
  charge_id                          text        PRIMARY KEY,
  merchant_id                        text        NOT NULL,
  status                             text        NOT NULL,
  merchant_payment_charge_reference  text,
  agreement_id                       text,
  stream_version                     integer     NOT NULL,
  state                              jsonb       NOT NULL,
  created_at                         timestamptz NOT NULL,
  updated_at                         timestamptz NOT NULL
);
CREATE INDEX charge_list_view_merchant ON charge_list_view (merchant_id, charge_id DESC);
CREATE INDEX charge_list_view_reference ON charge_list_view (merchant_id, merchant_payment_charge_reference)
  WHERE merchant_payment_charge_reference IS NOT NULL;

CREATE INDEX charge_list_view_agreement ON charge_list_view (merchant_id, agreement_id, charge_id DESC)
  WHERE agreement_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON charge_deadlines, charge_list_view TO payment_ledger_service;
