#!/usr/bin/env bash
# Brings everything up on a fresh machine: dependencies, PostgreSQL, Kafka, migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null 2>&1 || { echo "setup: Node.js 20+ is required" >&2; exit 1; }
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
bash scripts/infra.sh up
