#!/usr/bin/env bash
# Back up Rukhsa's database: one pg_dump file in custom format (compressed, restorable table by
# table, in parallel with pg_restore -j).
#
#   scripts/backup.sh [OUTFILE]            DATABASE_URL (or PG* variables) names the database
#   BACKUP_SNAPSHOT=<id> scripts/backup.sh  dump exactly an exported snapshot (the backup drill)
#
# Point the backup at PostgreSQL itself, not at PgBouncer: pg_dump needs one session for the
# whole dump. A dump is a consistent picture of one moment; for recovery to any later moment
# (point-in-time recovery) also archive the write-ahead log — in postgresql.conf:
#   wal_level = replica
#   archive_mode = on
#   archive_command = 'test ! -f /backup/wal/%f && cp %p /backup/wal/%f'
# and take a base backup (pg_basebackup -D /backup/base -Ft -z) each night; see docs/deploy.md.
set -euo pipefail

out=${1:-"rukhsa-$(date -u +%Y%m%dT%H%M%SZ).dump"}
args=(--format=custom --compress=6 --no-owner --no-privileges --file="$out")
if [[ -n "${BACKUP_SNAPSHOT:-}" ]]; then
  args+=(--snapshot="$BACKUP_SNAPSHOT")
fi
if [[ -n "${DATABASE_URL:-}" ]]; then
  args+=(--dbname="$DATABASE_URL")
fi
started=$(date +%s%N)
pg_dump "${args[@]}"
echo "backup: $out ($(stat -c %s "$out") bytes) in $(( ($(date +%s%N) - started) / 1000000 )) ms"
