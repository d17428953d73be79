from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rukhsa.core.digits import normalize_digits

NAME_FIELDS = (
    "name_ar_first", "name_ar_father", "name_ar_grandfather", "name_ar_family",
    "name_en_first", "name_en_father", "name_en_grandfather", "name_en_family",
)  # fmt: skip


class PersonalDataPasswordValidator:
    """The password must not contain the identity number (whole, reversed or its last 6 digits)
    nor any of the candidate's names (parts of 4 letters or more). Django's own similarity
    validator covers the email and whole-field similarity."""

    def validate(self, password: str, user: Any = None) -> None:
        candidate = normalize_digits(password).lower()
        number = (getattr(user, "identity_number", "") or "").lower()
        if number:
            pieces = {number, number[::-1]}
            if len(number) >= 6:
                pieces.add(number[-6:])
            if any(piece in candidate for piece in pieces):
                raise ValidationError(
                    _("The password must not contain your identity number."),
                    code="password_contains_identity",
                )
        for field in NAME_FIELDS:
            for part in (getattr(user, field, "") or "").lower().split():
                if len(part) >= 4 and part in candidate:
                    raise ValidationError(
                        _("The password must not contain your name."),
                        code="password_contains_name",
                    )

    def get_help_text(self) -> str:
        return _("Your password must not contain your identity number or your name.")
