import type { Pool } from 'pg';

/** A journal entry that does not hold together. */
export interface LedgerEntryProblem {
  entryId: string;
  /** What is wrong, for a person. */
  detail: string;
}

/**
 * Every stored journal entry checked as the posting rules promise it (docs/ledger.md): at least two lines, each one
 * side only, debits = credits, the lines in the entry's currency and merchant, and no line without its entry. One
 * pass over the lines grouped by entry (an aggregate the database streams), at most `limit` problems returned.
 */
export async function findLedgerEntryProblems(pool: Pool, limit = 1000): Promise<LedgerEntryProblem[]> {
  const { rows } = await pool.query<LedgerEntryProblem>(
    `WITH per_entry AS (
       SELECT l.entry_id,
              count(*) AS lines,
              sum(l.debit) AS debits,
              sum(l.credit) AS credits,
              bool_or((l.debit > 0) = (l.credit > 0)) AS two_sided,
              bool_or(e.entry_id IS NULL) AS orphan,
              bool_or(l.currency <> e.currency OR l.merchant_id <> e.merchant_id) AS foreign_line
         FROM ledger_lines l LEFT JOIN ledger_entries e ON e.entry_id = l.entry_id
        GROUP BY l.entry_id
     )
     SELECT entry_id AS "entryId",
            CASE WHEN orphan THEN 'lines without an entry'
                 WHEN lines < 2 THEN 'fewer than two lines'
                 WHEN two_sided THEN 'a line with both or neither side'
                 WHEN foreign_line THEN 'a line in another currency or merchant than its entry'
                 ELSE format('debits %s <> credits %s', debits, credits) END AS detail
       FROM per_entry
      WHERE orphan OR lines < 2 OR two_sided OR foreign_line OR debits <> credits
     UNION ALL
     SELECT e.entry_id, 'an entry without lines'
       FROM ledger_entries e
      WHERE NOT EXISTS (SELECT 1 FROM ledger_lines l WHERE l.entry_id = e.entry_id)
     ORDER BY 1
     LIMIT $1`,
    [limit],
  );
  return rows;
}
