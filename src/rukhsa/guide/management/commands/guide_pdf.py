"""`manage.py guide_pdf`: write the PDF editions of the visual guide into its static folder."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rukhsa.guide import content
from rukhsa.guide.pdf import MissingGuidePictures, build_guide_pdf


class Command(BaseCommand):
    help = (
        "Write the visual guide's PDF editions (static/guide/rukhsa-guide-<language>.pdf) from "
        "the guide's pictures; QR codes and links point at SITE_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            choices=content.LANGUAGES,
            action="append",
            help="Only this edition (may be given twice); both by default.",
        )

    def handle(self, *args: Any, language: list[str] | None = None, **options: Any) -> None:
        if "127.0.0.1" in settings.SITE_URL or "localhost" in settings.SITE_URL:
            self.stderr.write(
                f"Note: the QR codes and links point at {settings.SITE_URL}; set SITE_URL to "
                "the public address for editions to hand out."
            )
        for code in language or content.LANGUAGES:
            started = time.monotonic()
            try:
                pdf = build_guide_pdf(code)
            except MissingGuidePictures as error:
                raise CommandError(str(error)) from error
            path = content.pdf_path(code)
            path.write_bytes(pdf)
            self.stdout.write(
                f"{path} ({len(pdf) / 1_000_000:.1f} MB, {time.monotonic() - started:.1f} s)"
            )
