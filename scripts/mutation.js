#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script run by node as is */
// Mutation testing (npm run test:mutation; docs/testing.md).
//
//   node scripts/mutation.js [FILE...]   runs StrykerJS once per file to mutate (all of MUTATED in stryker.config.js,
//                                        or those named), each against the unit specs beside it, then records
//   node scripts/mutation.js record      writes bench/results/mutation.json from each file's StrykerJS JSON report
//                                        (reports/mutation/by-file/) and exits 1 when a file scores under the target
//                                        or a surviving mutant is neither killed nor judged equivalent in
//                                        test/mutation/equivalent-mutants.json
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const REPORTS = path.join(ROOT, 'reports/mutation');
const BY_FILE = path.join(REPORTS, 'by-file');
const EQUIVALENT = path.join(ROOT, 'test/mutation/equivalent-mutants.json');
const RECORD = path.join(ROOT, 'bench/results/mutation.json');
const TARGET = 90;

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const byFile = (suffix) =>
  fs.existsSync(BY_FILE)
    ? fs
        .readdirSync(BY_FILE)
        .filter((name) => name.endsWith(suffix))
        .map((name) => path.join(BY_FILE, name))
    : [];

/** Each source file's results from the newest report that holds it (reports are mutation-testing-report-schema). */
function newestResults(reportFiles) {
  const files = {};
  const testFiles = {};
  const sorted = reportFiles.filter(fs.existsSync).sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  let schema = null;
  for (const reportFile of sorted) {
    const report = readJson(reportFile);
    schema = schema ?? report;
    Object.assign(files, report.files);
    Object.assign(testFiles, report.testFiles ?? {});
  }
  return { schema, files, testFiles };
}

function record() {
  const { files } = newestResults(byFile('.json').filter((name) => !name.endsWith('.incremental.json')));
  const equivalent = fs.existsSync(EQUIVALENT) ? readJson(EQUIVALENT) : [];
  const judged = (file, mutant) =>
    equivalent.find(
      (e) =>
        e.file === file &&
        e.line === mutant.location.start.line &&
        e.mutator === mutant.mutatorName &&
        (e.replacement === undefined || e.replacement === mutant.replacement),
    );
  const perFileCounts = {};
  const unexplained = [];
  const equivalentSurvivors = [];
  for (const file of Object.keys(files).sort()) {
    const counts = { mutants: 0, killed: 0, survived: 0, noCoverage: 0, timeout: 0, other: 0 };
    for (const mutant of files[file].mutants) {
      counts.mutants++;
      const key = { Killed: 'killed', Survived: 'survived', NoCoverage: 'noCoverage', Timeout: 'timeout' }[
        mutant.status
      ];
      counts[key ?? 'other']++;
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const where = {
          file,
          line: mutant.location.start.line,
          mutator: mutant.mutatorName,
          replacement: mutant.replacement,
          status: mutant.status,
        };
        const judgement = judged(file, mutant);
        if (judgement) equivalentSurvivors.push({ ...where, why: judgement.why });
        else unexplained.push(where);
      }
    }
    const detected = counts.killed + counts.timeout;
    const valid = detected + counts.survived + counts.noCoverage;
    counts.score = valid === 0 ? 100 : Math.round((10_000 * detected) / valid) / 100;
    if (counts.other === 0) delete counts.other;
    perFileCounts[file] = counts;
  }
  const below = Object.entries(perFileCounts)
    .filter(([, c]) => c.score < TARGET)
    .map(([file]) => file);
  const total = Object.values(perFileCounts).reduce(
    (sum, c) => ({
      mutants: sum.mutants + c.mutants,
      killed: sum.killed + c.killed,
      survived: sum.survived + c.survived,
      noCoverage: sum.noCoverage + c.noCoverage,
      timeout: sum.timeout + c.timeout,
    }),
    { mutants: 0, killed: 0, survived: 0, noCoverage: 0, timeout: 0 },
  );
  delete process.env.MUTATION_FILE;
  const notRun = require(path.join(ROOT, 'stryker.config.js')).mutate.filter((file) => !(file in perFileCounts));
  const strykerVersion = readJson(path.join(ROOT, 'node_modules/@stryker-mutator/core/package.json')).version;
  const result = {
    tool: `StrykerJS ${strykerVersion}, jest runner, the unit project (stryker.jest.config.js), perTest coverage`,
    recordedAt: new Date().toISOString(),
    target: `>= ${TARGET}% of mutants killed (or timed out) in every file; every survivor killed or judged equivalent`,
    score: 'killed + timeout over killed + timeout + survived + noCoverage, in percent',
    files: perFileCounts,
    total,
    filesBelowTarget: below,
    notRun,
    equivalent: equivalentSurvivors,
    unexplained,
  };
  fs.mkdirSync(path.dirname(RECORD), { recursive: true });
  fs.writeFileSync(RECORD, `${JSON.stringify(result, null, 2)}\n`);
  for (const [file, c] of Object.entries(perFileCounts)) {
    console.log(
      `${c.score.toFixed(2).padStart(6)}%  ${String(c.mutants).padStart(4)} mutants  ${c.survived} survived  ` +
        `${c.noCoverage} no coverage  ${file}`,
    );
  }
  console.log(
    `mutation: ${equivalentSurvivors.length} equivalent, ${unexplained.length} unexplained survivor(s), ` +
      `${below.length} file(s) under ${TARGET}%, ${notRun.length} not run → ${path.relative(ROOT, RECORD)}`,
  );
  if (below.length > 0 || unexplained.length > 0 || notRun.length > 0) process.exitCode = 1;
}

/**
 * Drops the file's surviving and uncovered mutants from its incremental result, so that they are tested again. The
 * incremental mode keeps a survivor that no new test covers by its coverage analysis, and it cannot see that a new test
 * covers a static mutant (module-level code, run as the module loads): such a survivor would stay survived however many
 * tests now kill it. Survivors are few, so testing them again costs little.
 */
function retestSurvivors(file) {
  const incremental = path.join(BY_FILE, `${path.basename(file, '.ts')}.incremental.json`);
  if (!fs.existsSync(incremental)) return;
  const report = readJson(incremental);
  for (const result of Object.values(report.files)) {
    result.mutants = result.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
  }
  fs.writeFileSync(incremental, JSON.stringify(report));
}

/** Each file to mutate, in turn: one StrykerJS run per file keeps each file's tests (and incremental results) its own. */
function run(requested) {
  delete process.env.MUTATION_FILE;
  const files = requested.length > 0 ? requested : require(path.join(ROOT, 'stryker.config.js')).mutate;
  for (const file of files) {
    console.log(`mutation: ${file}`);
    retestSurvivors(file);
    const stryker = spawnSync('npx', ['stryker', 'run'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, MUTATION_FILE: file },
    });
    if (stryker.status !== 0) process.exit(stryker.status ?? 1);
  }
  record();
}

if (process.argv[2] === 'record') record();
else run(process.argv.slice(2));
