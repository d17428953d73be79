"""The candidate's pages on a phone (issue 17, items 5 and 8), in Arabic, in a real browser:

- one compact header line whose menu opens without JavaScript;
- the confirmed registration leads with its status and its ticket, PDF and change buttons, the
  result details with the score, status, level and score report — all above the fold;
- left-to-right tokens (phone number, email, reference) inside Arabic text keep their order on
  screen, checked with the positions the browser gives each character (and a control: the same
  text without isolation is seen reversed).
"""

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.booking.test_booking_ticket import confirmed
from tests.browser.support import PHONE, assert_accessible
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the characters of a text node inside `el` are drawn: [x of first char, x of last char].
ENDS = """el => {
  const node = [...el.childNodes].find(n => n.nodeType === 3);
  const text = node.textContent;
  const at = i => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                    return r.getBoundingClientRect().left; };
  return [at(0), at(text.length - 1)];
}"""


def log_in(context: BrowserContext, base_url: str, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


@pytest.fixture
def registration(make_user: Callable[..., User]) -> Any:
    period = make_period()
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, name_ar="مركز الملك فهد")
    day = clock.today() + timedelta(days=10)  # far enough to be changed
    session = make_session(centre, period, day=day, start=time(10), specializations=[spec])
    return confirmed(make_user(), session, spec)


def test_one_header_line_and_a_menu_that_works_without_javascript(
    new_context: Callable[..., BrowserContext], base_url: str, registration: Any
) -> None:
    context = new_context(java_script_enabled=False)
    log_in(context, base_url, registration.candidate)
    page = context.new_page()
    page.goto("/dashboard/")
    header = page.locator("header.site-header").bounding_box()
    assert header and header["height"] <= 72, header  # one line (it was ~220 px)
    results_link = page.locator("header nav a[href='/results/']")
    expect(results_link).to_be_hidden()
    page.locator("header details.site-menu > summary").click()
    expect(results_link).to_be_visible()
    results_link.click()
    expect(page).to_have_url(f"{base_url}/results/")

    # The same menu, open, passes axe-core (which needs JavaScript to run).
    scripted = new_context()
    log_in(scripted, base_url, registration.candidate)
    page = scripted.new_page()
    page.goto("/dashboard/")
    page.locator("header details.site-menu > summary").click()
    expect(page.locator("header nav a[href='/results/']")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}])
def test_wide_screens_show_the_links_in_the_header_line(
    page: Page, context: BrowserContext, base_url: str, registration: Any
) -> None:
    log_in(context, base_url, registration.candidate)
    page.goto("/dashboard/")
    expect(page.locator("header details.site-menu > summary")).to_be_hidden()
    expect(page.locator("header nav a[href='/results/']")).to_be_visible()
    header = page.locator("header.site-header").bounding_box()
    assert header and header["height"] <= 80, header


def test_confirmed_registration_leads_with_status_and_main_actions(
    page: Page, context: BrowserContext, base_url: str, registration: Any
) -> None:
    log_in(context, base_url, registration.candidate)
    page.goto(f"/registrations/{registration.reference}/")
    fold = PHONE["height"]
    for selector in (
        "#main .badge",
        f"#main a[href='/registrations/{registration.reference}/ticket/']",
        f"#main a[href='/registrations/{registration.reference}/ticket.pdf']",
        f"#main a[href='/registrations/{registration.reference}/change/']",
    ):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] + box["height"] <= fold, (selector, box)
    assert_accessible(page)


def test_ltr_tokens_keep_their_order_inside_arabic(
    page: Page, context: BrowserContext, base_url: str, registration: Any, settings: Any
) -> None:
    settings.SUPPORT_PHONE = "+966 11 000 0000"
    log_in(context, base_url, registration.candidate)
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    tokens = {
        "+966 11 000 0000": "footer bdi",
        "support@rukhsa.example": "footer bdi",
        registration.reference: "#main bdi",
    }
    for text, scope in tokens.items():
        element = page.locator(scope, has_text=text).first
        expect(element).to_have_text(text)
        first, last = element.evaluate(ENDS)
        assert first < last, f"{text!r} is drawn right to left: first at {first}, last at {last}"

    # Control: the same phone number in an Arabic sentence without isolation is drawn
    # reversed ("0000 000 11 966+"), so the check above can see the fault it guards against.
    page.evaluate(
        """() => { const p = document.createElement('p'); p.id = 'control';
                   p.textContent = 'اتصل بنا على +966 11 000 0000';
                   document.querySelector('#main').appendChild(p); }"""
    )
    plus, last_digit = page.locator("#control").evaluate(
        """el => { const node = el.firstChild; const text = node.textContent;
                   const at = i => { const r = document.createRange(); r.setStart(node, i);
                     r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
                   return [at(text.indexOf('+')), at(text.length - 1)]; }"""
    )
    assert plus > last_digit
