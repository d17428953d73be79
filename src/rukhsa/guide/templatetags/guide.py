from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from rukhsa.core.templatetags.chrome import kept, store
from rukhsa.guide.links import services_for

register = template.Library()

_links = store()  # by language and guide pages


@register.simple_tag(takes_context=True)
def guide_help(context: template.Context) -> SafeString:
    """The "how does this work?" link of a product page to its visual guide page(s), kept
    rendered per language and guide pages like the page chrome."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    services = services_for(view_name, context)
    html = kept(
        ("guide", *(service.slug for service in services)),
        lambda: get_template("guide/help_link.html").render({"services": services}),
        _links,
    )
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when rendered
