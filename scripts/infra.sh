#!/usr/bin/env bash
# Makes PostgreSQL and a single-node Apache Kafka (KRaft) available on 127.0.0.1 and prints their addresses.
#   scripts/infra.sh up | down
# With a Docker engine: docker-compose.yml. Without one: the local PostgreSQL (started if stopped) and the real
# Kafka broker from Maven Central jars (scripts/kafka.sh). Idempotent. Writes .infra.env (the servers' addresses and
# the services' secrets, generated once) for `npm test`, `npm run stack` and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=127.0.0.1
PG_PORT="${PGPORT:-5432}"
DB_NAME="${PAYMENT_LEDGER_DB:-payment_ledger}"
KAFKA_ADDR="127.0.0.1:${KAFKA_PORT:-9092}"
# The role the services log in as: a member of payment_ledger_service, which the migrations grant what the services do
# on each table (on the event store only SELECT and INSERT). The migrations run as the superuser, the schema's owner.
SERVICE_LOGIN=payment_ledger_app

die() { echo "infra: $*" >&2; exit 1; }

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

# The services' secrets (none has a default): the one .infra.env already holds, so that re-running setup keeps them,
# else a new random one (32 bytes as hex). Exported, since docker-compose.yml refuses to run without them.
SECRETS=(RPC_SIGNING_SECRETS SANDBOX_SIGNING_SECRET WEBHOOK_SECRETS_KEY SERVICE_DATABASE_PASSWORD)
ensure_secrets() {
  local name value
  for name in "${SECRETS[@]}"; do
    value=''
    [[ -f .infra.env ]] && value="$(sed -n "s/^$name=//p" .infra.env | tail -n 1)"
    [[ -n "$value" ]] || value="$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))")"
    export "$name=$value"
  done
}

write_env() {
  local name
  (
    umask 077 # it holds secrets: readable by its owner only
    {
      echo "DATABASE_URL=postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME"
      echo "KAFKA_BROKERS=$KAFKA_ADDR"
      # what the services connect with (scripts/stack.sh); DATABASE_URL is the owner's, for migrations and tests
      echo "SERVICE_DATABASE_URL=postgres://$SERVICE_LOGIN:$SERVICE_DATABASE_PASSWORD@$PG_HOST:$PG_PORT/$DB_NAME"
      for name in "${SECRETS[@]}"; do echo "$name=${!name}"; done
    } >.infra.env.tmp
  )
  mv .infra.env.tmp .infra.env
  echo "PostgreSQL: postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME"
  echo "Kafka:      $KAFKA_ADDR"
  echo "export DATABASE_URL=postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME KAFKA_BROKERS=$KAFKA_ADDR"
}

local_postgres_up() {
  command -v pg_isready >/dev/null 2>&1 || die "PostgreSQL is not installed (apt-get install postgresql) and no Docker engine is available"
  if ! pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; then
    command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not running on $PG_HOST:$PG_PORT and pg_ctlcluster is missing"
    local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
    echo "infra: starting PostgreSQL $version" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || die "could not start PostgreSQL"
    for _ in $(seq 1 60); do pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && break; sleep 0.5; done
    pg_isready -h "$PG_HOST" -p "$PG_PORT" -q || die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT"
  fi
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE $DB_NAME" >/dev/null
  fi
  # The services' login, with the password .infra.env keeps (PostgreSQL's container makes it itself: docker-compose.yml).
  PGOPTIONS="-c payment_ledger.service_login=$SERVICE_LOGIN -c payment_ledger.service_password=$SERVICE_DATABASE_PASSWORD" \
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -f docker/postgres/service-login.sql
}

up() {
  ensure_secrets
  if docker_engine; then
    docker compose up -d --wait
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1 || true
  else
    local_postgres_up
    bash scripts/kafka.sh start
  fi
  DATABASE_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME" npm run --silent migrate
  write_env
}

down() {
  ensure_secrets
  if docker_engine; then docker compose down; else bash scripts/kafka.sh stop; fi
  # PostgreSQL is the machine's own server: it is left running.
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: scripts/infra.sh up|down" >&2; exit 2 ;;
esac
