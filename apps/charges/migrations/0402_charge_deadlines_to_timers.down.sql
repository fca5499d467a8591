CREATE TABLE charge_deadlines (
  charge_id   text        NOT NULL,
  kind        text        NOT NULL,
  due_at      timestamptz NOT NULL,
  lease_until timestamptz,
  PRIMARY KEY (charge_id, kind)
);
CREATE INDEX charge_deadlines_due ON charge_deadlines (due_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON charge_deadlines TO payment_ledger_service;
INSERT INTO charge_deadlines (charge_id, kind, due_at, lease_until)
SELECT key, kind, due_at, lease_until FROM timers WHERE queue = 'charge-deadlines';
DELETE FROM timers WHERE queue = 'charge-deadlines';
