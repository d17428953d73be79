"""deploy/gunicorn.conf.py: how many worker processes an instance starts."""

import os
import runpy
from pathlib import Path
from typing import Any

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def _settings(monkeypatch: Any, **env: str) -> dict[str, Any]:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_one_worker_per_cpu_the_instance_may_run_on(monkeypatch: Any) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)  # taskset -c 3
    assert _settings(monkeypatch)["workers"] == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert _settings(monkeypatch)["workers"] == 4


def test_all_cpus_where_the_affinity_is_unknown(monkeypatch: Any) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # not Linux
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert _settings(monkeypatch)["workers"] == 6


@pytest.mark.parametrize("value", ["3", "1"])
def test_web_concurrency_sets_the_workers(monkeypatch: Any, value: str) -> None:
    assert _settings(monkeypatch, WEB_CONCURRENCY=value)["workers"] == int(value)


def test_threads_and_worker_class(monkeypatch: Any) -> None:
    settings = _settings(monkeypatch, GUNICORN_THREADS="6")
    assert (settings["worker_class"], settings["threads"]) == ("gthread", 6)


def test_workers_are_recycled_rarely(monkeypatch: Any) -> None:
    """A new worker costs ~0.9 s of CPU (imports and warm-up): recycled every ~50,000 requests,
    staggered, not every 5,000."""
    settings = _settings(monkeypatch)
    assert settings["max_requests"] >= 50_000
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
