-- The Amazon Pay sandbox's chargebacks: a consumer's dispute of part of a captured charge, as the provider keeps it,
-- OPEN → WON | LOST. The provider's books hold it: a chargeback is raised only while the charge's captures
-- (amazon_pay_sandbox_operations) cover it with the charge's refunds not declined (amazon_pay_sandbox_refunds) and its
-- other chargebacks open or lost. PostgresSandboxProviderRecords checks and inserts in one transaction under the same
-- advisory lock on the charge id as the charge's refunds (0703), so no refund or chargeback of the charge interleaves.
CREATE TABLE amazon_pay_sandbox_chargebacks (
  provider_reference text        PRIMARY KEY,
  charge_id          text        NOT NULL,
  -- Our id of it (the merchant reference it is raised under): one chargeback per id, a raise repeated finds it.
  chargeback_id      text        NOT NULL UNIQUE,
  amount             bigint      NOT NULL CHECK (amount > 0),
  currency           text        NOT NULL,
  reason             text        NOT NULL,
  state              text        NOT NULL CHECK (state IN ('OPEN', 'WON', 'LOST')),
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);

-- A charge's books: its chargebacks, found by our charge id.
CREATE INDEX amazon_pay_sandbox_chargebacks_charge_id ON amazon_pay_sandbox_chargebacks (charge_id);

-- Inserted, and updated once when the dispute is decided; never deleted.
GRANT SELECT, INSERT, UPDATE ON amazon_pay_sandbox_chargebacks TO payment_ledger_service;
