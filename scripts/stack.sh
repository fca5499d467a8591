#!/usr/bin/env bash
# Brings the whole stack up on a fresh machine: dependencies, PostgreSQL, Kafka, migrations (scripts/setup.sh),
# then every service of the service registry as its own process (callees first: `scripts/registry.ts list`), a sandbox
# merchant, and ready-to-paste curls (seed 001's charge and agreement).
# Ctrl-C stops the services it started (PostgreSQL and Kafka stay up: `npm run infra:down` stops them).
# Every port setting (GATEWAY_PORT, CHARGES_OPS_PORT, …) may be set in the environment instead of the registry's
# default; STACK_LOG_DIR (default .stack) is where the services' logs go, STACK_READY_TIMEOUT_S (60) how long each
# may take to start; STACK_SKIP_SETUP=1 skips scripts/setup.sh
# when the servers are already up and .infra.env written (test/e2e/stack-script.e2e-spec.ts runs it so).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${STACK_SKIP_SETUP:-}" ]]; then SETUP_WITHOUT_BROWSER=1 bash scripts/setup.sh; fi
[[ -f .infra.env ]] || { echo "stack: no .infra.env (run npm run setup)" >&2; exit 1; }
set -a; . ./.infra.env; set +a
# The services (and the merchant below) connect as their restricted login, not as the owner the migrations ran as.
[[ -n "${SERVICE_DATABASE_URL:-}" ]] || { echo "stack: .infra.env has no SERVICE_DATABASE_URL (run npm run setup)" >&2; exit 1; }
export DATABASE_URL="$SERVICE_DATABASE_URL"

# Every service of the registry (libs/platform/src/bootstrap/service-registry.ts), callees first, its port setting
# defaulting to the registry's port.
services="$(node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/registry.ts list)"
[[ -n "$services" ]] || { echo "stack: the service registry lists no service" >&2; exit 1; }
names=()
while read -r name _; do names+=("$name"); done <<<"$services"
# Every port the stack listens on (services' and ops ports), each setting defaulting to the registry's port.
port_settings=()
while read -r setting default; do
  export "$setting=${!setting:-$default}"
  port_settings+=("$setting")
done <<<"$(node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/registry.ts ports)"
# The secrets (RPC_SIGNING_SECRETS, SANDBOX_SIGNING_SECRET, WEBHOOK_SECRETS_KEY) have no default: setup generated them into .infra.env.
export SANDBOX_PUBLIC_URL="${SANDBOX_PUBLIC_URL:-http://127.0.0.1:${SANDBOX_PORT}}"
# The sandbox provider announces its delayed outcomes (IPNs) to the gateway, as Amazon Pay would (empty: it does not).
export SANDBOX_NOTIFICATIONS_URL="${SANDBOX_NOTIFICATIONS_URL-http://127.0.0.1:${GATEWAY_PORT}/v1/provider-notifications/amazon-pay}"
# Every service must use the same topic namespace (the scheduler learns about agreements from their events).
export KAFKA_TOPIC_NAMESPACE="${KAFKA_TOPIC_NAMESPACE:-payment-ledger}"
# The webhooks service refuses loopback receivers unless allowed: the local stack delivers to a local receiver (set it
# empty to refuse them as a deployment does).
export WEBHOOK_ALLOWED_HOSTS="${WEBHOOK_ALLOWED_HOSTS-127.0.0.1}"
for setting in "${port_settings[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${!setting}") 2>/dev/null; then
    printf -v settings ' / %s' "${port_settings[@]}"
    echo "stack: port ${!setting} is taken (set ${settings:3})" >&2
    exit 1
  fi
done

log_dir="${STACK_LOG_DIR:-.stack}"
ready_timeout_s="${STACK_READY_TIMEOUT_S:-60}" # how long each service may take to log that it listens
mkdir -p "$log_dir"
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stack: stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
# Ctrl-C / SIGTERM end the script once the services are stopped (not on to "a service exited" below).
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

start() { # name, ready line
  local name="$1" ready="$2"
  # node itself, not `npm run start:service` (npm → sh → node): SIGTERM then reaches the service, which drains and
  # exits, instead of a shell that dies and leaves the service running.
  node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/registry.ts start "$name" \
    >"$log_dir/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 $((ready_timeout_s * 2))); do
    grep -q "$ready" "$log_dir/$name.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "stack: $name exited:" >&2; tail -n 30 "$log_dir/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "stack: $name not ready in $ready_timeout_s s (see $log_dir/$name.log)" >&2; exit 1
}
for name in "${names[@]}"; do start "$name" "$name.listening"; done

key="$(npm run --silent merchant:create -- --name "Sandbox Merchant" --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).apiKey')"
gateway="http://127.0.0.1:${GATEWAY_PORT}"
cat <<EOT

payment-ledger is up (logs in ${log_dir}/*.log)
  gateway      ${gateway}   (OpenAPI: ${gateway}/docs)
  sandbox page ${SANDBOX_PUBLIC_URL}
  API key      ${key}   (sandbox merchant "Sandbox Merchant"; shown once)

Create seed 001's charge, then open authenticationMethods[0].details.requestUrl in a browser:

curl -s -X POST ${gateway}/v1/payment-charges \\
  -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
  -H "Request-Idempotency-Key: \$(date +%s%N)" \\
  -d '{"paymentMethod":"AMAZON_PAY","amount":{"value":1000,"currency":"USD"},"consumer":{"name":"John Smith","country":"US"},"authenticationSettings":[{"type":"REDIRECT","settings":{"returnUrl":"https://www.your-return-page.com/"}}]}'

Create seed 001's payment agreement (recurring consent with a 10.00 USD initial charge), then open its
authenticationMethods[0].details.requestUrl in a browser and agree:

curl -s -X POST ${gateway}/v1/payment-agreements \\
  -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
  -H "Request-Idempotency-Key: \$(date +%s%N)" \\
  -d '{"paymentMethod":"AMAZON_PAY","startDate":"2025-03-26T20:24:27Z","consumer":{"name":"John Smith","country":"US"},"authenticationSettings":[{"type":"REDIRECT","settings":{"returnUrl":"https://www.your-return-page.com/"}}],"initialPaymentCharge":{"amount":{"value":1000,"currency":"USD"}}}'

Ctrl-C stops the services.
EOT
wait -n "${pids[@]}" || true
echo "stack: a service exited; see $log_dir/*.log" >&2
