from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rukhsa.guide.content import BY_SLUG
from rukhsa.guide.links import slugs_for

register = template.Library()

# The link's markup by language and guide pages: a handful of variants, kept in this process.
_rendered: dict[tuple[str, tuple[str, ...]], str] = {}


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _rendered.clear()


@register.simple_tag(takes_context=True)
def guide_help(context: template.Context) -> SafeString:
    """The "how does this work?" link of a product page to its visual guide page(s)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    slugs = tuple(slug for slug in slugs_for(view_name, context) if slug in BY_SLUG)
    key = (get_language(), slugs)
    html = _rendered.get(key)
    if html is None:
        services = [BY_SLUG[slug] for slug in slugs]
        html = get_template("guide/help_link.html").render({"services": services})
        _rendered[key] = html
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when rendered
