UPDATE webhook_deliveries SET status = 'PENDING' WHERE status = 'SIGNING_SECRET_MISSING';
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
  CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'ENDPOINT_DISABLED'));
