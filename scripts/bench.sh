#!/usr/bin/env bash
# `make bench`: the registration-opening burst against gunicorn + PostgreSQL + Redis.
#
# Also the full registration journey (bench/journey.py, BENCH_JOURNEY=1) with a task worker.
# Creates a scratch database (dropped and recreated each run), loads the demo catalogue and the
# national-scale generator's candidates, starts gunicorn on 127.0.0.1:$BENCH_PORT, drives
# bench/burst.py, checks capacity in the database, and always stops the server and drops the
# database on the way out. Knobs: the BENCH_* variables below and in bench/burst.py.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
BENCH_DB=${BENCH_DB:-rukhsa_bench}
BENCH_PORT=${BENCH_PORT:-8090}
BENCH_REDIS_DB=${BENCH_REDIS_DB:-13}
# As deploy/gunicorn.conf.py serves by default: one worker process per CPU gunicorn may run on
# (the one core of BENCH_PIN=1, else every CPU), 4 threads each. On one core, 2 x 4 cost 10–14 %
# more CPU per request than 1 x 4, and 4 x 4 more again (docs/performance.md).
BENCH_WORKERS=${BENCH_WORKERS:-}
BENCH_THREADS=${BENCH_THREADS:-4}
BENCH_WORKER_CLASS=${BENCH_WORKER_CLASS:-gthread}  # or sync (one request at a time per process)
BENCH_CANDIDATES=${BENCH_CANDIDATES:-2000}
BENCH_KEEP_DB=${BENCH_KEEP_DB:-0}
BENCH_BURST=${BENCH_BURST:-1}        # the classic hold burst (bench/burst.py)
BENCH_OPENING=${BENCH_OPENING:-1}    # the opening through the waiting room (bench/opening.py)
BENCH_OPENING_CANDIDATES=${BENCH_OPENING_CANDIDATES:-10000}
# BENCH_PIN=1: gunicorn on BENCH_SERVER_CPUS (1), the load generator on BENCH_CLIENT_CPUS (0), with
# taskset, so the generator's CPU does not queue the server's (PostgreSQL and Redis float).
BENCH_PIN=${BENCH_PIN:-0}
BENCH_SERVER_CPUS=${BENCH_SERVER_CPUS:-1}
BENCH_CLIENT_CPUS=${BENCH_CLIENT_CPUS:-0}
BENCH_JOURNEY=${BENCH_JOURNEY:-1}    # the full registration journey (bench/journey.py)
BENCH_JOURNEY_LOGIN=${BENCH_JOURNEY_LOGIN:-0}  # 1: the journey starts at the login form
BENCH_JOURNEY_CANDIDATES=${BENCH_JOURNEY_CANDIDATES:-450}
BENCH_SCALE=${BENCH_SCALE:-0}        # national-scale reads, demo vs 400k candidates (bench/scale_reads.py)
# BENCH_AB=<commit>: the journey against this tree's code and that commit's at once (a second
# gunicorn on BENCH_PORT+1, same CPUs; candidates alternate between them), so that the
# machine's drift falls on both alike. Same database, Redis and task worker (this tree's).
BENCH_AB=${BENCH_AB:-}
SCALE_DB="${BENCH_DB}_scale"
export PGHOST PGPORT PGUSER BENCH_DB BENCH_CANDIDATES BENCH_OPENING_CANDIDATES
export BENCH_JOURNEY_CANDIDATES

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rukhsa-bench.XXXXXX")
GUNICORN_PID=""
AB_PID=""
WORKER_PID=""
started_at=$(date +%s)

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_worker
    for pid in "$GUNICORN_PID" "$AB_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [[ -d "$RUN_DIR/ab" ]]; then git worktree remove --force "$RUN_DIR/ab" 2>/dev/null || true; fi
    redis-cli -h 127.0.0.1 -p 6379 -n "$BENCH_REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
    if [[ "$BENCH_KEEP_DB" != "1" ]]; then
        dropdb --if-exists --force "$BENCH_DB" 2>/dev/null || true
        dropdb --if-exists --force "$SCALE_DB" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$RUN_DIR/gunicorn.log" ]]; then
        echo "--- last lines of the server log ($RUN_DIR/gunicorn.log) ---" >&2
        tail -n 30 "$RUN_DIR/gunicorn.log" >&2
    fi
    echo "bench: finished in $(( $(date +%s) - started_at )) s (exit $status); files in $RUN_DIR"
    exit "$status"
}
stop_worker() {
    if [[ -n "$WORKER_PID" ]] && kill -0 "$WORKER_PID" 2>/dev/null; then
        kill -TERM "$WORKER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$WORKER_PID" 2>/dev/null || true
    fi
    WORKER_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n== %s (%s s)\n' "$1" "$(( $(date +%s) - started_at ))"; }

# The server's environment: production settings (DEBUG off), PostgreSQL, Redis, plain HTTP.
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB"
export REDIS_URL="redis://127.0.0.1:6379/$BENCH_REDIS_DB"
export SECRET_KEY="bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL=0 DEBUG=0 LOG_LEVEL=WARNING
export DJANGO_SETTINGS_MODULE=bench_settings BENCH_STATIC_ROOT="$RUN_DIR/static"
export PYTHONPATH="$PWD/bench:$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export BENCH_URL="http://127.0.0.1:$BENCH_PORT"
if [[ -z "$BENCH_WORKERS" ]]; then
    if [[ "$BENCH_PIN" == "1" ]]; then
        BENCH_WORKERS=$(taskset -c "$BENCH_SERVER_CPUS" nproc)
    else
        BENCH_WORKERS=$(nproc)
    fi
fi
export BENCH_SERVER="gunicorn $BENCH_WORKER_CLASS, $BENCH_WORKERS workers x $BENCH_THREADS threads"
SERVER_PIN=()
CLIENT_PIN=()
if [[ "$BENCH_PIN" == "1" ]]; then
    SERVER_PIN=(taskset -c "$BENCH_SERVER_CPUS")
    CLIENT_PIN=(taskset -c "$BENCH_CLIENT_CPUS")
    BENCH_SERVER="$BENCH_SERVER on CPU $BENCH_SERVER_CPUS, load generator on CPU"
    BENCH_SERVER="$BENCH_SERVER $BENCH_CLIENT_CPUS (PostgreSQL, Redis unpinned)"
else
    BENCH_SERVER="$BENCH_SERVER; server and load generator share all CPUs"
fi
# The opening's admission is sized from the cores gunicorn has (bench/opening.py, `sizing`).
if [[ -z "${BENCH_OPENING_CORES:-}" ]]; then
    if [[ "$BENCH_PIN" == "1" ]]; then
        BENCH_OPENING_CORES=$(taskset -c "$BENCH_SERVER_CPUS" nproc)
    else
        BENCH_OPENING_CORES=$(nproc)
    fi
fi
export BENCH_OPENING_CORES

if curl -s -o /dev/null "$BENCH_URL/healthz"; then
    echo "bench: something already answers on $BENCH_URL; stop it or set BENCH_PORT." >&2
    exit 2
fi

step "fresh database $BENCH_DB"
dropdb --if-exists --force "$BENCH_DB"
createdb "$BENCH_DB"
redis-cli -h 127.0.0.1 -p 6379 -n "$BENCH_REDIS_DB" FLUSHDB >/dev/null
DEBUG=1 $PY manage.py migrate --noinput -v0

JOURNEY_SKIP=0
if [[ "$BENCH_BURST" == "1" ]]; then JOURNEY_SKIP=$BENCH_CANDIDATES; fi
NATIONAL=$(( BENCH_CANDIDATES * 2 + 100 ))
if [[ "$BENCH_OPENING" == "1" ]] && (( BENCH_OPENING_CANDIDATES * 2 + 500 > NATIONAL )); then
    NATIONAL=$(( BENCH_OPENING_CANDIDATES * 2 + 500 ))  # about half are men, as the sessions
fi
if [[ "$BENCH_JOURNEY" == "1" ]]; then
    # The journey's candidates come after the burst's (taken from the lowest ids up) and apart
    # from the opening's (taken from the highest down): room for all of them.
    OPENING_NEED=0
    if [[ "$BENCH_OPENING" == "1" ]]; then OPENING_NEED=$BENCH_OPENING_CANDIDATES; fi
    JOURNEY_NATIONAL=$(( (JOURNEY_SKIP + BENCH_JOURNEY_CANDIDATES + OPENING_NEED) * 2 + 500 ))
    if (( JOURNEY_NATIONAL > NATIONAL )); then NATIONAL=$JOURNEY_NATIONAL; fi
fi
step "demo data + $NATIONAL national-scale candidates, 300 centres, 20,000 sessions"
t0=$(date +%s)
DEBUG=1 $PY manage.py load_demo --scale national --candidates "$NATIONAL" \
    | grep -E "ready in|created in|sessions created" || true
echo "load_demo: $(( $(date +%s) - t0 )) s"
# Planner statistics, as autovacuum would gather them on a live system (it may be off, and it
# lags a bulk load): without them the choose-step queries pick nested loops over 20k sessions.
psql -q -d "$BENCH_DB" -c "ANALYZE"

step "static files"
$PY manage.py collectstatic --noinput -v0

if [[ "$BENCH_BURST" == "1" ]]; then
    step "candidates and hot sessions"
    $PY bench/burst.py prepare "$RUN_DIR/state.json"
fi
if [[ "$BENCH_JOURNEY" == "1" ]]; then
    step "journey: $BENCH_JOURNEY_CANDIDATES candidates after the burst's"
    # The burst's candidates and hot sessions are left to it.
    JOURNEY_LOGIN_FLAG=""
    if [[ "$BENCH_JOURNEY_LOGIN" == "1" ]]; then JOURNEY_LOGIN_FLAG="--login"; fi
    BENCH_JOURNEY_SKIP_CANDIDATES=$JOURNEY_SKIP \
        BENCH_JOURNEY_SKIP_SESSIONS=$(( BENCH_BURST == 1 ? ${BENCH_HOT_SESSIONS:-4} : 0 )) \
        $PY bench/journey.py prepare "$RUN_DIR/journey.json" $JOURNEY_LOGIN_FLAG
fi
if [[ "$BENCH_OPENING" == "1" ]]; then
    step "opening: a period that opens during the run, $BENCH_OPENING_CANDIDATES candidates"
    $PY bench/opening.py prepare "$RUN_DIR/opening.json"
fi

step "gunicorn on 127.0.0.1:$BENCH_PORT ($BENCH_SERVER)"
# The deployment's settings file (worker recycling, keep-alive, backlog, hooks), with the
# bench's address, processes, threads, timeouts and log level over it.
"${SERVER_PIN[@]}" $GUNICORN -c "$PWD/deploy/gunicorn.conf.py" rukhsa.wsgi \
    --bind "127.0.0.1:$BENCH_PORT" --worker-class "$BENCH_WORKER_CLASS" \
    --workers "$BENCH_WORKERS" --threads "$BENCH_THREADS" --timeout 120 --backlog 2048 \
    --keep-alive 30 --graceful-timeout 5 \
    --log-level warning >"$RUN_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
export BENCH_GUNICORN_PID=$GUNICORN_PID
for _ in $(seq 1 100); do
    if curl -sf -o /dev/null "$BENCH_URL/healthz"; then break; fi
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "bench: gunicorn exited" >&2; exit 2; }
    sleep 0.2
