DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE redelivery);
DELETE FROM webhook_deliveries WHERE redelivery;
DROP INDEX webhook_deliveries_original;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_id_lane_key UNIQUE (event_id, lane);
ALTER TABLE webhook_deliveries DROP COLUMN redelivery;
DROP TABLE merchant_events;
