#!/usr/bin/env bash
# `make chaos`: start the production topology (scripts/prod-local.sh) on a fresh database with
# national-scale candidates, run bench/chaos.py against it, stop everything, drop the database.
# Exit status: chaos.py's (0 nothing lost, 1 something lost or the drill mismatched, 2 harness).
set -euo pipefail
cd "$(dirname "$0")/.."

export PROD_DB=${PROD_DB:-rukhsa_chaos}
export PROD_PORT=${PROD_PORT:-8160}
export PROD_RUN_DIR=${PROD_RUN_DIR:-/tmp/rukhsa-chaos-$PROD_PORT}
CHAOS_CANDIDATES=${CHAOS_CANDIDATES:-500}
CHAOS_SECONDS=${CHAOS_SECONDS:-90}
CHAOS_KEEP_DB=${CHAOS_KEEP_DB:-0}
# The generator makes both genders; the burst takes one: load twice as many, plus a margin.
export PROD_CANDIDATES=${PROD_CANDIDATES:-$(( CHAOS_CANDIDATES * 2 + 100 ))}
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER

SUPERVISOR=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$SUPERVISOR" ]] && kill -0 "$SUPERVISOR" 2>/dev/null; then
    kill -INT "$SUPERVISOR"
    wait "$SUPERVISOR" 2>/dev/null || true
  fi
  if [[ "$CHAOS_KEEP_DB" != "1" ]]; then
    dropdb --if-exists --force "$PROD_DB" 2>/dev/null || true
  fi
  echo "chaos: exit $status; logs in $PROD_RUN_DIR/logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dropdb --if-exists --force "$PROD_DB"
rm -f "$PROD_RUN_DIR/state.json"
scripts/prod-local.sh > >(sed 's/^/  /') 2>&1 &
SUPERVISOR=$!
for _ in $(seq 1 600); do
  if [[ -f "$PROD_RUN_DIR/state.json" ]] \
      && curl -sf -o /dev/null "http://127.0.0.1:$PROD_PORT/readyz"; then
    break
  fi
  kill -0 "$SUPERVISOR" 2>/dev/null || { echo "chaos: prod-local exited" >&2; exit 2; }
  sleep 1
done
curl -sf -o /dev/null "http://127.0.0.1:$PROD_PORT/readyz" || { echo "chaos: not ready" >&2; exit 2; }

.venv/bin/python bench/chaos.py "$PROD_RUN_DIR" --candidates "$CHAOS_CANDIDATES" \
  --seconds "$CHAOS_SECONDS" --results "$PROD_RUN_DIR/chaos.json"
