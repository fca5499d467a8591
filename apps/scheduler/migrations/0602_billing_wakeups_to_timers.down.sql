CREATE TABLE billing_schedule_wakeups (
  agreement_id text        PRIMARY KEY,
  wake_at      timestamptz NOT NULL,
  lease_until  timestamptz
);
CREATE INDEX billing_schedule_wakeups_unleased ON billing_schedule_wakeups (wake_at) WHERE lease_until IS NULL;
CREATE INDEX billing_schedule_wakeups_leased ON billing_schedule_wakeups (lease_until) WHERE lease_until IS NOT NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_schedule_wakeups TO payment_ledger_service;
INSERT INTO billing_schedule_wakeups (agreement_id, wake_at, lease_until)
SELECT t.key, t.due_at + make_interval(secs => coalesce(c.offset_ms, 0)::double precision / 1000), t.lease_until
FROM timers t LEFT JOIN scheduler_test_clocks c ON c.agreement_id = t.key
WHERE t.queue = 'billing-schedules' AND t.kind = 'wake_up';
DELETE FROM timers WHERE queue = 'billing-schedules';
