#!/usr/bin/env bash
# The servers to use: DATABASE_URL and KAFKA_BROKERS from the environment, else those `npm run infra:up` (or
# `npm run setup`) started, as written to .infra.env. Sourced by scripts/test.sh; the benchmarks run behind it:
# `bash scripts/infra-env.sh <command…>`.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${DATABASE_URL:-}" || -z "${KAFKA_BROKERS:-}" ]] && [[ -f .infra.env ]]; then
  set -a
  . ./.infra.env
  set +a
fi
if [[ "${BASH_SOURCE[0]}" == "$0" && $# -gt 0 ]]; then exec "$@"; fi
