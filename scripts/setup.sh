#!/usr/bin/env bash
# Brings everything up on a fresh machine: dependencies, chromium (end-to-end tests; not with SETUP_WITHOUT_BROWSER=1),
# promtool (the alert rules' test), PostgreSQL, Kafka, migrations.
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
# promtool (Debian's `prometheus` package) is a test prerequisite: test/deploy/monitoring.spec.ts runs
# `promtool check rules` on k8s/monitoring/alerts.yaml and fails without it (CI runs this setup first). It is small and
# the stack never runs it, so it is installed whenever it is missing (without the recommended exporters):
# SETUP_WITHOUT_BROWSER is about the browser only.
# Installing the package may start a Prometheus server on Debian; nothing here uses one, so it is stopped again.
if ! command -v promtool >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    as_root=''
    [[ "$(id -u)" -eq 0 ]] || as_root=sudo
    apt_install_prometheus() { $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
    # As for chromium: refresh the package lists only when the first try fails.
    apt_install_prometheus 2>/dev/null || { $as_root apt-get update -qq && apt_install_prometheus; }
    $as_root systemctl disable --now prometheus >/dev/null 2>&1 || $as_root service prometheus stop >/dev/null 2>&1 || true
  else
    echo "setup: promtool not found and apt-get missing: install Prometheus' promtool for the tests" >&2
  fi
fi
bash scripts/infra.sh up
