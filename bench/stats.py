"""Latency percentiles, machine facts and the printed report of a bench run."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Timings:
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    def summary(self) -> dict[str, float]:
        return {
            "n": len(self.samples),
            "p50_ms": self.percentile(50),
            "p95_ms": self.percentile(95),
            "p99_ms": self.percentile(99),
            "max_ms": max(self.samples) * 1000 if self.samples else float("nan"),
        }


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def machine_facts() -> dict[str, Any]:
    mem_kb = _first("/proc/meminfo", "MemTotal")
    mem_gb = int(mem_kb.split()[0]) / 1024 / 1024 if mem_kb != "?" else float("nan")
    return {
        "nproc": os.cpu_count() or len(os.sched_getaffinity(0)),  # the machine, not the pin
        "cpu": _first("/proc/cpuinfo", "model name"),
        "memory_gb": round(mem_gb, 1),
    }


def _lat(s: dict[str, float]) -> str:
    return f"p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms"


def _cpu(phase: dict[str, Any], requests: int, noun: str = "request") -> str:
    cpu = phase.get("cpu")
    if not cpu or not requests or not phase["wall_s"]:
        return "  CPU: not measured"
    per = 1000 / requests
    share = cpu["others_s"] / phase["wall_s"]
    line = (
        f"  CPU per {noun}: gunicorn {cpu['server_s'] * per:.0f} ms + PostgreSQL "
        f"{cpu['db_s'] * per:.0f} ms (load generator {cpu['client_s'] * per:.0f} ms); "
        f"other processes used {share:.2f} CPUs meanwhile"
    )
    b = phase.get("db_backends")
    if b:
        line += (
            f"\n  DB backends: {b['active_mean']:.1f} active on average, "
            f"{b['lock_waiting_mean']:.1f} waiting on a lock (max {b['lock_waiting_max']})"
        )
    return line


def _phase(r: dict[str, Any], name: str, title: str, unit: str, noun: str) -> list[str]:
    p = r.get(name)
    if p is None:
        return [f"{title}: did not run"]
    done = sum(p["outcomes"].values())
    return [
        f"{title} — {p['count']} candidates, {p['concurrency']} at a time:",
        f"  {p['per_s']:.1f} {unit}/s; {_lat(p['latency'])}; outcomes {p['outcomes']}",
        _cpu(p, done, noun),
    ]


def render_report(r: dict[str, Any]) -> str:
    m, db = r["machine"], r["db"]
    lines = [
        "",
        "=" * 78,
        "Rukhsa registration-opening bench",
        "=" * 78,
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}",
        f"Load average before/after: {m['load_before'][0]:.2f} / {m['load_after'][0]:.2f} "
        "(the load generator shares these CPUs)",
        f"Server: {m['server']}",
        "",
        *_phase(r, "login", "Login (form POST, Argon2)", "logins", "login"),
        *_phase(
            r, "terms", "Terms (GET notes + POST accept)", "candidates", "candidate (2 requests)"
        ),
        "",
    ]
    holds = r.get("holds")
    if holds is None:
        lines.append("HOLD BURST: did not run")
    else:
        counts = holds["outcomes"]
        errors = sum(n for k, n in counts.items() if k not in {"held", "full", "busy"})
        lines += [
            f"HOLD BURST — {holds['count']} candidates, {holds['concurrency']} concurrent, "
            f"{len(r['hot'])} hot sessions ({sum(h['capacity'] for h in r['hot'])} seats):",
            f"  {holds['per_s']:.1f} hold requests/s over {holds['wall_s']:.1f} s; "
            f"last seat held after {holds['sold_out_after_s']:.1f} s; "
            f"cancelled unanswered at the {r['config']['phase_timeout']:.0f} s limit: "
            f"{holds['unfinished']}",
            f"  latency {_lat(holds['latency'])}, max {holds['latency']['max_ms']:.0f} ms",
        ]
        for outcome, s in holds["latency_by_outcome"].items():
            lines.append(f"    {outcome:<10} {s['n']:>6}  {_lat(s)}")
        lines += [
            f"  held {counts.get('held', 0)} / full {counts.get('full', 0)} / "
            f"busy {counts.get('busy', 0)} / errors {errors}",
            _cpu(holds, sum(counts.values())),
        ]
    lines += [
        "",
        "Database after the burst:",
        f"  over-capacity (active registrations or seats_taken above capacity, all sessions): "
        f"{db['over_capacity']}",
        f"  hot sessions whose seats_taken != before + active registrations: "
        f"{db['seats_taken_mismatched']}",
        f"  candidates with two active registrations: {db['candidates_with_two_active']}; "
        f"new registrations outside the hot sessions: {db['new_registrations_elsewhere']}",
    ]
    for h in db["hot_sessions"]:
        lines.append(
            f"    session {h['id']} {h['centre']} {h['date']} {h['start']}: capacity "
            f"{h['capacity']}, active {h['active_registrations']}, seats_taken "
            f"{h['seats_taken_after']}"
        )
    reads = r.get("reads")
    lines.append("")
    if reads is None:
        lines.append("READ PATH: did not run")
    else:
        lines += [
            f"READ PATH — {reads['count']} choose-step GETs, {reads['concurrency']} concurrent, "
            f"{reads['wall_s']:.0f} s:",
            f"  {reads['per_s']:.1f} requests/s; {_lat(reads['latency'])}; "
            f"outcomes {reads['outcomes']}",
            _cpu(reads, reads["count"]),
        ]
        for step, s in reads["steps"].items():
            lines.append(f"    {step:<15} {s['n']:>6}  {s['per_s']:6.1f}/s  {_lat(s)}")
    lines += ["", f"Drive time {r['drive_s']:.1f} s.", "=" * 78]
    return "\n".join(lines)


# --- CPU accounting ---------------------------------------------------------------------------
# The load generator, the server, PostgreSQL and whatever else runs on the machine share the same
# CPUs, so each phase also reports the CPU time each of them used: per-request server cost stays
# meaningful when the wall-clock figures are squeezed by neighbours.

TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _machine_busy() -> float:
    """CPU seconds the whole machine spent not idle, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICK


