"""Rules for identity numbers, mobiles, names and birth dates (PRODUCT §2), as pure functions.

Each `clean_*` returns the normalised value or raises ValidationError with a sentence for the
candidate in the active language.
"""

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rukhsa.accounts.models import IdentityType
from rukhsa.core import clock
from rukhsa.core.countries import is_country
from rukhsa.core.digits import luhn_valid, normalize_digits

MIN_AGE = 18
MAX_AGE = 80

_ARABIC_NAME = re.compile(r"^[\u0621-\u063A\u0641-\u064A\u064B-\u0652\u0670\u0671\u0640 ]+$")
_ENGLISH_NAME = re.compile(r"^[A-Za-z][A-Za-z' .-]*$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def clean_national_number(raw: str, identity_type: str) -> str:
    """A national ID (starts with 1) or an iqama (starts with 2): 10 digits, Luhn valid."""
    number = normalize_digits(raw or "").strip().replace(" ", "").replace("-", "")
    first = "1" if identity_type == IdentityType.CITIZEN else "2"
    if identity_type == IdentityType.CITIZEN:
        wrong_length = _("A national ID number has exactly 10 digits.")
        wrong_start = _("A national ID number starts with 1.")
        wrong_sum = _("This is not a valid national ID number. Please check the digits.")
    else:
        wrong_length = _("An iqama number has exactly 10 digits.")
        wrong_start = _("An iqama number starts with 2.")
        wrong_sum = _("This is not a valid iqama number. Please check the digits.")
    if not number.isascii() or not number.isdigit() or len(number) != 10:
        raise ValidationError(wrong_length, code="length")
    if number[0] != first:
        raise ValidationError(wrong_start, code="first_digit")
    if not luhn_valid(number):
        raise ValidationError(wrong_sum, code="checksum")
    return number


def clean_passport(raw: str) -> str:
    """5–20 letters and digits after upper-casing and removing spaces."""
    number = normalize_digits(raw or "").upper().replace(" ", "").replace("-", "")
    if not _PASSPORT.match(number):
        raise ValidationError(
            _("A passport number has 5 to 20 Latin letters and digits."), code="passport"
        )
    return number


def clean_visitor_nationality(code: str) -> str:
    code = (code or "").strip().upper()
    if code == "SA":
        raise ValidationError(
            _("Saudi citizens register with their national ID, not a passport."), code="sa_visitor"
        )
    if not is_country(code):
        raise ValidationError(_("Choose a nationality from the list."), code="nationality")
    return code


def clean_identity(identity_type: str, raw_number: str, nationality: str = "") -> tuple[str, str]:
    """(number, nationality) for any identity type."""
    if identity_type == IdentityType.CITIZEN:
        return clean_national_number(raw_number, identity_type), "SA"
    if identity_type == IdentityType.RESIDENT:
        return clean_national_number(raw_number, identity_type), ""
    if identity_type == IdentityType.VISITOR:
        return clean_passport(raw_number), clean_visitor_nationality(nationality)
    raise ValidationError(_("Choose an identity type."), code="identity_type")


def clean_saudi_mobile(raw: str) -> str:
    """05XXXXXXXX, 5XXXXXXXX, 9665XXXXXXXX, +9665XXXXXXXX or 009665XXXXXXXX → +9665XXXXXXXX."""
    digits = re.sub(r"[\s\-().]", "", normalize_digits(raw or ""))
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("966"):
        digits = digits[3:]
    if digits.startswith("0"):
        digits = digits[1:]
    message = _("Enter a Saudi mobile number, for example 05XXXXXXXX.")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 9 and digits.startswith("5")):
        raise ValidationError(message, code="mobile")
    try:
        parsed = phonenumbers.parse("+966" + digits)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="mobile") from exc
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(message, code="mobile")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_international_mobile(raw: str) -> str:
    """Any valid number in international form (+ or 00 and the country code) → E.164."""
    text = re.sub(r"[\s\-().]", "", normalize_digits(raw or ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    message = _("Enter the mobile number in international form, for example +20 100 123 4567.")
    if not text.startswith("+"):
        raise ValidationError(message, code="mobile")
    try:
        parsed = phonenumbers.parse(text)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="mobile") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(message, code="mobile")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_mobile(raw: str, identity_type: str) -> str:
    if identity_type == IdentityType.VISITOR:
        return clean_international_mobile(raw)
    return clean_saudi_mobile(raw)


def clean_arabic_name(raw: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        return ""
    if not _ARABIC_NAME.match(value) or len(value.replace(" ", "")) < 2:
        raise ValidationError(_("Use Arabic letters only."), code="arabic_name")
    return value


def clean_english_name(raw: str) -> str:
    value = " ".join((raw or "").split())
    if not _ENGLISH_NAME.match(value) or len(value) < 2:
        raise ValidationError(_("Use English (Latin) letters only."), code="english_name")
    return value[:1].upper() + value[1:]


def clean_birth_date(value: date) -> date:
    today = clock.today()
    try:
        eighteenth = value.replace(year=value.year + MIN_AGE)
    except ValueError:  # 29 February
        eighteenth = date(value.year + MIN_AGE, 3, 1)
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if eighteenth > today:
        raise ValidationError(
            _("You must be at least %(age)d years old to register.") % {"age": MIN_AGE},
            code="too_young",
        )
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age > MAX_AGE:
        raise ValidationError(
            _("The date of birth gives an age over %(age)d years. Please check it.")
            % {"age": MAX_AGE},
            code="too_old",
        )
    return value


def looks_like_passport(identifier: str) -> bool:
    """What was typed can only be a passport number (not an email, not an ID or iqama)."""
    text = normalize_digits(identifier or "").strip()
    compact = text.replace(" ", "").replace("-", "").upper()
    is_national = compact.isdigit() and len(compact) == 10 and compact[0] in "12"
    return "@" not in text and not is_national and bool(_PASSPORT.match(compact))


def login_key(identifier: str, nationality: str = "") -> str | None:
    """The key a login or recovery form names: email, ID/iqama number, or P:CC:PASSPORT."""
    text = normalize_digits(identifier or "").strip()
    if "@" in text:
        return text.lower()
    compact = text.replace(" ", "").replace("-", "").upper()
    if compact.isdigit() and len(compact) == 10 and compact[0] in "12":
        return compact
    if nationality and _PASSPORT.match(compact):
        return f"P:{nationality.strip().upper()}:{compact}"
    return None
