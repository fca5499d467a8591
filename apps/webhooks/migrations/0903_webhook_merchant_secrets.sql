-- Each merchant's default webhook signing secret: it signs the deliveries to a charge's or an agreement's own
-- `webhooksUrl` (an endpoint has a secret of its own). Created with the merchant (`npm run merchant:create` prints it
-- once) or, for a merchant made before, at its first use; rotated like an endpoint's (the previous one signs too until
-- it expires). Encrypted with WEBHOOK_SECRETS_KEY, as endpoints' secrets are.
CREATE TABLE webhook_merchant_secrets (
  merchant_id                 text        PRIMARY KEY,
  secret_ciphertext           text        NOT NULL,
  previous_secret_ciphertext  text,
  previous_secret_expires_at  timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON webhook_merchant_secrets TO payment_ledger_service;
