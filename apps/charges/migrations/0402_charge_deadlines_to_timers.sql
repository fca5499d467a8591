-- Charge deadlines run on the shared timer engine (libs/timers): their rows move to `timers` under the queue
-- 'charge-deadlines' (key: the charge id; kind: authentication_timeout, authorization_check, capture_window,
-- provider_retry), leases and all, and their own table goes.
INSERT INTO timers (queue, key, kind, due_at, lease_until)
SELECT 'charge-deadlines', charge_id, kind, date_trunc('milliseconds', due_at), date_trunc('milliseconds', lease_until)
FROM charge_deadlines
ON CONFLICT DO NOTHING;
DROP TABLE charge_deadlines;
