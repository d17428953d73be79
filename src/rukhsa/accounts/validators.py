from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rukhsa.core.digits import normalize_digits


class IdentityNumberSimilarityValidator:
    """The password must not contain the identity number (or its last 6 digits), nor its reverse."""

    def validate(self, password: str, user: Any = None) -> None:
        number = (getattr(user, "identity_number", "") or "").lower()
        if not number:
            return
        candidate = normalize_digits(password).lower()
        pieces = {number, number[::-1]}
        if len(number) >= 6:
            pieces.add(number[-6:])
        if any(piece and piece in candidate for piece in pieces):
            raise ValidationError(
                _("The password must not contain your identity number."),
                code="password_contains_identity",
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your identity number.")
