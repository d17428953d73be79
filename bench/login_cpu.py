"""Server CPU of one login's password check, measured in-process, before and after the hasher.

    .venv/bin/python bench/login_cpu.py [LOGINS]
    DEBUG=1 .venv/bin/python bench/login_cpu.py --view [LOGINS]    # after `make demo`

A login's cost is almost all the password hash: the login view verifies the password once
(Argon2) and does a few queries. This times `verify` (what `check_password` runs on a login)
for Django's default Argon2 parameters (what the project used before) and for the project's
`OwaspArgon2PasswordHasher`, with `time.process_time()` (CPU of every thread of this process,
which counts Argon2's parallel lanes) and wall time, and prints milliseconds per login and the
logins per second one core affords. No database or settings are needed.

With `--view`, the whole login POST is timed instead, through Django's test client (middleware,
form, django-axes, the backend, the session rotation and the redirect; no HTTP parsing), with
the demo candidate of the demo database, its password hashed by each hasher in turn.
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


def measure_view(label: str, hasher_path: str, count: int) -> float:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rukhsa.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # django-axes logs three lines per login; not the figure here
    from django.test import Client, override_settings
    from django.urls import reverse

    from rukhsa.accounts.models import User
    from rukhsa.demo import loader

    login = reverse("accounts:login")
    data = {"identifier": loader.CANDIDATE_ID, "password": loader.CANDIDATE_PASSWORD}
    with override_settings(PASSWORD_HASHERS=[hasher_path], ALLOWED_HOSTS=["*"]):
        user = User.objects.get(identity_number=loader.CANDIDATE_ID)
        user.set_password(loader.CANDIDATE_PASSWORD)
        user.save(update_fields=["password"])
        cpu = wall = 0.0
        for i in range(count + 3):
            client = Client()
            client.get(login)
            started_cpu, started = time.process_time(), time.perf_counter()
            response = client.post(login, data, REMOTE_ADDR=f"198.51.100.{i % 200 + 1}")
            if i >= 3:  # the first three warm up templates, translations and the library
                cpu += time.process_time() - started_cpu
                wall += time.perf_counter() - started
            assert response.status_code == 302, response.status_code
    cpu, wall = cpu * 1000 / count, wall * 1000 / count
    print(
        f"{label:<28} login POST {cpu:7.1f} ms CPU, {wall:7.1f} ms wall per login; "
        f"{1000 / cpu:5.1f} logins/s per core (n={count})"
    )
    return cpu


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--view"]
    count = int(args[0]) if args else 30
    if "--view" in sys.argv:
        before = measure_view(
            "Django default Argon2", "django.contrib.auth.hashers.Argon2PasswordHasher", count
        )
        after = measure_view(
            "OWASP Argon2id (project)", "rukhsa.accounts.hashers.OwaspArgon2PasswordHasher", count
        )
        print(f"CPU per login POST: {before:.1f} ms -> {after:.1f} ms ({before / after:.1f}x less)")
        return 0
    before = measure("Django default Argon2", Argon2PasswordHasher(), count)
    after = measure("OWASP Argon2id (project)", OwaspArgon2PasswordHasher(), count)
    print(f"CPU per login: {before:.1f} ms -> {after:.1f} ms ({before / after:.1f}x less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
