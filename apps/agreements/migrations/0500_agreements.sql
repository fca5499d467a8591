-- Read model for listing and filtering payment agreements, built from agreement events on Kafka. Not a source of
-- truth: it can be dropped and rebuilt from the log (see apps/agreements/README.md).
CREATE TABLE agreement_list_view (
  agreement_id                          text        PRIMARY KEY,
  merchant_id                           text        NOT NULL,
  status                                text        NOT NULL,
  merchant_payment_agreement_reference  text,
  stream_version                        integer     NOT NULL,
  state                                 jsonb       NOT NULL,
  created_at                            timestamptz NOT NULL,
  updated_at                            timestamptz NOT NULL
);
CREATE INDEX agreement_list_view_merchant ON agreement_list_view (merchant_id, agreement_id DESC);
CREATE INDEX agreement_list_view_reference ON agreement_list_view (merchant_id, merchant_payment_agreement_reference)
  WHERE merchant_payment_agreement_reference IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON agreement_list_view TO payment_ledger_service;
