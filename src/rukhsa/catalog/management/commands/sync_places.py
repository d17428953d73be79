from typing import Any

from django.core.management.base import BaseCommand

from rukhsa.catalog.services import places_sync


class Command(BaseCommand):
    help = "Create or rename the 13 regions and their main cities. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        created, changed = places_sync()
        self.stdout.write(f"Regions and cities: {created} created, {changed} updated.")
