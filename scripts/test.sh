#!/usr/bin/env bash
# Runs every test: lint (ESLint, Prettier, tsc), unit, integration (real PostgreSQL and Kafka).
# The servers come from DATABASE_URL / KAFKA_BROKERS, else from what `npm run infra:up` started (.infra.env),
# else Testcontainers where a Docker engine exists.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${DATABASE_URL:-}" || -z "${KAFKA_BROKERS:-}" ]] && [[ -f .infra.env ]]; then
  set -a; . ./.infra.env; set +a
fi
npm run --silent lint
npx jest --selectProjects unit
npx jest --selectProjects integration --runInBand
