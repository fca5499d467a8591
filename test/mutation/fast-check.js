/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS module jest maps 'fast-check' to */
// Mutation runs only (stryker.jest.config.js maps 'fast-check' here): fast-check with each property capped at
// PROPERTY_RUNS runs (default 50), so that each of a file's hundreds of mutants runs in seconds rather than a minute.
// A mutant that only a rarer input would catch then survives and shows in the record: the cap can cost a kill, never
// hide a failure.
// The package's own CommonJS entry by path: 'fast-check' itself is mapped to this file.
const real = require('../../node_modules/fast-check/lib/cjs/fast-check.js');
const cap = Number(process.env.PROPERTY_RUNS ?? 50);
const assert = (property, parameters) =>
  real.assert(property, { ...parameters, numRuns: Math.min(parameters?.numRuns ?? 100, cap) });
const capped = { ...real, assert };
module.exports = { ...capped, default: capped, __esModule: true };
