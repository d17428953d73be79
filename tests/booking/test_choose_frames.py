"""The journey's pages kept per process around what changes per request (rukhsa.core.frames):
the notes, every choose step and the review. The same bytes as an ordinary rendering, in both
languages, the full page and the htmx region; this request's CSRF token and address written
in; nothing of one candidate on another's page; flash messages still shown; a catalogue change
shown at once."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.shortcuts import render
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import time_format
from django.utils.html import escape

from rukhsa import views as site_views
from rukhsa.booking import views
from rukhsa.booking.terms import terms_accept
from rukhsa.core import frames

pytestmark = pytest.mark.django_db

SWAP = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "journey"}
DIGITAL = {"mode": "digital", "spec": "math", "city": "riyadh", "centre": "RUH-D-M"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _client(user, cat, language="ar", **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    client.cookies["django_language"] = language
    terms_accept(candidate=user, period=cat.period)
    return client


def _pages(cat):
    day = cat.slot.date.isoformat()
    return [
        {},
        {"mode": "digital"},
        {"mode": "paper"},
        {"mode": "paper", "spec": "physics"},
        DIGITAL,
        {**DIGITAL, "date": day},
        {**DIGITAL, "pick": "city"},
        {**DIGITAL, "date": "2001-02-30"},  # a problem sentence
        {**DIGITAL, "x": '"><script>&amp;', "y": "قيمة"},  # this address, escaped, in the form
    ]


def _plain(request, template_name, context, *, vary, slots, shared=True, status=200):
    return render(request, template_name, {**context, **slots}, status=status)


def _same_tokens(client, html: str) -> str:
    """The page with each CSRF token replaced, after checking it is the client's own secret."""
    secret = client.cookies["csrftoken"].value
    for token in TOKEN.findall(html):
        assert _unmask_cipher_token(token) == secret
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_step_is_the_ordinary_rendering_byte_for_byte(cat, make_user, monkeypatch, language):
    client = _client(make_user(), cat, language)
    url = reverse("booking:choose", args=[cat.period.code])
    for params in _pages(cat):
        for headers in ({}, SWAP):
            first = client.get(url, params, headers=headers)
            kept = client.get(url, params, headers=headers)  # from the kept frame
            with monkeypatch.context() as m:
                m.setattr(views, "render_framed", _plain)
                ordinary = client.get(url, params, headers=headers)
            assert first.status_code == kept.status_code == ordinary.status_code == 200
            expected = _same_tokens(client, ordinary.content.decode())
            for page in (first, kept):
                assert _same_tokens(client, page.content.decode()) == expected, (params, headers)
                assert ("csrftoken" in page.cookies) == ("csrftoken" in ordinary.cookies)
                assert page["Content-Type"] == ordinary["Content-Type"]
                assert page["Vary"] == ordinary["Vary"]
            # What tests read of a page is there for a kept frame too.
            assert kept.context["step"] == ordinary.context["step"]


