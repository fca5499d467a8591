-- The refunds service's read model. Not a source of truth: refunds live in the `refund` streams (one per charge);
-- this is one row per refund for listing and finding a refund by its id, kept from the log by the projection runner
-- (checkpoint `refunds.list-view`) and rebuildable with `npm run projections:rebuild -- refunds.list-view`.
CREATE TABLE refund_list_view (
  refund_id    text        PRIMARY KEY,
  merchant_id  text        NOT NULL,
  charge_id    text        NOT NULL,
  status       text        NOT NULL,
  state        jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
-- Newest first per merchant (ids are time-ordered UUIDv7), optionally by charge or status.
CREATE INDEX refund_list_view_merchant ON refund_list_view (merchant_id, refund_id DESC);
CREATE INDEX refund_list_view_charge ON refund_list_view (merchant_id, charge_id, refund_id DESC);
CREATE INDEX refund_list_view_status ON refund_list_view (merchant_id, status, refund_id DESC);

-- As used: the projection upserts, the queries read; nothing deletes (a rebuild swaps tables as the owner).
GRANT SELECT, INSERT, UPDATE ON refund_list_view TO payment_ledger_service;
