ALTER TABLE webhook_attempts DROP COLUMN correlation_id, DROP COLUMN causation_id;
ALTER TABLE webhook_deliveries DROP COLUMN correlation_id, DROP COLUMN causation_id;