def _compare(client, monkeypatch, url, params=None, headers=None, status=200):
    first = client.get(url, params or {}, headers=headers or {})
    kept_page = client.get(url, params or {}, headers=headers or {})  # from the kept frame
    with monkeypatch.context() as m:
        for module in (views, site_views):
            m.setattr(module, "render_framed", _plain)
        ordinary = client.get(url, params or {}, headers=headers or {})
    assert first.status_code == kept_page.status_code == ordinary.status_code == status
    expected = _same_tokens(client, ordinary.content.decode())
    for page in (first, kept_page):
        assert _same_tokens(client, page.content.decode()) == expected, (url, params)
        assert ("csrftoken" in page.cookies) == ("csrftoken" in ordinary.cookies), (url, params)
    return kept_page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_notes_and_the_review_are_the_ordinary_rendering(cat, make_user, monkeypatch, language):
    notes = reverse("booking:notes", args=[cat.period.code])
    review = reverse("booking:review", args=[cat.period.code])
    for user in (make_user(), make_user(qualification="", major="")):  # ready, and not
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = language
        page = _compare(client, monkeypatch, notes).content.decode()
        assert 'name="accept"' in page  # not accepted yet
        terms_accept(candidate=user, period=cat.period)
        page = _compare(client, monkeypatch, notes).content.decode()
        assert 'name="accept"' not in page  # accepted: the other page
        for session in (cat.slot, cat.sitting):
            params = {"session": session.pk, "spec": "math"}
            page = _compare(client, monkeypatch, review, params).content.decode()
            assert f'name="session" value="{session.pk}"' in page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_dashboard_and_the_available_tests_are_the_ordinary_rendering(
    cat, make_user, monkeypatch, language
):
    dashboard, start = reverse("dashboard"), reverse("booking:start")
    people = (
        make_user(name_en_first="O'Neil <b>", name_ar_first="عبد&الله"),
        make_user(name_en_first="Sara"),  # the same steps: the same frame, another name
        make_user(qualification="", major=""),  # steps of their own, and the readiness notice
    )
    for user in people:
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = language
        page = _compare(client, monkeypatch, dashboard).content.decode()
        name = user.display_name(language)
        assert escape(name) in page and "<b>" not in page
        _compare(client, monkeypatch, start)
        terms_accept(candidate=user, period=cat.period)
        page = _compare(client, monkeypatch, start).content.decode()
        assert reverse("booking:choose", args=[cat.period.code]) in page  # accepted: straight on
    # With a registration: the pages of their own, as before.
    from rukhsa.booking import services

    client = Client()
    client.force_login(people[1])
    client.cookies["django_language"] = language
    registration = services.registration_hold(
        candidate=people[1], session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    assert registration.reference in _compare(client, monkeypatch, dashboard).content.decode()
    assert registration.reference in _compare(client, monkeypatch, start).content.decode()


def test_the_notes_and_the_review_follow_the_catalogue(cat, make_user):
    client = _client(make_user(), cat, "en")
    notes = reverse("booking:notes", args=[cat.period.code])
    review = reverse("booking:review", args=[cat.period.code])
    params = {"session": cat.slot.pk, "spec": "math"}
    assert cat.digital.name_en in client.get(review, params).content.decode()
    cat.digital.name_en = "Renamed centre"
    cat.digital.save()
    assert "Renamed centre" in client.get(review, params).content.decode()
    with translation.override("en"):
        shown = time_format(cat.slot.start_time, "TIME_FORMAT")
    assert shown in client.get(review, params).content.decode()
    cat.slot.start_time = cat.slot.start_time.replace(hour=9, minute=30)
    cat.slot.save()
    with translation.override("en"):
        moved = time_format(cat.slot.start_time, "TIME_FORMAT")
    page = client.get(review, params).content.decode()
    assert moved in page and shown not in page
    before = client.get(notes).content.decode()
    cat.test.hold_minutes = 25  # new terms: the notes ask to accept them again
    cat.test.save()
    after = client.get(notes).content.decode()
    assert "25 minutes" in after and "25 minutes" not in before


def test_a_refused_hold_and_an_unticked_box_are_pages_of_their_own(cat, make_user):
    client = _client(make_user(), cat, "en")
    review = reverse("booking:review", args=[cat.period.code])
    full = client.post(review, {"session": cat.slot_late.pk, "spec": "math"})
    assert full.status_code == 409 and "The seat could not be held" in full.content.decode()
    assert (
        "The seat could not be held"
        not in client.get(review, {"session": cat.slot.pk, "spec": "math"}).content.decode()
    )
    other = Client()
    other.force_login(make_user())
    notes = reverse("booking:notes", args=[cat.period.code])
    refused = other.post(notes, {}).content.decode()
    assert 'aria-invalid="true"' in refused
    assert 'aria-invalid="true"' not in other.get(notes).content.decode()


def test_the_address_and_the_token_are_this_requests(cat, make_user):
    client = _client(make_user(), cat, "en", enforce_csrf_checks=True)
    url = reverse("booking:choose", args=[cat.period.code])
    client.get(url, DIGITAL)
    html = client.get(url, {**DIGITAL, "z": "<b>"}).content.decode()
    assert 'name="next" value="/register/p-open/choose/?' in html
    assert "z=%3Cb%3E" in html and "<b>" not in html
    a, b = (TOKEN.findall(client.get(url, DIGITAL).content.decode())[0] for _ in range(2))
    assert a != b  # masked afresh on each page, as Django does
    # The token of a page from the kept frame is accepted by the language switch.
    switched = client.post(
        reverse("core:set_language"), {"language": "ar", "next": url, "csrfmiddlewaretoken": b}
    )
    assert switched.status_code == 302


def test_one_candidates_readiness_notice_never_reaches_another(cat, make_user):
    url = reverse("booking:choose", args=[cat.period.code])
    unready = _client(make_user(qualification="", major=""), cat, "en")
    ready = _client(make_user(), cat, "en")
    mine = unready.get(url, {**DIGITAL, "pick": "city"}).content.decode()
    assert 'id="readiness"' in mine and "next=%2Fregister%2Fp-open%2Fchoose%2F%3F" in mine
    theirs = ready.get(url, {**DIGITAL, "pick": "city"}).content.decode()
    assert 'id="readiness"' not in theirs
    assert 'id="readiness"' in unready.get(url, {**DIGITAL, "pick": "city"}).content.decode()


def test_a_flash_message_is_shown_once(cat, make_user):
    client = _client(make_user(), cat, "en")
    url = reverse("booking:choose", args=[cat.period.code])
    client.get(url)  # the frame is kept
    review = reverse("booking:review", args=[cat.period.code])
    landed = client.get(review, {"session": "nope"}, follow=True)
    assert landed.redirect_chain[-1][0] == url
    assert landed.content.decode().count("Please choose the session again.") == 1
    assert "Please choose the session again." not in client.get(url).content.decode()


def test_a_renamed_test_is_a_new_frame(cat, make_user):
    client = _client(make_user(), cat, "en")
    url = reverse("booking:choose", args=[cat.period.code])
    assert f"<h1>{cat.test.name_en}</h1>" in client.get(url).content.decode()
    cat.test.name_en = "Renamed test"
    cat.test.save()  # the back office's save: the cached catalogue rows follow it
    assert "<h1>Renamed test</h1>" in client.get(url).content.decode()


def test_the_frames_are_bounded_expire_and_are_forgotten_with_the_settings(
    cat, make_user, settings, monkeypatch
):
    client = _client(make_user(), cat, "en")
    url = reverse("booking:choose", args=[cat.period.code])
    frames._forget()
    monkeypatch.setattr(frames._frames, "size", 2)
    for mode in ("", "digital", "paper"):  # three frames (the guide's link differs)
        client.get(url, {"mode": mode})
    assert len(frames._frames) == 2  # the least recently used went out
    renders = []
    real = frames._frame
    monkeypatch.setattr(frames, "_frame", lambda *a: renders.append(1) or real(*a))
    client.get(url, {"mode": "paper"})
    assert renders == []  # kept
    client.get(url)
    assert renders == [1]  # the first went out: rendered again
    now = frames.time.monotonic()
    monkeypatch.setattr(frames.time, "monotonic", lambda: now + frames.TTL + 1)
    client.get(url, {"mode": "paper"})
    assert renders == [1, 1]  # expired: rendered again
    settings.SUPPORT_EMAIL = "other@example.org"  # any settings change forgets them all
    assert not frames._frames
