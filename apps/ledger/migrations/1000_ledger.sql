-- The ledger (apps/ledger, docs/ledger.md): double-entry journal entries posted from the event log by the projection
-- runner (checkpoint `ledger.journal`), one per money-moving event. Not a source of truth: the log is; the three
-- tables are rebuilt together from position 0 with `npm run cli -- rebuild ledger.journal`.

-- One row per entry. `state` is the entry as the API shows it (lines included); the other columns are what lists
-- filter on. The entry's id follows from its event's (`le_<hex of evt_…>`), so the primary key is also what makes an
-- event post at most one entry, however often it is processed.
CREATE TABLE ledger_entries (
  entry_id       text        PRIMARY KEY,
  event_id       text        NOT NULL,
  event_position bigint      NOT NULL,
  merchant_id    text        NOT NULL,
  charge_id      text        NOT NULL,
  kind           text        NOT NULL,
  currency       text        NOT NULL,
  accounts       text[]      NOT NULL,
  posted_at      timestamptz NOT NULL,
  state          jsonb       NOT NULL
);
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, entry_id DESC);
CREATE INDEX ledger_entries_charge ON ledger_entries (merchant_id, charge_id, entry_id DESC);
-- `?account=` filters the merchant's entries (by the index above) on `accounts` without an index of its own: a GIN
-- index cost more to keep up than the rest of the table's indexes together.

-- One row per line: what balances sum. Each line carries its entry's merchant, currency and time, so a merchant's
-- balances at an instant are one indexed range of its lines.
CREATE TABLE ledger_lines (
  entry_id    text        NOT NULL,
  line_no     smallint    NOT NULL,
  merchant_id text        NOT NULL,
  account     text        NOT NULL,
  currency    text        NOT NULL,
  debit       bigint      NOT NULL CHECK (debit >= 0),
  credit      bigint      NOT NULL CHECK (credit >= 0),
  posted_at   timestamptz NOT NULL,
  PRIMARY KEY (entry_id, line_no),
  CHECK ((debit > 0) <> (credit > 0))
);
CREATE INDEX ledger_lines_merchant_time ON ledger_lines (merchant_id, posted_at) INCLUDE (account, currency, debit, credit);

-- The posting rules' state per charge (libs/ledger ChargePostings) and how far each of its two streams has been
-- posted: an event at or below its stream's version here was posted already and posts nothing again.
CREATE TABLE ledger_charge_postings (
  charge_id      text    PRIMARY KEY,
  charge_version integer NOT NULL DEFAULT 0,
  refund_version integer NOT NULL DEFAULT 0,
  state          jsonb   NOT NULL
);

-- As used: the projection inserts entries and lines and upserts the postings; the queries read. Nothing updates an
-- entry or deletes one (a correction is a reversing entry; a rebuild swaps tables as the owner).
GRANT SELECT, INSERT ON ledger_entries, ledger_lines TO payment_ledger_service;
GRANT SELECT, INSERT, UPDATE ON ledger_charge_postings TO payment_ledger_service;
