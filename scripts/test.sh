#!/usr/bin/env bash
# The whole suite: once on SQLite, then again on PostgreSQL when DATABASE_URL names one.
# Under CI the PostgreSQL pass is required: it uses the local server and fails if it is down.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest"
# Both passes spread the tests over one process per core (pytest-xdist; each process has its own
# test database). TEST_WORKERS=0 runs them in this process, one after the other.
WORKERS=(-n "${TEST_WORKERS:-auto}")
export PATH="$PWD/.venv/bin:$PATH"

echo "== Arabic catalogue =="
if [ -n "${CI:-}" ]; then
  # Under CI, refresh the catalogue from the sources first, so a string that was never
  # extracted counts as untranslated too.
  (cd src/rukhsa && DEBUG=1 ../../.venv/bin/python ../../manage.py makemessages -l ar \
    --no-obsolete --no-location -v0)
  (cd src/rukhsa && DEBUG=1 ../../.venv/bin/python ../../manage.py compilemessages -v0)
fi
.venv/bin/python scripts/check_translations.py

echo "== Test suite on SQLite =="
env -u DATABASE_URL "$PYTEST" -q "${WORKERS[@]}" "$@"

pg_url="${DATABASE_URL:-}"
if [ -z "$pg_url" ] && [ -n "${CI:-}" ]; then
  pg_url="postgres://postgres@127.0.0.1:5432/postgres"
fi
if [ -n "$pg_url" ]; then
  if ! .venv/bin/python - "$pg_url" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable at {sys.argv[1]}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
  then
    exit 1
  fi
  echo "== Test suite on PostgreSQL =="
  # Every test again except those that drive Chromium: the browser journeys and the guide's
  # walk the same views and templates as the test client does, through a live server, and
  # touch no database-specific code; they run once, in the SQLite pass (half the time of this
  # pass otherwise). Locking, concurrency and every view's queries run here.
  DATABASE_URL="$pg_url" "$PYTEST" -q "${WORKERS[@]}" -m "not guide and not browser" "$@"
else
  echo "(PostgreSQL pass skipped: set DATABASE_URL=postgres://... to run it)"
fi
