"""The confirmed test in a real browser: the candidate opens the ticket and downloads the PDF;
a staff member logs in with password + TOTP and checks the candidate in by typing the
reference. Arabic (the default), phone width, axe-core on every page. The candidate's way to the
ticket is the journey of tests/browser/journeys/booking.py (3.4 in the visual guide)."""

from collections.abc import Callable
from datetime import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.booking.test_booking_ticket import confirmed, new_staff
from tests.browser.journeys import axe_shot
from tests.browser.journeys.booking import only, see_confirmed_test
from tests.browser.journeys.steps import log_in_form, logout_button
from tests.browser.support import assert_accessible
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_log_in(page: Page, staff: User) -> None:
    device = TOTPDevice.objects.get(user=staff)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    page.fill("#id_username", staff.identity_number)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{code:0{device.digits}d}")
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")


def test_candidate_downloads_the_ticket_and_staff_check_them_in(
    page: Page,
    new_context: Callable[..., BrowserContext],
    make_user: Callable[..., User],
) -> None:
    today = clock.today()
    period = make_period(first_test_day=today)
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(
        mode=Mode.DIGITAL,
        gender=Gender.MALE,
        name_ar="مركز الملك فهد",
        accessibility_ar="مدخل بلا درج ومصعد إلى القاعة",
    )
    session = make_session(centre, period, day=today, start=time(23, 30), specializations=[spec])
    candidate = make_user()
    registration = confirmed(candidate, session, spec)
    staff = new_staff(make_user, "Support")

    # The candidate: my registrations → registration → test details and ticket → PDF.
    log_in_form(page, candidate.identity_number, PASSWORD)
    expect(logout_button(page)).to_be_visible()
    see_confirmed_test(
        page,
        only(axe_shot, ("list", "details", "ticket")),  # one axe run per page
        reference=registration.reference,
        language="ar",
    )
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".ticket-ref")).to_contain_text(registration.reference)
    expect(page.locator(".ticket")).to_contain_text("مركز الملك فهد")
    expect(page.locator(".ticket-qr svg")).to_be_visible()
    with page.expect_download() as info:
        page.click(".ticket a[href$='/ticket.pdf']")
    download = info.value
    assert download.suggested_filename == f"ticket-{registration.reference}.pdf"
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as info:
        page.click(".ticket a[href$='/ticket.ics']")
    assert "BEGIN:VCALENDAR" in Path(info.value.path()).read_text(encoding="utf-8")

    # The staff member, on another device: back-office login with TOTP, then check-in.
    desk = new_context().new_page()
    desk.goto("/staff/check-in/")
    assert "/admin/login/" in desk.url and "next=" in desk.url
    staff_log_in(desk, staff)
    desk.wait_for_url("**/staff/check-in/")
    expect(desk.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(desk)
    desk.select_option("#id_session", str(session.pk))
    with desk.expect_navigation():
        desk.click("#content-main form:has(#id_session) input[type=submit]")
    assert_accessible(desk)
    desk.fill("#id_code", registration.reference.lower())
    with desk.expect_navigation():
        desk.click("#checkin-form input[type=submit]")
    expect(desk.locator(".checkin-ok")).to_be_visible()
    expect(desk.locator(".checkin-card")).to_contain_text(candidate.name_ar)
    expect(desk.locator(".checkin-card")).to_contain_text(candidate.identity_number[-4:])
    expect(desk.locator(".checkin-card")).not_to_contain_text(candidate.identity_number)
    expect(desk.locator("#checkin-count")).to_contain_text("1")
    assert_accessible(desk)
    assert Registration.objects.get(pk=registration.pk).checked_in_by_id == staff.pk

    # The same reference again: refused, and the page says so.
    desk.fill("#id_code", registration.reference)
    with desk.expect_navigation():
        desk.click("#checkin-form input[type=submit]")
    expect(desk.locator(".checkin-refused")).to_be_visible()
    assert_accessible(desk)
