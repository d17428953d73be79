"""Back-office pages: candidate search and masking, the dashboard, list pages without N+1."""

from datetime import time, timedelta

import pytest

from rukhsa.core.admin_site import Panel, dashboard
from rukhsa.core.models import AuditLog
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"


def test_candidates_are_found_by_identity_mobile_or_email(staff_client, make_user) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Support")
    amal = make_user(name_en_first="Amal", mobile="+966512345678", email="Amal.S@Example.com")
    make_user(name_en_first="Other")
    for term in (
        amal.identity_number,
        "0512345678",
        "512345678",
        "+966512345678",
        "amal.s@example.com",
        "٠٥١٢٣٤٥٦٧٨",
    ):
        results = list(client.get(USERS, {"q": term}).context["cl"].result_list)
        assert results == [amal], term


def test_lists_mask_identity_numbers_and_contacts(staff_client, make_user) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Support")
    person = make_user(mobile="+966512345678", email="person@example.com")
    page = client.get(USERS).content.decode()
    assert person.identity_number not in page
    assert "+966512345678" not in page and "person@example.com" not in page
    assert person.identity_number[-4:] in page


def test_staff_cannot_change_identity_fields(staff_client, make_user) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Support")
    person = make_user(city="riyadh")
    original = person.identity_number
    page = client.get(f"{USERS}{person.pk}/change/")
    form = page.context["adminform"].form
    assert "identity_number" not in form.fields and "is_staff" not in form.fields
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"identity_number": "1999999997", "city": "jeddah", "is_staff": "on"})
    for key in [k for k, v in data.items() if v is None]:
        data[key] = ""
    response = client.post(f"{USERS}{person.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.identity_number, person.is_staff, person.city) == (original, False, "jeddah")
    assert AuditLog.objects.filter(
        action="staff.user_change", subject=person, field="city"
    ).exists()


def test_dashboard_shows_seat_fill_per_centre(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    period = make_period()
    centre = make_centre(code="RIY-DM9")
    make_session(
        centre, period, capacity=40, seats_taken=30, specializations=[make_specialization()]
    )
    page = client.get("/admin/dashboard/").content.decode()
    assert "RIY-DM9" in page
    assert 'value="75"' in page
    assert "Registrations per day" in page or "التسجيلات" in page


def test_an_app_can_plug_a_panel_into_the_dashboard(staff_client) -> None:  # type: ignore[no-untyped-def]
    def provider(request):  # type: ignore[no-untyped-def]
        return Panel(
            title="Registrations per day",
            columns=["Day", "Registrations"],
            rows=[["2026-12-01", 1234]],
        )

    from rukhsa.core import admin_site

    saved = dict(admin_site.dashboard._panels)
    try:
        dashboard.register("registrations_per_day", provider, order=10)
        page = staff_client("Support").get("/admin/dashboard/").content.decode()
        assert "1234" in page
    finally:
        admin_site.dashboard._panels = saved


def test_session_list_queries_do_not_grow_with_rows(
    admin_client_otp, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    period = make_period()
    centres = [make_centre() for _ in range(5)]
    for i, centre in enumerate(centres):
        for hour in (8, 11, 14):
            make_session(
                centre, period, day=period.first_test_day + timedelta(days=i), start=time(hour)
            )
    admin_client_otp.get("/admin/catalog/session/")  # warm caches (content types, etc.)
    with django_assert_max_num_queries(12):
        assert admin_client_otp.get("/admin/catalog/session/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client_otp.get("/admin/catalog/centre/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client_otp.get("/admin/dashboard/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/test/",
        "/admin/catalog/specialization/",
        "/admin/catalog/domain/",
        "/admin/catalog/period/",
        "/admin/catalog/region/",
        "/admin/catalog/city/",
        "/admin/catalog/centre/",
        "/admin/catalog/session/",
        "/admin/catalog/session/add/",
        "/admin/catalog/period/add/",
        "/admin/catalog/centre/add/",
        "/admin/accounts/user/",
        "/admin/catalog/session/bulk-create/",
        "/admin/dashboard/",
        "/admin/",
    ],
)
def test_every_back_office_page_answers(admin_client_otp, url: str) -> None:  # type: ignore[no-untyped-def]
    make_session(make_centre(), make_period())
    assert admin_client_otp.get(url).status_code == 200
    assert admin_client_otp.get(url, {"q": "x"}).status_code == 200


def test_a_message_not_yet_delivered_shows_the_text_it_will_carry(  # type: ignore[no-untyped-def]
    staff_client, django_capture_on_commit_callbacks
) -> None:
    """The delivery task writes a message's text; until it has, the back office shows the text
    as the task will write it (nothing saved), and a sent one its own."""
    from rukhsa.notifications.models import Message
    from rukhsa.notifications.services import message_send

    client = staff_client(superuser=True)
    with django_capture_on_commit_callbacks(execute=False):  # not delivered: the task never runs
        queued = message_send(
            kind="mobile_code", language="ar", context={"code": "482913"}, sms_to="+966551234567"
        )[0]
    page = client.get(f"/admin/notifications/message/{queued.pk}/change/").content.decode()
    assert "482913" in page and "Not sent yet" in page
    assert "<textarea" not in page and 'name="subject"' not in page  # nothing to edit
    assert '<div lang="ar" dir="rtl">' in page  # in the message's language, on an English page
    assert '<div dir="auto">' in page  # each line its own paragraph and direction
    queued.refresh_from_db()
    assert queued.body == "" and queued.context is not None  # the preview saved nothing

    with django_capture_on_commit_callbacks(execute=True):  # delivered after the commit
        sent = message_send(
            kind="mobile_code", language="en", context={"code": "771204"}, sms_to="+966551234568"
        )[0]
    sent.refresh_from_db()
    assert sent.status == "sent" and "771204" in sent.body
    page = client.get(f"/admin/notifications/message/{sent.pk}/change/").content.decode()
    assert "771204" in page and "Not sent yet" not in page

    Message.objects.filter(pk=queued.pk).update(kind="no_such_kind")  # no template to write it
    page = client.get(f"/admin/notifications/message/{queued.pk}/change/")
    assert page.status_code == 200
    assert "its text cannot be written" in page.content.decode()


def test_a_message_is_read_and_sent_again_never_saved(  # type: ignore[no-untyped-def]
    staff_client, django_capture_on_commit_callbacks
) -> None:
    """The message's page has nothing to save; "Send the selected messages again" still queues."""
    from rukhsa.notifications.models import Message
    from rukhsa.notifications.services import message_send

    client = staff_client(superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        sent = message_send(
            kind="mobile_code", language="en", context={"code": "771204"}, sms_to="+966551234568"
        )[0]
    sent.refresh_from_db()
    url = f"/admin/notifications/message/{sent.pk}/change/"
    page = client.get(url).content.decode()
    assert "771204" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert client.post(url, {"_save": "Save"}).status_code == 403
    response = client.post(
        "/admin/notifications/message/",
        {"action": "resend", "_selected_action": [sent.pk], "index": 0},
        follow=True,
    )
    assert "1 message queued again." in response.content.decode()
    again = Message.objects.get(pk=sent.pk)  # the test set-up's tasks run at once: sent again
    assert again.status == "sent" and again.attempts == 1 and again.sent_at > sent.sent_at
