/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config */
// The jest configuration StrykerJS runs (npm run test:mutation): the `unit` project of jest.config.js, narrowed to the
// specs beside the file being mutated (MUTATION_FILE, set by scripts/mutation.js for each file in turn): a mutant
// of money.ts is judged by the money specs, not by the hundreds of decider tests that happen to add amounts. No
// mutant ever reaches a database, Kafka or a spawned service.
const path = require('node:path');
const { projects } = require('./jest.config.js');

const unit = projects.find((project) => project.displayName === 'unit');
const file = process.env.MUTATION_FILE;

module.exports = {
  ...unit,
  testMatch: file ? [`<rootDir>/${path.dirname(file)}/*.spec.ts`] : unit.testMatch,
  moduleNameMapper: { ...unit.moduleNameMapper, '^fast-check$': '<rootDir>/test/mutation/fast-check.js' },
};
