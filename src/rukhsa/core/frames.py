"""Pages rendered once per process around what changes from one request to the next.

Some pages are the same for every candidate who asks for them, but for a few values: the CSRF
token of the page's forms (the language switch, "Log out"), the page to come back to after the
language switch (this request's own address), and the parts the view names as *slots* (markup
it has already rendered or taken from the cache, such as a choose step's shared list). For such
a page, `render_framed` renders the template once per process for the view's `vary` values and
the active language, with a mark where each of those values goes, keeps the result split at the
marks, and answers every later request by joining the kept pieces with this request's values:
no template is walked. The markup is byte for byte what `render()` gives (tests compare them).

A page with flash messages waiting is rendered the ordinary way (they are shown once, by the
template). `vary` must name everything else the template shows that can differ between two
requests: a value left out of it would show one candidate's page to another. Never put anything
about the person outside a slot. A frame is kept for `TTL` seconds at most (as the cached
catalogue entries are: a catalogue change that no version number announced is shown within that
time), among the `LIMIT` used last (about 10 KB each), and all are forgotten on any settings
change.
"""

import re
import sys
import time
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rukhsa.core.lru import ExpiringLRU

TTL = 30.0  # seconds
LIMIT = 512  # frames per process, the least recently used out first
# (language, template, *vary) → the frame's pieces, until its expiry on the monotonic clock
_frames = ExpiringLRU(LIMIT)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _frames.clear()


# A mark no template output contains: NUL characters never appear in rendered HTML (nothing
# Rukhsa stores or renders holds one), and escaping leaves them as they are.
_MARK = "\x00frame:{}\x00"
_SPLIT = re.compile("\x00frame:([a-z_]+)\x00")
CSRF, NEXT = "csrf", "next"


class _Marked:
    """The request as the template sees it while the frame is rendered: the same in everything
    but its own address, which is a mark (the language switch sends the candidate back there)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def get_full_path(self) -> str:
        return _MARK.format(NEXT)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _frame(
    request: HttpRequest, template_name: str, context: Mapping[str, Any], slots: Mapping[str, str]
) -> tuple[str, ...]:
    """The page rendered with marks, split: literal text at even places, slot names at odd."""
    marked: dict[str, Any] = {
        **context,
        **{name: mark_safe(_MARK.format(name)) for name in slots},  # noqa: S308 — our marks
        "csrf_token": _MARK.format(CSRF),
        "messages": (),
        "request": _Marked(request),
    }
    return tuple(_SPLIT.split(render_to_string(template_name, marked, request)))


def render_framed(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, Any],
    *,
    vary: tuple[Any, ...],
    slots: Mapping[str, str | SafeString],
    shared: bool = True,
    status: int = 200,
) -> HttpResponse:
    """`render(request, template_name, {**context, **slots}, status=status)`, from the frame
    kept for `vary`.

    `slots`: the values that change per request, as HTML (marked safe, or escaped here).
    `shared=False` (the page holds something of the person's own outside the slots: a form's
    errors, their registrations) and a `status` other than 200 render the ordinary way."""
    if not shared or status != 200 or messages.get_messages(request):
        # (Flash messages are shown once, by the template.)
        return render(request, template_name, {**context, **slots}, status=status)
    key = (get_language(), template_name, *vary)
    now = time.monotonic()
    pieces: tuple[str, ...] | None = _frames.get(key, now)
    if pieces is None:
        pieces = _frame(request, template_name, context, slots)
        _frames.put(key, now + TTL, pieces)
    values = {name: conditional_escape(value) for name, value in slots.items()}
    names = pieces[1::2]
    if CSRF in names:  # (a form on the page: the token, and its cookie, as the tag would do)
        values[CSRF] = conditional_escape(get_token(request))
    if NEXT in names:
        values[NEXT] = conditional_escape(request.get_full_path())
    html = "".join(piece if i % 2 == 0 else values[piece] for i, piece in enumerate(pieces))
    _tell_test_client(template_name, context)
    return HttpResponse(html)


def _tell_test_client(template_name: str, context: Mapping[str, Any]) -> None:
    """Django's test client learns a page's template and context from the signal a rendering
    sends under test; a page from its frame sends it too, so tests see what the page shows.
    (The signal's module is only loaded by Django's test tools: nothing to do otherwise.)"""
    signals = sys.modules.get("django.test.signals")
    if signals is not None and signals.template_rendered.receivers:
        template = get_template(template_name).template  # type: ignore[attr-defined]
        signals.template_rendered.send(sender=template, template=template, context=Context(context))
