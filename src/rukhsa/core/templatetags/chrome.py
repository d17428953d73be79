"""`{% chrome "name" value… %}…{% endchrome %}`: page chrome rendered once per process.

For the parts of `base.html` that depend on nothing personal and nothing per request — the
asset links, the brand, the footer — given the active language and the values named in the tag.
The rendered HTML is kept in this process's memory (no network round trip), so a deploy starts
afresh; any settings change (tests' `override_settings`) empties it. Never put a CSRF token, a
nonce, the request's path or anything about the person inside.
"""

from collections.abc import Callable
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.translation import get_language

register = template.Library()

Store = dict[tuple[Any, ...], str]
_stores: list[Store] = []


def store() -> Store:
    """A store of kept HTML of its own (emptied with the others on a settings change)."""
    made: Store = {}
    _stores.append(made)
    return made


_rendered = store()  # the chrome's
_LIMIT = 128  # languages × variants, per store; emptied rather than grown past this


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    for kept_html in _stores:
        kept_html.clear()


def kept(key: tuple[Any, ...], render: Callable[[], str], into: Store = _rendered) -> str:
    """``render()``'s HTML for this key in the active language, rendered once per process. For
    the tags that keep a piece of chrome (this one, the guide's help link)."""
    key = (get_language(), *key)
    html = into.get(key)
    if html is None:
        html = render()
        if len(into) >= _LIMIT:
            into.clear()
        into[key] = html
    return html


class ChromeNode(template.Node):
    # Nothing inside is searched for `{% block %}`s: a child template cannot override a part of
    # the chrome (it is rendered once for every page), and `{% extends %}` does not walk it
    # on each render looking for blocks.
    child_nodelists = ()

    def __init__(self, name: str, vary: list[FilterExpression], nodelist: NodeList) -> None:
        self.name, self.vary, self.nodelist = name, vary, nodelist

    def render(self, context: template.Context) -> str:
        key = (self.name, *(value.resolve(context) for value in self.vary))
        return kept(key, lambda: self.nodelist.render(context))


@register.tag("chrome")
def do_chrome(parser: Parser, token: Token) -> ChromeNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'chrome' needs a name")
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(bits[1].strip("\"'"), [parser.compile_filter(b) for b in bits[2:]], nodelist)


# The menu's "you are here" mark: which of its links, if any, the page belongs to.
_SECTIONS = {"dashboard": "dashboard", "profile": "profile"}
_APP_SECTIONS = {"booking": "booking", "results": "results"}


@register.filter
def nav_section(request: Any) -> str:
    """The menu link marked ``aria-current`` on this page (a handful of values, so the menu can
    be kept rendered per language, signed in or not, and section): "" for none."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return _SECTIONS.get(match.url_name or "", "") or _APP_SECTIONS.get(match.app_name or "", "")
