#!/usr/bin/env bash
# Runs every test: lint (ESLint, Prettier, tsc), unit, integration (real PostgreSQL and Kafka), end-to-end (the
# services as processes, the sandbox page in headless chromium), and the fault suite's CI profile (test/faults).
# The servers come from DATABASE_URL / KAFKA_BROKERS, else from what `npm run infra:up` started (.infra.env),
# else Testcontainers where a Docker engine exists. Ends with one summary line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/infra-env.sh
mkdir -p test-results
rm -f test-results/*.json
summary() {
  node -e '
    const fs = require("fs");
    let passed = 0, failed = 0;
    for (const f of fs.readdirSync("test-results").filter((f) => f.endsWith(".json"))) {
      const r = JSON.parse(fs.readFileSync("test-results/" + f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    }
    console.log(`tests: ${passed} passed, ${failed} failed`);
  '
}
trap summary EXIT
npm run --silent lint
npm run --silent audit:prod
npx jest --selectProjects unit --json --outputFile test-results/unit.json
npx jest --selectProjects integration --runInBand --json --outputFile test-results/integration.json
npx jest --selectProjects e2e --runInBand --json --outputFile test-results/e2e.json
# The fault suite's CI profile (6 to 7 minutes on an idle 2-core host): its own PostgreSQL and Kafka, faults under load.
FAULTS_PROFILE=ci npx jest --selectProjects faults --runInBand --json --outputFile test-results/faults.json
