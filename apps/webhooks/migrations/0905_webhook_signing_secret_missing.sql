-- A delivery to an object's own webhooksUrl while its merchant has no default signing secret (one made before the
-- secrets existed, or by a CLI run without WEBHOOK_SECRETS_KEY) is held, not sent: nobody could verify it. Creating the
-- secret (POST /v1/webhook-signing-secret/rotations) releases it.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
  CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'ENDPOINT_DISABLED', 'SIGNING_SECRET_MISSING'));
