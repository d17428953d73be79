"""The `clock` process: enqueue each periodic job at its interval. Safe to run late or twice —
every job is idempotent, and correctness never depends on this process being up."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue the periodic jobs listed in settings.PERIODIC_TASKS, forever."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every job once and stop.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        jobs = [(import_string(path), seconds) for path, seconds in settings.PERIODIC_TASKS]
        due = {index: 0.0 for index in range(len(jobs))}
        while True:
            now = time.monotonic()
            for index, (job, seconds) in enumerate(jobs):
                if now >= due[index]:
                    job.enqueue()
                    due[index] = now + seconds
            if once:
                return
            time.sleep(5)
