"""The `clock` process: enqueue each periodic job at its interval. Safe to run late or twice —
every job is idempotent, and correctness never depends on this process being up.

A job that cannot be enqueued (the database or its pooler restarting) is logged and tried again
on the next pass; SIGTERM or SIGINT stops the loop between passes."""

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("rukhsa.clock")

RETRY_SECONDS = 5.0


class Command(BaseCommand):
    help = "Enqueue the periodic jobs listed in settings.PERIODIC_TASKS, forever."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every job once and stop.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        jobs = [(import_string(path), seconds) for path, seconds in settings.PERIODIC_TASKS]
        due = {index: 0.0 for index in range(len(jobs))}
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if not once:
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
        while not stop.is_set():
            close_old_connections()
            for index, (job, seconds) in enumerate(jobs):
                now = time.monotonic()
                if now < due[index]:
                    continue
                try:
                    job.enqueue()
                except Exception:
                    if once:
                        raise
                    logger.exception("Could not enqueue %s; trying again shortly", job.name)
                    due[index] = now + RETRY_SECONDS
                else:
                    due[index] = now + seconds
            if once:
                return
            stop.wait(5)
