from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def sar(halalas: int | None) -> str:
    """115.00 SAR (ر.س in Arabic)."""
    if halalas is None:
        return ""
    amount = f"{halalas // 100}.{halalas % 100:02d}"
    return _("%(amount)s SAR") % {"amount": amount}


@register.filter
def percent(basis_points: int | None) -> str:
    if basis_points is None:
        return ""
    whole, rest = divmod(basis_points, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


@register.filter
def scheme_name(scheme: str) -> str:
    return {"mada": _("mada"), "visa": _("Visa"), "mastercard": _("Mastercard")}.get(
        scheme or "", scheme or ""
    )