done
curl -sf -o /dev/null "$BENCH_URL/healthz" || { echo "bench: /healthz never answered" >&2; exit 2; }

if [[ -n "$BENCH_AB" && "$BENCH_JOURNEY" == "1" ]]; then
    AB_PORT=$(( BENCH_PORT + 1 ))
    step "the other code, $BENCH_AB, on 127.0.0.1:$AB_PORT (the same CPUs)"
    git worktree add --detach -f "$RUN_DIR/ab" "$BENCH_AB" >/dev/null 2>&1 \
        || { echo "bench: no commit $BENCH_AB" >&2; exit 2; }
    cp src/rukhsa/locale/ar/LC_MESSAGES/django.mo "$RUN_DIR/ab/src/rukhsa/locale/ar/LC_MESSAGES/"
    # This tree's bench settings and middleware (the same measuring on both sides), that
    # commit's application code and static files.
    AB_ENV=(env PYTHONPATH="$PWD/bench:$RUN_DIR/ab/src" BENCH_STATIC_ROOT="$RUN_DIR/static-ab")
    PY_ABS=$(realpath -s "$PY")
    (cd "$RUN_DIR/ab" && "${AB_ENV[@]}" "$PY_ABS" manage.py collectstatic --noinput -v0)
    "${AB_ENV[@]}" "${SERVER_PIN[@]}" $GUNICORN -c "$PWD/deploy/gunicorn.conf.py" \
        --chdir "$RUN_DIR/ab" rukhsa.wsgi --bind "127.0.0.1:$AB_PORT" \
        --worker-class "$BENCH_WORKER_CLASS" --workers "$BENCH_WORKERS" --threads "$BENCH_THREADS" \
        --timeout 120 --backlog 2048 --keep-alive 30 --graceful-timeout 5 \
        --log-level warning >"$RUN_DIR/gunicorn-ab.log" 2>&1 &
    AB_PID=$!
    BENCH_THIS="$(git rev-parse --short HEAD 2>/dev/null || true)"
    if ! git diff --quiet HEAD 2>/dev/null; then BENCH_THIS="$BENCH_THIS + changes"; fi
    export BENCH_AB BENCH_THIS BENCH_AB_URL="http://127.0.0.1:$AB_PORT" BENCH_AB_PID=$AB_PID
    for _ in $(seq 1 100); do
        if curl -sf -o /dev/null "$BENCH_AB_URL/healthz"; then break; fi
        kill -0 "$AB_PID" 2>/dev/null || { echo "bench: the other gunicorn exited" >&2; exit 2; }
        sleep 0.2
    done
