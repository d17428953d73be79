"""Digit normalisation: Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) become 0-9."""

_TRANSLATION = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def normalize_digits(value: str) -> str:
    return value.translate(_TRANSLATION)


def is_number(value: object) -> bool:
    """True when `value` is one or more ASCII digits 0-9, so `int()` of it cannot fail.

    `str.isdigit()` alone also accepts "²" or "၃", which `int()` refuses: never use it before
    `int()` on typed input.
    """
    text = str(value)
    return text.isascii() and text.isdigit()


def luhn_valid(number: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) checksum."""
    if not number.isascii() or not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """`body` followed by the one check digit that makes it Luhn-valid."""
    return next(body + digit for digit in "0123456789" if luhn_valid(body + digit))
