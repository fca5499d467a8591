/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node -r), loaded before any TypeScript */
/**
 * Diagnosis only: counts the PostgreSQL round trips of a Node process, by statement, and writes them to
 * `$PAYMENT_LEDGER_QUERY_COUNT_DIR/<service>-<pid>.json` when the process exits. Load it into every process a bench
 * starts with `NODE_OPTIONS="-r $PWD/bench/support/count-queries.js"` (see docs/performance.md, "Diagnosis tools").
 *
 * Every `Client#query` of node-postgres is one round trip (BEGIN and COMMIT included: TypeORM and the event store
 * send them as queries of their own). Statements are grouped by their text with literals and whitespace folded, so a
 * statement sent with different parameters counts as one.
 */
'use strict';
const { writeFileSync, mkdirSync } = require('node:fs');
const { join, basename, dirname } = require('node:path');

const dir = process.env.PAYMENT_LEDGER_QUERY_COUNT_DIR;
if (dir) {
  const { Client } = require('pg');
  const counts = new Map();
  const original = Client.prototype.query;
  Client.prototype.query = function countedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : '';
    const key = text
      .replace(/\s+/g, ' ')
      .replace(/'[^']*'/g, "'…'")
      .trim()
      .slice(0, 240);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return original.call(this, config, ...rest);
  };
  process.on('exit', () => {
    const entry = process.argv[1] ?? 'node';
    // apps/<service>/src/main.(ts|js) names the service; anything else is named by its file.
    const service = basename(entry).startsWith('main.') ? basename(dirname(dirname(entry))) : basename(entry);
    const statements = [...counts].sort((a, b) => b[1] - a[1]).map(([sql, calls]) => ({ calls, sql }));
    const total = statements.reduce((sum, s) => sum + s.calls, 0);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${service}-${process.pid}.json`), JSON.stringify({ service, total, statements }, null, 1));
  });
}
