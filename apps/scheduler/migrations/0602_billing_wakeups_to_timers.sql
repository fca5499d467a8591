-- Billing schedule wake-ups run on the shared timer engine (libs/timers): their rows move to `timers` under the queue
-- 'billing-schedules' (key: the agreement id; kind: 'wake_up'), and their own table goes. A timer's due time is on the
-- service clock: a wake-up of a schedule with a sandbox test clock (kept in the schedule's own time until now) moves
-- earlier by the clock's offset, as a test-clock advance now moves it.
INSERT INTO timers (queue, key, kind, due_at, lease_until)
SELECT 'billing-schedules', w.agreement_id, 'wake_up',
       date_trunc('milliseconds', w.wake_at) - make_interval(secs => coalesce(c.offset_ms, 0)::double precision / 1000),
       date_trunc('milliseconds', w.lease_until)
FROM billing_schedule_wakeups w LEFT JOIN scheduler_test_clocks c ON c.agreement_id = w.agreement_id
ON CONFLICT DO NOTHING;
DROP TABLE billing_schedule_wakeups;
