-- The scheduler's own tables. The truth of every schedule is its `billing-schedule` stream.

-- When each schedule next needs a look (its next period, a retry, or a charge awaiting its outcome). Written before
-- the events that need it (at worst an early wake-up that finds nothing to do). `lease_until` lets one scheduler
-- replica work on a schedule at a time; a crashed replica's lease runs out.
CREATE TABLE billing_schedule_wakeups (
  agreement_id text        PRIMARY KEY,
  wake_at      timestamptz NOT NULL,
  lease_until  timestamptz
);
CREATE INDEX billing_schedule_wakeups_due ON billing_schedule_wakeups (wake_at);

-- Which schedule a requested charge belongs to, to route its outcome (charge events on Kafka) back.
CREATE TABLE scheduled_charges (
  charge_id    text PRIMARY KEY,
  agreement_id text NOT NULL
);

-- Sandbox test clocks: how far an agreement's schedule runs ahead of the service clock.
CREATE TABLE scheduler_test_clocks (
  agreement_id text   PRIMARY KEY,
  offset_ms    bigint NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON billing_schedule_wakeups, scheduled_charges, scheduler_test_clocks
  TO payment_ledger_service;
