#!/bin/sh
# Run by PostgreSQL's image when it creates its database (docker-compose.yml mounts this into
# /docker-entrypoint-initdb.d and service-login.sql beside it): the services' login role, SERVICE_DATABASE_LOGIN with
# the password SERVICE_DATABASE_PASSWORD, member of payment_ledger_service (service-login.sql says what it does).
set -eu
PGOPTIONS="-c payment_ledger.service_login=$SERVICE_DATABASE_LOGIN -c payment_ledger.service_password=$SERVICE_DATABASE_PASSWORD" \
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /payment-ledger/service-login.sql
