-- The payment provider's notifications received (Amazon Pay IPNs, POST /v1/provider-notifications/amazon-pay), one
-- row per NotificationId: the provider sends one again when it is unsure it got through, and a second copy is
-- answered from here without asking the owning service again. A row without `processed_at` was taken but its
-- object not reconciled yet (the owning service was down): a copy of it is processed again, never dropped.
CREATE TABLE provider_notifications (
  notification_id      text        PRIMARY KEY,
  provider             text        NOT NULL,
  -- As the notification says; the provider is asked for the object's state, the notification believed in nothing.
  merchant_id          text        NOT NULL,
  object_type          text        NOT NULL,
  object_id            text        NOT NULL,
  charge_permission_id text        NOT NULL,
  notification_type    text        NOT NULL,
  notification_version text        NOT NULL,
  received_at          timestamptz NOT NULL,
  processed_at         timestamptz,
  -- RECORDED (the owner recorded `events`, maybe none), NOT_FOUND (no such object for that merchant), IGNORED (an
  -- object type nothing here owns yet).
  outcome              text,
  events               jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX provider_notifications_object ON provider_notifications (object_type, object_id);

-- As used: taken (insert), marked processed (update), read when a copy arrives.
GRANT SELECT, INSERT, UPDATE ON provider_notifications TO payment_ledger_service;
