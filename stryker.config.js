/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config */
// StrykerJS (npm run test:mutation): mutants of the deciders, the money and billing-period code, the refund rules
// and the ledger rules, each run against the unit jest project alone (stryker.jest.config.js). Reports go to
// reports/mutation/ (HTML and JSON, not committed); scripts/mutation.js runs it file by file and turns the JSON reports
// into the record, bench/results/mutation.json. docs/testing.md says how to run it and read the record.
const path = require('node:path');

// The files mutated (scripts/mutation.js runs StrykerJS once for each).
const MUTATED = [
  'apps/charges/src/domain/charge.decider.ts',
  'apps/agreements/src/domain/agreement.decider.ts',
  'apps/refunds/src/domain/charge-refunds.decider.ts',
  'apps/scheduler/src/domain/billing-schedule.decider.ts',
  'apps/scheduler/src/domain/billing-periods.ts',
  'libs/contracts/src/money.ts',
  'libs/ledger/src/posting-rules.ts',
  'libs/ledger/src/journal.ts',
  'libs/ledger/src/chart-of-accounts.ts',
  'libs/domain-kernel/src/decider.ts',
  'libs/domain-kernel/src/domain-error.ts',
];

// MUTATION_FILE=<one of the files above> mutates that file alone, against the unit specs beside it
// (stryker.jest.config.js), with its own incremental file and report under reports/mutation/by-file/: a file's reruns
// stay fast while its tests are written, and runs of other files do not discard its results.
const file = process.env.MUTATION_FILE;
const slug = file ? path.basename(file, '.ts') : null;
const reports = file ? `reports/mutation/by-file/${slug}` : 'reports/mutation/all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  // The machine has two cores, shared.
  concurrency: 2,
  // Reruns test only the mutants whose code or tests changed since the last run.
  incremental: true,
  incrementalFile: `${reports}.incremental.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // The machine is shared: a mutant's tests get this long on top of their normal time before it counts as timed out.
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${reports}.html` },
  jsonReporter: { fileName: `${reports}.json` },
  // The target is 90% in every file; the record (not this threshold) checks each file.
  thresholds: { high: 95, low: 90, break: null },
  mutate: file ? [file] : MUTATED,
};
