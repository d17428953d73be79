from typing import Any

from django import template

from rukhsa.guide.links import services_for

register = template.Library()


@register.inclusion_tag("guide/help_link.html", takes_context=True)
def guide_help(context: template.Context) -> dict[str, Any]:
    """The "how does this work?" link of a product page to its visual guide page(s)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    values = {str(name): value for name, value in context.flatten().items()}
    return {"services": services_for(view_name, values)}
