from typing import Any

from django.core.management.base import BaseCommand

from rukhsa.core.admin_site import roles_setup


class Command(BaseCommand):
    help = "Create or update the staff roles (Groups) and their permissions. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, (count, missing) in roles_setup().items():
            self.stdout.write(f"{name}: {count} permissions")
            if missing and options["verbosity"] > 1:
                self.stdout.write(f"  not yet available: {', '.join(missing)}")
