#!/usr/bin/env bash
# The servers to use: DATABASE_URL and KAFKA_BROKERS from the environment, else those `npm run infra:up` (or
# `npm run setup`) started, as written to .infra.env. Sourced by scripts/test.sh; the benchmarks run behind it:
# `bash scripts/infra-env.sh <command…>`.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The secrets (RPC_SIGNING_SECRETS, SANDBOX_SIGNING_SECRET, WEBHOOK_SECRETS_KEY) likewise, each unless the environment sets it.
if [[ -f .infra.env ]]; then
  servers_from_file=false
  if [[ -z "${DATABASE_URL:-}" || -z "${KAFKA_BROKERS:-}" ]]; then servers_from_file=true; fi
  while IFS='=' read -r name value; do
    if [[ ! "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]]; then continue; fi
    if [[ "$name" == DATABASE_URL || "$name" == KAFKA_BROKERS ]]; then
      if [[ "$servers_from_file" == true ]]; then export "$name=$value"; fi
    elif [[ -z "${!name:-}" ]]; then
      export "$name=$value"
    fi
  done <.infra.env
  unset servers_from_file name value
fi
if [[ "${BASH_SOURCE[0]}" == "$0" && $# -gt 0 ]]; then exec "$@"; fi
