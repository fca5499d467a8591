#!/usr/bin/env bash
# Brings everything up on a fresh machine: dependencies, chromium (end-to-end tests; not with SETUP_WITHOUT_BROWSER=1),
# PostgreSQL, Kafka, migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null 2>&1 || { echo "setup: Node.js 20+ is required" >&2; exit 1; }
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
# The end-to-end tests drive the sandbox page in Debian's chromium through playwright-core (no browser download).
# Only the tests need it: `npm run stack` sets SETUP_WITHOUT_BROWSER=1.
if [[ -z "${SETUP_WITHOUT_BROWSER:-}" ]] && [[ ! -x /usr/bin/chromium ]]; then
  command -v apt-get >/dev/null 2>&1 || { echo "setup: install chromium at /usr/bin/chromium (apt-get not found)" >&2; exit 1; }
  as_root=''
  [[ "$(id -u)" -eq 0 ]] || as_root=sudo
  apt_install() { $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
  # The package lists of a fresh machine may be missing or stale: refresh them only when the first try fails.
  apt_install 2>/dev/null || { $as_root apt-get update -qq && apt_install; }
fi
bash scripts/infra.sh up
