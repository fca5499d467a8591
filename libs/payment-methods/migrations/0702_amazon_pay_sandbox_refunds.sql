-- The Amazon Pay sandbox's refunds: Amazon Pay's "Refund" object, RefundInitiated → Refunded | Declined. The provider
-- keeps its own books: a refund of a charge (our charge id) is made only while the charge's captures
-- (amazon_pay_sandbox_operations) cover it with its other refunds not declined. PostgresSandboxProviderRecords
-- checks and inserts in one transaction under an advisory lock on the charge id, so two refunds of one charge never
-- both pass the check.
CREATE TABLE amazon_pay_sandbox_refunds (
  provider_reference text        PRIMARY KEY,
  charge_id          text        NOT NULL,
  refund_id          text        NOT NULL,
  amount             bigint      NOT NULL CHECK (amount > 0),
  currency           text        NOT NULL,
  state              text        NOT NULL CHECK (state IN ('RefundInitiated', 'Refunded', 'Declined')),
  simulation_code    text,
  failure            jsonb,
  -- When a RefundInitiated refund settles as Refunded (asked with Get Refund after this time).
  settles_at         timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);

-- A charge's books: its refunds, and (below) its captures, found by our charge id.
CREATE INDEX amazon_pay_sandbox_refunds_charge_id ON amazon_pay_sandbox_refunds (charge_id);
CREATE INDEX amazon_pay_sandbox_operations_captures_by_charge_id
  ON amazon_pay_sandbox_operations (charge_id) WHERE type = 'capture';

-- Inserted, and updated once when a RefundInitiated refund settles; never deleted.
GRANT SELECT, INSERT, UPDATE ON amazon_pay_sandbox_refunds TO payment_ledger_service;
