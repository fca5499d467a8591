-- Claiming due schedules reads unleased wake-ups in wake order, and separately the few whose lease ran out (a
-- crashed replica's). One index over every wake-up made each claim step over all the schedules already claimed and
-- not yet rescheduled: thousands while a large billing run is in progress.
CREATE INDEX billing_schedule_wakeups_unleased ON billing_schedule_wakeups (wake_at) WHERE lease_until IS NULL;
CREATE INDEX billing_schedule_wakeups_leased ON billing_schedule_wakeups (lease_until) WHERE lease_until IS NOT NULL;
DROP INDEX billing_schedule_wakeups_due;
