#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a new, empty database.
#
#   scripts/restore.sh DUMPFILE NEWDB      PG* variables (PGHOST, PGPORT, PGUSER) name the server
#
# Refuses to restore over an existing database: restore next to it, check it, then switch the
# app's DATABASE_URL (or rename the databases) during a maintenance window.
set -euo pipefail

dump=${1:?usage: scripts/restore.sh DUMPFILE NEWDB}
target=${2:?usage: scripts/restore.sh DUMPFILE NEWDB}
jobs=${RESTORE_JOBS:-2}

if psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$target'" postgres | grep -q 1; then
  echo "restore: database $target already exists; choose a new name." >&2
  exit 1
fi
started=$(date +%s%N)
createdb "$target"
pg_restore --no-owner --no-privileges --exit-on-error --jobs="$jobs" --dbname="$target" "$dump"
psql -q -d "$target" -c "ANALYZE"
echo "restore: $dump into $target in $(( ($(date +%s%N) - started) / 1000000 )) ms"
