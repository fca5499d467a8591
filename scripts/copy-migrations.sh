#!/usr/bin/env bash
# Copies every migration folder (apps/*/migrations, libs/*/migrations: the .sql and .down.sql files TypeORM's runner
# loads) beside the compiled code in dist/, so `node dist/scripts/migrate.js` finds them. A new folder needs no edit
# here, only its line in scripts/migration-directories.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in apps/*/migrations libs/*/migrations; do
  [ -d "$dir" ] || continue
  mkdir -p "dist/$dir"
  cp -r "$dir/." "dist/$dir/"
done
