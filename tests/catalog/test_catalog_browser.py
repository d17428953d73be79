"""A catalogue manager logs in with password + TOTP and creates two weeks of digital slots."""

from datetime import timedelta
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rukhsa.catalog.models import Mode, Session
from tests.browser.support import assert_accessible
from tests.catalog.conftest import STAFF_PASSWORD
from tests.catalog.factories import make_centre, make_period, make_specialization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_with_totp_and_creates_two_weeks_of_slots(
    live_server: Any, make_staff: Any, chromium_run: Any
) -> None:
    staff = make_staff("Catalogue manager")
    device = TOTPDevice.objects.get(user=staff)
    key, step, digits = device.bin_key, device.step, device.digits
    period = make_period()
    centre = make_centre(mode=Mode.DIGITAL, code="RIY-DF7", name_en="Riyadh Women CBT")
    specs = [make_specialization(code="mathematics"), make_specialization(code="physics")]
    first = period.first_test_day + timedelta(days=(6 - period.first_test_day.weekday()) % 7)
    last = first + timedelta(days=13)

    def scenario(browser: Any) -> None:
        page = browser.new_page(
            base_url=live_server.url, locale="ar-SA", viewport={"width": 1280, "height": 900}
        )
        page.set_default_timeout(10_000)
        page.goto("/admin/login/?next=/admin/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert_accessible(page)
        page.fill("#id_username", staff.identity_number)
        page.fill("#id_password", STAFF_PASSWORD)
        page.fill("#id_otp_token", f"{TOTP(key, step, 0, digits).token():0{digits}d}")
        page.click("#login-form input[type=submit]")
        page.wait_for_url("**/admin/")
        assert_accessible(page)

        page.goto("/admin/catalog/session/bulk-create/")
        assert_accessible(page)
        page.select_option("#id_centre", str(centre.pk))
        page.select_option("#id_period", str(period.pk))
        page.fill("#id_date_from", first.isoformat())
        page.fill("#id_date_to", last.isoformat())
        page.fill("#id_capacity", "30")
        for spec in specs:
            page.check(f"input[name=specializations][value='{spec.pk}']")
        page.click("input[name=preview]")
        rows = page.locator("#plan-sessions tbody tr")
        rows.first.wait_for()
        assert rows.count() == 30
        assert_accessible(page)
        page.click("input[name=confirm]")
        page.wait_for_url("**/admin/catalog/session/?*")
        assert page.locator(".messagelist .success").count() == 1
        page.goto("/admin/dashboard/")
        assert "RIY-DF7" in page.content()
        assert_accessible(page)

    chromium_run(scenario)
    sessions = Session.objects.filter(centre=centre)
    assert sessions.count() == 30
    assert {s.date.weekday() for s in sessions} == {6, 0, 1, 2, 3}
    assert {s.start_time.hour for s in sessions} == {8, 11, 14}
    assert all(s.created_by_id == staff.pk for s in sessions)
