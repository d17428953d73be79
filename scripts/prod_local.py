"""`make prod-local`: the production topology on one machine, on loopback.

    nginx :8160  ─→  gunicorn :8161, :8162 (gthread)  ─→  PgBouncer :6460 (transaction pool)
                                 │                              └─→ PostgreSQL (127.0.0.1:5432)
                                 └─→ Redis :6461 (cache + cached sessions)
    task workers ×2 (db_worker) and one clock, through the same PgBouncer and Redis

Every process is started from Debian's packages (`scripts/prod-local.sh` installs them when
missing) with the configs in `deploy/`, filled in and written to the run folder. The script is
its own supervisor: a process that dies is started again after a second (as systemd's
Restart=always would), and Ctrl-C (or SIGTERM) stops everything cleanly in reverse order —
gunicorn and the workers get SIGTERM and finish what they are doing. It never touches the
machine's own Redis or PostgreSQL server beyond creating its database.

The run folder holds `state.json` (ports, pids, the database URL, the metrics token), the filled
configs and every process's log; `bench/chaos.py` reads it.

Environment: PROD_DB (database name, default rukhsa_prod_local), PROD_PORT (nginx; the next
ports are the gunicorn instances), PROD_PGBOUNCER_PORT, PROD_REDIS_PORT, PROD_WEB (instances),
PROD_WEB_WORKERS, PROD_WEB_THREADS, PROD_TASK_WORKERS, PROD_DEMO (1: load the demo data),
PROD_CANDIDATES (national-scale candidates for the chaos run), PROD_RUN_DIR, PGHOST/PGPORT/PGUSER.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = ROOT / ".venv" / "bin"

DB = os.environ.get("PROD_DB", "rukhsa_prod_local")
PORT = int(os.environ.get("PROD_PORT", "8160"))
PGBOUNCER_PORT = int(os.environ.get("PROD_PGBOUNCER_PORT", "6460"))
REDIS_PORT = int(os.environ.get("PROD_REDIS_PORT", "6461"))
WEB = int(os.environ.get("PROD_WEB", "2"))
WEB_WORKERS = int(os.environ.get("PROD_WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("PROD_WEB_THREADS", "4"))
TASK_WORKERS = int(os.environ.get("PROD_TASK_WORKERS", "2"))
DEMO = os.environ.get("PROD_DEMO", "1") == "1"
CANDIDATES = int(os.environ.get("PROD_CANDIDATES", "0"))
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")
RUN_DIR = Path(os.environ.get("PROD_RUN_DIR", f"/tmp/rukhsa-prod-local-{PORT}"))  # noqa: S108


def fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"@@{key}@@", value)
    return template


def log(message: str) -> None:
    print(f"prod-local {time.strftime('%H:%M:%S')} {message}", flush=True)


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    stop_signal: int = signal.SIGTERM
    user: str | None = None
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    logfile: Path = field(default_factory=Path)

    def start(self) -> None:
        self.logfile = RUN_DIR / "logs" / f"{self.name}.log"
        out = self.logfile.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            user=self.user,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
        )
        out.close()
        self.started_at = time.monotonic()
        (RUN_DIR / "pids" / f"{self.name}.pid").write_text(str(self.popen.pid))

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 35.0) -> None:
        if not self.alive():
            return
        if self.popen is None:
            return
        self.popen.send_signal(self.stop_signal)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def run(argv: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> None:
    subprocess.run(argv, env=env, cwd=ROOT, check=True, **kwargs)


def app_env(secret: str, metrics_token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RUKHSA_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{PORT},http://localhost:{PORT}",
        SITE_URL=f"http://127.0.0.1:{PORT}",
        SECURE_SSL="0",
        PROXY_COUNT="1",
        DATABASE_URL=f"postgres://{PGUSER}@127.0.0.1:{PGBOUNCER_PORT}/{DB}",
        DB_POOLER_TRANSACTION_MODE="1",
        DB_CONN_MAX_AGE="60",
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        # The waiting room's own Redis store (fails closed) goes here, e.g.
        # ADMISSION_REDIS_URL=redis://127.0.0.1:<port>/1, when the admission app is installed.
        STATIC_ROOT=str(RUN_DIR / "static"),
        MEDIA_ROOT=str(RUN_DIR / "media"),
        LOG_FORMAT="json",
        METRICS_TOKEN=metrics_token,
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def prepare(secret: str, metrics_token: str) -> dict[str, str]:
    for sub in ("logs", "pids", "pgbouncer", "nginx", "redis", "static", "media", "metrics"):
        (RUN_DIR / sub).mkdir(parents=True, exist_ok=True)
    RUN_DIR.chmod(0o755)
    shutil.chown(RUN_DIR / "pgbouncer", "postgres", "postgres")

    direct = dict(app_env(secret, metrics_token))
    direct["DATABASE_URL"] = f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/{DB}"
    with psycopg.connect(
        f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/postgres", autocommit=True
    ) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
    if not exists:
        log(f"creating database {DB}")
        run(["createdb", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, DB])
    manage = [str(VENV / "python"), "manage.py"]
    log("migrate")
    run([*manage, "migrate", "--noinput", "-v0"], env=direct)
    if DEMO:
        log("demo data")
        extra = ["--scale", "national", "--candidates", str(CANDIDATES)] if CANDIDATES else []
        run([*manage, "load_demo", *extra], env=direct, stdout=subprocess.DEVNULL)
        run(["psql", "-q", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", DB, "-c", "ANALYZE"])
    manifest = RUN_DIR / "static" / "staticfiles.json"
    sources = ROOT / "src" / "rukhsa"
    newest = max(
        (f.stat().st_mtime for f in sources.glob("**/static/**/*") if f.is_file()), default=0
    )
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        log("collectstatic (with gzip and brotli copies for nginx)")
        run([*manage, "collectstatic", "--noinput", "-v0"], env=direct)
    return direct


def write_configs() -> None:
    modules_dir = Path("/usr/lib/nginx/modules")
    brotli = (modules_dir / "ngx_http_brotli_filter_module.so").exists()
    modules = ""
    if brotli:
        modules = (
            f"load_module {modules_dir}/ngx_http_brotli_filter_module.so;\n"
            f"load_module {modules_dir}/ngx_http_brotli_static_module.so;"
        )
    upstreams = "\n        ".join(
        f"server 127.0.0.1:{PORT + 1 + i} max_fails=2 fail_timeout=5s;" for i in range(WEB)
    )
    nginx = fill(
        (DEPLOY / "nginx.conf").read_text(),
        PREFIX=str(RUN_DIR / "nginx"),
        LISTEN=f"127.0.0.1:{PORT}",
        UPSTREAMS=upstreams,
        STATIC_ROOT=str(RUN_DIR / "static"),
        MODULES=modules,
        BROTLI=(
            "brotli on; brotli_comp_level 5; brotli_types text/css application/javascript "
            "application/json image/svg+xml text/plain;"
            if brotli
            else ""
        ),
        BROTLI_STATIC="brotli_static on;" if brotli else "",
    )
    (RUN_DIR / "nginx" / "nginx.conf").write_text(nginx)
    shutil.copy(DEPLOY / "proxy_params.conf", RUN_DIR / "nginx" / "proxy_params.conf")
    pgb = fill(
        (DEPLOY / "pgbouncer.ini").read_text(),
        DBNAME=DB,
        PGHOST=PGHOST,
        PGPORT=PGPORT,
        PGUSER=PGUSER,
        PORT=str(PGBOUNCER_PORT),
        AUTH_TYPE="trust",
        PREFIX=str(RUN_DIR / "pgbouncer"),
    )
    (RUN_DIR / "pgbouncer" / "pgbouncer.ini").write_text(pgb)
    (RUN_DIR / "pgbouncer" / "pgbouncer-users.txt").write_text(f'"{PGUSER}" ""\n')
    redis = fill(
        (DEPLOY / "redis.conf").read_text(), PORT=str(REDIS_PORT), PREFIX=str(RUN_DIR / "redis")
    )
    (RUN_DIR / "redis" / "redis.conf").write_text(redis)


def processes(env: dict[str, str]) -> list[Proc]:
    procs = [
        Proc("redis", ["redis-server", str(RUN_DIR / "redis" / "redis.conf")], dict(os.environ)),
        Proc(
            "pgbouncer",
            ["pgbouncer", str(RUN_DIR / "pgbouncer" / "pgbouncer.ini")],
            dict(os.environ),
            stop_signal=signal.SIGINT,  # "safe shutdown": waits for transactions to finish
            user="postgres",  # PgBouncer refuses to run as root
        ),
    ]
    for i in range(WEB):
        port = PORT + 1 + i
        metrics = RUN_DIR / "metrics" / f"web{i + 1}"
        web_env = dict(
            env,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(WEB_WORKERS),
            GUNICORN_THREADS=str(WEB_THREADS),
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
        )
        procs.append(
            Proc(
                f"web{i + 1}",
                [str(VENV / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py"), "rukhsa.wsgi"],
                web_env,
            )
        )
    for i in range(TASK_WORKERS):
        procs.append(
            Proc(
                f"worker{i + 1}",
                [str(VENV / "python"), "manage.py", "db_worker", "--worker-id", f"worker{i + 1}"],
                env,
            )
        )
    procs.append(Proc("clock", [str(VENV / "python"), "manage.py", "clock"], env))
    nginx_conf = RUN_DIR / "nginx" / "nginx.conf"
    procs.append(
        Proc(
            "nginx",
            ["nginx", "-p", str(RUN_DIR / "nginx"), "-c", str(nginx_conf), "-g", "daemon off;"],
            dict(os.environ),
            stop_signal=signal.SIGQUIT,  # graceful: finish open requests
        )
    )
    return procs


STOP = threading.Event()


def wait_ready(url: str, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not STOP.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            pass
        STOP.wait(0.5)
    return False


def main() -> int:
    busy = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{PORT}/healthz"], check=False
    )
    if busy.returncode == 0:
        print(f"Something already answers on 127.0.0.1:{PORT}; stop it first.", file=sys.stderr)
        return 2
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    secret_file = RUN_DIR / "secret"
    if not secret_file.exists():  # kept across runs: sessions stay valid after a restart
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    secret = secret_file.read_text().strip()
    metrics_token = secrets.token_urlsafe(24)
    env = app_env(secret, metrics_token)
    prepare(secret, metrics_token)
    write_configs()
    for stale in (RUN_DIR / "metrics").glob("*/*.db"):
        stale.unlink()
    procs = processes(env)
    for proc in procs:
        if proc.name.startswith("web"):
            (RUN_DIR / "metrics" / proc.name).mkdir(parents=True, exist_ok=True)

    def request_stop(signum: int, frame: Any) -> None:
        STOP.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def write_state() -> None:
        state = {
            "url": f"http://127.0.0.1:{PORT}",
            "run_dir": str(RUN_DIR),
            "database": DB,
            "database_url_direct": f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/{DB}",
            "database_url": env["DATABASE_URL"],
            "redis_url": env["REDIS_URL"],
            "metrics_token": metrics_token,
            "web_ports": [PORT + 1 + i for i in range(WEB)],
            "pgbouncer_port": PGBOUNCER_PORT,
            "redis_port": REDIS_PORT,
            "processes": {
                p.name: {"pid": p.popen.pid if p.popen else None, "restarts": p.restarts}
                for p in procs
            },
        }
        (RUN_DIR / "state.json").write_text(json.dumps(state, indent=2))

    try:
        for proc in procs:
            proc.start()
            if proc.name == "pgbouncer":
                time.sleep(0.5)
        write_state()
        if not wait_ready(f"http://127.0.0.1:{PORT}/readyz"):
            log(f"not ready after 90 s; see the logs in {RUN_DIR / 'logs'}")
        else:
            log(
                f"ready: http://127.0.0.1:{PORT}/  ({WEB} gunicorn instances, {TASK_WORKERS} "
                f"task workers, clock, PgBouncer :{PGBOUNCER_PORT}, Redis :{REDIS_PORT}); "
                f"logs and state in {RUN_DIR}; Ctrl-C stops everything"
            )
        while not STOP.is_set():
            for proc in procs:
                if not proc.alive() and not STOP.is_set():
                    code = proc.popen.returncode if proc.popen else None
                    log(f"{proc.name} exited ({code}); starting it again")
                    STOP.wait(1)
                    proc.restarts += 1
                    proc.start()
                    write_state()
            STOP.wait(0.5)
    finally:
        log("stopping")
        order = ["nginx", *[p.name for p in procs if p.name.startswith("web")], "clock"]
        order += [p.name for p in procs if p.name.startswith("worker")] + ["pgbouncer", "redis"]
        by_name = {p.name: p for p in procs}
        for name in order:
            by_name[name].stop()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
