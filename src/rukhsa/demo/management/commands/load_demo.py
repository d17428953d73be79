import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rukhsa.catalog import choices
from rukhsa.catalog.models import Period
from rukhsa.core.admin_site import totp_current_code, totp_secret_base32
from rukhsa.demo import loader


class Command(BaseCommand):
    help = (
        "Load the demo data (catalogue, an open and a past period, the demo candidate and staff "
        "account). Safe to run again: nothing is duplicated or changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=["demo", "national"],
            default="demo",
            help="national: also ~400,000 candidates, 300 centres and 20,000 sessions",
        )
        parser.add_argument(
            "--opening-in",
            type=int,
            default=None,
            metavar="MINUTES",
            help="move the next period's opening to this many minutes from now and empty its "
            "waiting room, to watch the opening again",
        )
        parser.add_argument(
            "--candidates",
            type=int,
            default=None,
            help="with --scale national: how many candidates (default 400000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        opening_in = options["opening_in"]
        _tally, device = loader.load_demo(
            log=self.stdout.write,
            opening_in=timedelta(minutes=opening_in) if opening_in is not None else None,
        )
        self.stdout.write(f"Demo data ready in {time.perf_counter() - started:.1f} s.")
        if options["scale"] == "national":
            from rukhsa.demo.national import CANDIDATE_PASSWORD, CANDIDATES, load_national

            started = time.perf_counter()
            period = Period.objects.get(code=loader.OPEN_PERIOD)
            load_national(period, self.stdout.write, candidates=options["candidates"] or CANDIDATES)
            self.stdout.write(
                f"National-scale data ready in {time.perf_counter() - started:.1f} s "
                f"(generated candidates' password: {CANDIDATE_PASSWORD})."
            )
        choices.bump()  # the loaders write in bulk (no signals): cached choices are stale
        self.stdout.write("")
        self.stdout.write("Demo accounts")
        self.stdout.write(
            f"  Candidate: national ID {loader.CANDIDATE_ID}, password {loader.CANDIDATE_PASSWORD}"
        )
        self.stdout.write(
            f"  Staff (back office /admin/): national ID {loader.STAFF_ID} "
            f"or staff@rukhsa.example, password {loader.STAFF_PASSWORD}"
        )
        self.stdout.write(f"  Staff authenticator secret: {totp_secret_base32(device)}")
        self.stdout.write(f"  otpauth URL: {device.config_url}")
        self.stdout.write(
            f"  Current code: {totp_current_code(device)} (or run: manage.py demo_totp)"
        )
