#!/bin/sh
# The image's entrypoint: runs one service of the registry, or the migrations, as PID 1 (exec, so SIGTERM reaches
# node and the service drains). What runs: the first argument, else $SERVICE.
#   payment-ledger <service> [args]     node dist/apps/<service>/src/main.js
#   payment-ledger migrate [show|revert]  node dist/scripts/migrate.js (the SQL migrations sit beside it in dist/)
set -eu
cd "${PAYMENT_LEDGER_HOME:-/app}"
target="${SERVICE:-}"
if [ "$#" -gt 0 ]; then
  target="$1"
  shift
fi
services="$(ls dist/apps)"
case "$target" in
  migrate)
    exec node dist/scripts/migrate.js "$@"
    ;;
  "" | --help | -h)
    echo "usage: payment-ledger <service>|migrate [show|revert]  (or SERVICE=<service>); services:" $services >&2
    exit 2
    ;;
  *)
    main="dist/apps/$target/src/main.js"
    if [ ! -f "$main" ]; then
      echo "unknown service \"$target\": one of" $services "or migrate" >&2
      exit 2
    fi
    exec node "$main" "$@"
    ;;
esac
