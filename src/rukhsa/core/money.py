"""Money is integer halalas (100 halalas = 1 SAR); this only formats it."""

from django.utils.translation import gettext as _


def sar_amount(halalas: int) -> str:
    """'115.00' — Western digits, two decimals, thousands separated."""
    sign = "-" if halalas < 0 else ""
    riyals, rest = divmod(abs(int(halalas)), 100)
    return f"{sign}{riyals:,}.{rest:02d}"


def format_sar(halalas: int) -> str:
    # Translators: an amount of money in Saudi riyals, e.g. "115.00 SAR"
    return _("%(amount)s SAR") % {"amount": sar_amount(halalas)}
