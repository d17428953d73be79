"""CPU per waiting-room request, measured in-process, so the figure holds on a busy machine.

    DEBUG=1 ADMISSION_REDIS_URL=redis://127.0.0.1:6379/N ADMISSION_REDIS_PREFIX=cpu \\
        .venv/bin/python bench/poll_cpu.py [POLLS]

Uses the demo database (`make demo`) and Redis for the queue (its own key prefix, emptied
afterwards). With the demo's next period's waiting room paused, a line of demo candidates is
polled through Django's test client (the whole middleware stack and the template, no HTTP
parsing): the htmx fragment, the full page (no JavaScript) and the JSON answer; then the gate's
redirect of a logged-in candidate without a pass. Prints CPU milliseconds per request
(`time.process_time`, this process only) and the database queries per poll.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def measure(label: str, count: int, call: Any) -> None:
    started_cpu, started = time.process_time(), time.perf_counter()
    for i in range(count):
        call(i)
    cpu = (time.process_time() - started_cpu) * 1000 / count
    wall = (time.perf_counter() - started) * 1000 / count
    print(f"{label:<42} {cpu:6.2f} ms CPU, {wall:6.2f} ms wall per request (n={count})")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rukhsa.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rukhsa.accounts.models import User
    from rukhsa.admission import services
    from rukhsa.catalog.models import Period
    from rukhsa.core import clock
    from rukhsa.demo import loader

    if not settings.ADMISSION_REDIS_URL:
        print("Set ADMISSION_REDIS_URL (or REDIS_URL): the figure is for the Redis store.")
        return 2
    polls = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    period = Period.objects.get(code=loader.OPENING_PERIOD)
    Period.objects.filter(pk=period.pk).update(
        registration_opens_at=clock.now() - timedelta(seconds=1)
    )
    services.queue_reset(period_id=period.pk)
    config = services.config_for(period_id=period.pk)
    assert config is not None
    services.queue_control(period_id=period.pk, action="pause")
    users = list(User.objects.filter(is_staff=False).order_by("pk")[:500])
    tokens = []
    now = clock.now()
    for user in users:
        services.admission_enter(config=config, user_id=user.pk, now=now)
        token = services.place_token(period_id=period.pk, user_id=user.pk, next_url="/register/")
        tokens.append(f"/waiting-room/?t={token}")
    client = Client()
    fragment = {"HX-Request": "true"}
    for url in tokens[:50]:  # warm up: templates, translations, the Redis connection
        client.get(url, headers=fragment)
    with CaptureQueriesContext(connection) as queries:
        client.get(tokens[0], headers=fragment)
    print(f"line: {len(tokens)} candidates waiting (paused); queries per poll: {len(queries)}")
    measure(
        "poll, htmx fragment",
        polls,
        lambda i: client.get(tokens[i % len(tokens)], headers=fragment),
    )
    measure(
        "poll, full page (no JavaScript)", polls // 3, lambda i: client.get(tokens[i % len(tokens)])
    )
    measure(
        "poll, JSON",
        polls // 3,
        lambda i: client.get(tokens[i % len(tokens)], headers={"accept": "application/json"}),
    )
    candidates = []
    for user in users[:50]:
        logged_in = Client()
        logged_in.force_login(user)
        candidates.append(logged_in)
    measure(
        "journey URL without a pass (redirect)",
        len(candidates) * 4,
        lambda i: candidates[i % len(candidates)].get("/register/"),
    )
    services.queue_reset(period_id=period.pk)
    services.store().reset(period.pk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
