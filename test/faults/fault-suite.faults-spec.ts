/**
 * `npm run test:faults` (FAULTS_PROFILE=full by default) and the CI profile `npm test` runs after the end-to-end
 * suites (FAULTS_PROFILE=ci): the fault suite of fault-suite.ts, failing on any violation. The table is printed and
 * written to test-results/faults-table.txt. FAULTS_SEED repeats a run's plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/processes';
import { disposeActiveStack, runFaultSuite } from './fault-suite';

const profile = process.env.FAULTS_PROFILE === 'full' ? 'full' : 'ci';
const seed = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : undefined;

afterAll(async () => {
  // Only when the run itself did not get to its own clean-up (a timeout): PostgreSQL and Kafka run detached.
  await disposeActiveStack();
});

it(
  `the ${profile} fault profile: nothing lost, nothing done twice, every check of the auditor holds`,
  async () => {
    const report = await runFaultSuite({ profile, seed, log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`\n${report.table}\n`);
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'test-results', 'faults-table.txt'), `${report.table}\n`);
    expect(report.violations).toEqual([]);
  },
  // Beyond the run's own bounds (fault window, settling, stopping), on the slowest host seen.
  profile === 'full' ? 120 * 60_000 : 25 * 60_000,
);
