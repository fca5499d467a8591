-- The trace of the work a delivery is part of: the correlation id of the request or job whose domain event it
-- delivers (the event's metadata), and its causation (that domain event's id; for a redelivery, the request's). Each
-- attempt is sent and logged under them, and records them too. NULL when the event carried none.
ALTER TABLE webhook_deliveries ADD COLUMN correlation_id text, ADD COLUMN causation_id text;
ALTER TABLE webhook_attempts ADD COLUMN correlation_id text, ADD COLUMN causation_id text;
