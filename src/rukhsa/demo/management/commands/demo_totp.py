from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rukhsa.core.admin_site import totp_current_code
from rukhsa.demo.loader import STAFF_ID


class Command(BaseCommand):
    help = "Print the current 6-digit back-office code of the demo staff account."

    def handle(self, *args: Any, **options: Any) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user__identity_key=STAFF_ID, confirmed=True).first()
        if device is None:
            raise CommandError("No demo staff authenticator: run manage.py load_demo first.")
        self.stdout.write(totp_current_code(device))
