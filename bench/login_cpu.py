"""Server CPU of one login's password check, measured in-process, before and after the hasher.

    .venv/bin/python bench/login_cpu.py [LOGINS]

A login's cost is almost all the password hash: the login view verifies the password once
(Argon2) and does a few queries. This times `verify` (what `check_password` runs on a login)
for Django's default Argon2 parameters (what the project used before) and for the project's
`OwaspArgon2PasswordHasher`, with `time.process_time()` (CPU of every thread of this process,
which counts Argon2's parallel lanes) and wall time, and prints milliseconds per login and the
logins per second one core affords. No database or settings are needed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from django.contrib.auth.hashers import Argon2PasswordHasher

from rukhsa.accounts.hashers import OwaspArgon2PasswordHasher

SAMPLE = "Desert-Falcon-2931"  # any password: the cost does not depend on it


def measure(label: str, hasher: Argon2PasswordHasher, count: int) -> float:
    encoded = hasher.encode(SAMPLE, hasher.salt())
    assert hasher.verify(SAMPLE, encoded)  # warm up: loads the library
    started_cpu, started = time.process_time(), time.perf_counter()
    for _ in range(count):
        assert hasher.verify(SAMPLE, encoded)
    cpu = (time.process_time() - started_cpu) * 1000 / count
    wall = (time.perf_counter() - started) * 1000 / count
    params = f"m={hasher.memory_cost} KiB, t={hasher.time_cost}, p={hasher.parallelism}"
    print(
        f"{label:<28} {params:<26} {cpu:7.1f} ms CPU, {wall:7.1f} ms wall per login; "
        f"{1000 / cpu:5.1f} logins/s per core (n={count})"
    )
    return cpu


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    before = measure("Django default Argon2", Argon2PasswordHasher(), count)
    after = measure("OWASP Argon2id (project)", OwaspArgon2PasswordHasher(), count)
    print(f"CPU per login: {before:.1f} ms -> {after:.1f} ms ({before / after:.1f}x less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
