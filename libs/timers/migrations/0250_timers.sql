-- Durable timers of every service (libs/timers): charge deadlines, billing schedule wake-ups, and the queues that
-- come after them. A queue is a registration in code, not a table: its timers are rows here under its name.
-- `key` is what the timer is about (a charge id, an agreement id); `kind` what it does when due. A timer is written in
-- the same transaction as the events that start it. `lease_until` lets one worker claim a row for a while (a crashed
-- worker's claim runs out; a failed run waits out a backoff the same way); `attempts` counts claims since the timer
-- was last set. Times are kept to the millisecond, so a claimed row's due time and lease identify that claim.
CREATE TABLE timers (
  queue       text        NOT NULL,
  key         text        NOT NULL,
  kind        text        NOT NULL,
  due_at      timestamptz NOT NULL,
  lease_until timestamptz,
  attempts    integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (queue, key, kind)
);
-- Claims read unleased timers in due order, and separately the few whose lease ran out: one index over every timer
-- would make each claim step over all those claimed and not yet settled (thousands during a large billing run).
CREATE INDEX timers_unleased ON timers (queue, due_at) WHERE lease_until IS NULL;
CREATE INDEX timers_leased ON timers (queue, lease_until) WHERE lease_until IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON timers TO payment_ledger_service;
