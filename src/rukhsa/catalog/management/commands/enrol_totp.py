import io
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models.functions import Lower

from rukhsa.core.admin_site import EnrolmentError, staff_totp_enrol, totp_secret_base32
from rukhsa.core.digits import normalize_digits


class Command(BaseCommand):
    help = (
        "Give a staff account a confirmed TOTP authenticator and print its otpauth:// URL, "
        "secret and a QR code to scan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", help="identity number or email of the staff account")
        parser.add_argument(
            "--replace", action="store_true", help="replace an existing authenticator"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        login = normalize_digits(options["login"]).strip()
        users = user_model.objects.all()
        user: Any
        if "@" in login:
            user = users.annotate(e=Lower("email")).filter(e=login.lower()).first()
        else:
            user = (
                users.filter(identity_key=login).first()
                or users.filter(identity_number=login).first()
            )
        if user is None:
            raise CommandError(f"No account has the identity number or email {login!r}.")
        try:
            device = staff_totp_enrol(user=user, replace=options["replace"])
        except EnrolmentError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Authenticator enrolled for {user}.")
        self.stdout.write(f"otpauth URL: {device.config_url}")
        self.stdout.write(f"Secret (base32, for manual entry): {totp_secret_base32(device)}")
        self.stdout.write(qr_text(device.config_url))


def qr_text(data: str) -> str:
    """The QR code as text blocks for a terminal (empty if qrcode cannot draw it)."""
    try:
        import qrcode
    except ImportError:  # pragma: no cover - qrcode is a dependency
        return ""
    qr = qrcode.QRCode(border=2)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()