fi

status=0
if [[ "$BENCH_BURST" == "1" ]]; then
    step "burst"
    "${CLIENT_PIN[@]}" $PY bench/burst.py run "$RUN_DIR/state.json" --results "$RUN_DIR/results.json" || status=$?
fi
if [[ "$BENCH_OPENING" == "1" ]]; then
    step "opening through the waiting room"
    "${CLIENT_PIN[@]}" $PY bench/opening.py run "$RUN_DIR/opening.json" --results "$RUN_DIR/opening-results.json" \
        || status=$?
fi
if [[ "$BENCH_JOURNEY" == "1" ]]; then
    step "task worker (db_worker) for the journey"
    $PY manage.py db_worker >"$RUN_DIR/worker.log" 2>&1 &
    WORKER_PID=$!
    export BENCH_WORKER_PID=$WORKER_PID
    sleep 2
    kill -0 "$WORKER_PID" 2>/dev/null || { echo "bench: db_worker exited" >&2; exit 2; }
    step "full journey ($BENCH_JOURNEY_CANDIDATES candidates)"
    "${CLIENT_PIN[@]}" $PY bench/journey.py run "$RUN_DIR/journey.json" $JOURNEY_LOGIN_FLAG \
        --results "$RUN_DIR/journey-results.json" || status=$?
    stop_worker
fi
if [[ "$BENCH_SCALE" == "1" ]]; then
    # Its own scratch database: the demo scale is measured before the national data is loaded.
    step "scale reads: demo vs national scale, fresh database $SCALE_DB"
    dropdb --if-exists --force "$SCALE_DB"
    createdb "$SCALE_DB"
    redis-cli -h 127.0.0.1 -p 6379 -n "$BENCH_REDIS_DB" FLUSHDB >/dev/null
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$SCALE_DB" DEBUG=1 \
        $PY manage.py migrate --noinput -v0
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$SCALE_DB" \
        $PY bench/scale_reads.py --results "$RUN_DIR/scale-reads.json" || status=$?
fi
exit "$status"