class CpuMeter:
    """CPU seconds used by the gunicorn processes, the database's backends, the task worker
    (when its pid is given), this process and the rest of the machine between `start()` and
    `stop()`; `sample()` catches short-lived processes (call it every half second or so)."""

    def __init__(self, server_pid: int, dbname: str, worker_pid: int = 0) -> None:
        self.server_pid = server_pid
        self.worker_pid = worker_pid
        self.db_marker = f" {dbname} ".encode()
        self.kind: dict[str, str] = {}
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def _classify(self, pid: str, ppid: int) -> str:
        if pid not in self.kind:
            if int(pid) == self.server_pid or ppid == self.server_pid:
                self.kind[pid] = "server"
            elif self.worker_pid and self.worker_pid in (int(pid), ppid):
                self.kind[pid] = "worker"
            else:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    cmd = b""
                is_db = cmd.startswith(b"postgres: ") and self.db_marker in cmd
                self.kind[pid] = "db" if is_db else ""
        return self.kind[pid]

    def sample(self, *, baseline: bool = False) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            found = _proc_stat(entry.name)
            if found is None or not self._classify(entry.name, found[0]):
                continue
            if entry.name not in self.first:
                # A process born during the phase spent all its CPU in it.
                self.first[entry.name] = found[1] if baseline else 0.0
            self.last[entry.name] = found[1]

    def start(self) -> None:
        self.kind.clear()
        self.first.clear()
        self.last.clear()
        self.sample(baseline=True)
        self.machine0 = _machine_busy()
        self.self0 = time.process_time()

    def stop(self) -> dict[str, float]:
        self.sample()
        used = {"server": 0.0, "db": 0.0, "worker": 0.0}
        for pid, last in self.last.items():
            used[self.kind[pid]] += last - self.first[pid]
        client = time.process_time() - self.self0
        machine = _machine_busy() - self.machine0
        return {
            "server_s": used["server"],
            "db_s": used["db"],
            "worker_s": used["worker"],
            "client_s": client,
            "machine_busy_s": machine,
            "others_s": max(0.0, machine - sum(used.values()) - client),
        }
