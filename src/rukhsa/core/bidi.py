"""Left-to-right tokens inside right-to-left text (phone numbers, URLs, references, emails,
card endings), isolated so that the Unicode bidi algorithm cannot reorder them.

Unisolated, "+966551234567" inside an Arabic sentence shows as "966551234567+", and a URL
ending in "/" shows as "/http://…". ``<bdi dir="ltr">`` isolates the token on pages, and
WeasyPrint honours its ``dir`` in PDFs too (it does not support ``unicode-bidi: isolate`` in
stylesheets, so the attribute is what counts).
"""

from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def ltr(value: Any) -> SafeString:
    """The value, escaped, in an isolated left-to-right run: ``<bdi dir="ltr">…</bdi>``."""
    if value is None or value == "":
        return mark_safe("")
    return format_html('<bdi dir="ltr">{}</bdi>', value)


def sentence(template: str, **tokens: Any) -> SafeString:
    """A translated sentence with %(name)s placeholders, each token isolated left to right.

    The sentence is escaped first, then the isolated tokens are put in, so the result is safe
    to show as HTML: ``sentence(_("Your seat %(reference)s is held."), reference=ref)``.
    """
    return mark_safe(  # noqa: S308  (escaped template, escaped tokens)
        str(conditional_escape(template)) % {name: ltr(value) for name, value in tokens.items()}
    )
