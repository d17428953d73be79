"""Check-in at the centre: token, version, session, day, status and once; staff-only pages and
rosters with masked identities."""

import csv
import io
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from rukhsa.booking.checkin import CheckInError, checkin_record, normalize_reference
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.tickets import ticket_token
from rukhsa.core.clock import RIYADH
from rukhsa.core.masking import mask_identity
from rukhsa.core.models import AuditLog
from tests.booking.test_booking_ticket import confirmed, new_staff
from tests.catalog.conftest import verified_client
from tests.catalog.factories import make_session


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def on_the_day(session, hour: int = 7, minute: int = 5):
    """Travel to `session`'s date in Riyadh, before it starts."""
    return time_machine.travel(
        datetime.combine(session.date, time(hour, minute), tzinfo=RIYADH), tick=False
    )


@pytest.fixture
def make_staff(make_user):
    return lambda role=None, **options: new_staff(make_user, role, **options)


@pytest.fixture
def staff(make_staff):
    return make_staff("Support")


@pytest.fixture
def registration(cat, candidate) -> Registration:
    return confirmed(candidate, cat.slot, cat.spec)


def refused(code: str, **kwargs) -> CheckInError:
    with pytest.raises(CheckInError) as info:
        checkin_record(**kwargs)
    assert info.value.code == code, info.value.message
    return info.value


# --- The rules ---------------------------------------------------------------------------------


def test_first_check_in_is_recorded_once_and_audited(cat, registration, staff):
    with on_the_day(cat.slot):
        done = checkin_record(
            staff=staff, session=cat.slot, token_or_reference=ticket_token(registration)
        )
        again = refused(
            "already", staff=staff, session=cat.slot, token_or_reference=ticket_token(registration)
        )
    registration.refresh_from_db()
    assert done.pk == registration.pk
    assert registration.checked_in_at == datetime.combine(cat.slot.date, time(7, 5), tzinfo=RIYADH)
    assert registration.checked_in_by == staff
    assert "Already checked in at 7:05 AM" in again.message
    assert staff.name_en in again.message
    entries = AuditLog.objects.filter(action="booking.checkin", object_id=str(registration.pk))
    assert entries.count() == 1 and entries.get().actor == staff
    assert AuditLog.objects.filter(
        action="booking.checkin_refused", note__startswith="already"
    ).exists()


def test_a_second_device_later_is_told_when_the_first_happened(
    cat, registration, staff, make_staff
):
    with on_the_day(cat.slot, 7, 5):
        checkin_record(staff=staff, session=cat.slot, token_or_reference=registration.reference)
    with on_the_day(cat.slot, 7, 40):
        error = refused(
            "already",
            staff=make_staff("Support"),
            session=cat.slot,
            token_or_reference=ticket_token(registration),
        )
    assert "7:05 AM" in error.message
    registration.refresh_from_db()
    assert registration.checked_in_by == staff


def test_forged_token_is_refused(cat, registration, staff):
    token = ticket_token(registration)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with on_the_day(cat.slot):
        error = refused("forged", staff=staff, session=cat.slot, token_or_reference=forged)
    assert "not genuine" in error.message
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


@pytest.mark.parametrize("part", ["reference", "version"])
def test_altered_token_is_refused(cat, registration, staff, part):
    token = ticket_token(registration)
    reference, version, signature = token.split(".")
    if part == "version":
        altered = f"{reference}.{int(version) + 1}.{signature}"
    else:
        altered = f"RK-{reference[3:7][::-1]}-{reference[8:]}.{version}.{signature}"
    with on_the_day(cat.slot):
        refused("forged", staff=staff, session=cat.slot, token_or_reference=altered)


def test_superseded_ticket_is_refused(cat, registration, staff):
    old = ticket_token(registration)
    Registration.objects.filter(pk=registration.pk).update(ticket_version=2)
    with on_the_day(cat.slot):
        error = refused("superseded", staff=staff, session=cat.slot, token_or_reference=old)
        assert "replaced by a newer one" in error.message
        current = Registration.objects.get(pk=registration.pk)
        assert checkin_record(
            staff=staff, session=cat.slot, token_or_reference=ticket_token(current)
        ).checked_in_at


@pytest.mark.parametrize("days", [-1, 1])
def test_wrong_day_is_refused(cat, registration, staff, days):
    with time_machine.travel(
        datetime.combine(cat.slot.date + timedelta(days=days), time(8), tzinfo=RIYADH), tick=False
    ):
        error = refused(
            "wrong_day",
            staff=staff,
            session=cat.slot,
            token_or_reference=ticket_token(registration),
        )
    assert "not today" in error.message
    assert str(cat.slot.date.day) in error.message and cat.slot.date.strftime("%B") in error.message


def test_the_day_is_the_day_in_riyadh(cat, registration, staff):
    # 23:30 UTC the evening before is 02:30 in Riyadh on the test day.
    evening_utc = datetime.combine(cat.slot.date - timedelta(days=1), time(23, 30), tzinfo=UTC)
    with time_machine.travel(evening_utc, tick=False):
        assert checkin_record(
            staff=staff, session=cat.slot, token_or_reference=registration.reference
        ).checked_in_at


def test_wrong_session_is_refused_naming_the_right_one(cat, registration, staff):
    other = make_session(
        cat.digital, cat.period, day=cat.slot.date, start=time(11), specializations=[cat.spec]
    )
    with on_the_day(cat.slot):
        error = refused(
            "wrong_session",
            staff=staff,
            session=other,
            token_or_reference=ticket_token(registration),
        )
    assert "booked for another session" in error.message
    assert cat.digital.name_en in error.message and "8:00 AM" in error.message
    assert error.registration == registration  # the page can still show who it is


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.EXPIRED, Status.HELD])
def test_only_confirmed_registrations_check_in(cat, candidate, staff, status):
    registration = confirmed(candidate, cat.slot, cat.spec, status=status)
    with on_the_day(cat.slot):
        error = refused(
            "not_confirmed",
            staff=staff,
            session=cat.slot,
            token_or_reference=ticket_token(registration),
        )
    assert "is not confirmed" in error.message


def test_typed_reference_is_accepted_in_any_spelling(cat, registration, staff):
    typed = registration.reference.lower().replace("-", " ")
    assert normalize_reference(typed) == registration.reference
    assert normalize_reference("RK-١٢٣٤-ABCD") == "RK-1234-ABCD"
    with on_the_day(cat.slot):
        assert checkin_record(staff=staff, session=cat.slot, token_or_reference=typed).checked_in_at
    note = AuditLog.objects.get(action="booking.checkin").note
    assert "typed" in note


def test_typed_reference_still_checks_session_and_day(cat, registration, staff):
    other = make_session(cat.paper, cat.period, day=cat.slot.date, start=time(9))
    with on_the_day(cat.slot):
        refused(
            "wrong_session", staff=staff, session=other, token_or_reference=registration.reference
        )
    with time_machine.travel(
        datetime.combine(cat.slot.date - timedelta(days=2), time(9), tzinfo=RIYADH), tick=False
    ):
        refused(
            "wrong_day", staff=staff, session=cat.slot, token_or_reference=registration.reference
        )


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty"), ("hello", "unreadable"), ("RK-0000-0000", "unknown")]
)
def test_nonsense_is_refused_with_a_sentence(cat, staff, text, code):
    with on_the_day(cat.slot):
        assert refused(code, staff=staff, session=cat.slot, token_or_reference=text).message


# --- The staff pages ----------------------------------------------------------------------------

STAFF_URLS = [
    lambda s: reverse("tickets:checkin"),
    lambda s: reverse("tickets:roster_csv", args=[s.pk]),
    lambda s: reverse("tickets:roster_xlsx", args=[s.pk]),
    lambda s: reverse("tickets:roster_pdf", args=[s.pk]),
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_need_staff_with_a_verified_authenticator(cat, candidate, make_staff, url):
    path = url(cat.slot)
    for client in (
        Client(),
        force(candidate),
        force(make_staff("Support")),
        force(make_staff("Support", totp=False)),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next=")
    assert verified_client(make_staff("Support")).get(path).status_code == 200
    assert verified_client(make_staff(superuser=True)).get(path).status_code == 200
    # Verified staff in a role without registrations (finance) are refused.
    assert verified_client(make_staff("Finance")).get(path).status_code == 403


def force(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_check_in_page_lists_todays_sessions_first_and_checks_in(
    cat, candidate, registration, make_staff
):
    staff = make_staff("Support")
    later = make_session(
        cat.paper, cat.period, day=cat.slot.date + timedelta(days=1), start=time(8)
    )
    with on_the_day(cat.slot):
        client = verified_client(staff)  # logged in on the day (sessions time out)
        html = client.get(reverse("tickets:checkin")).content.decode()
        today_group = html.index('label="Today"')
        other_group = html.index('label="Other days"')
        assert today_group < html.index(f'value="{cat.slot.pk}"') < other_group
        assert other_group < html.index(f'value="{later.pk}"')

        page = client.get(reverse("tickets:checkin"), {"session": cat.slot.pk})
        assert "Checked in: 0 of 1" in page.content.decode()
        response = client.post(
            reverse("tickets:checkin"), {"session": cat.slot.pk, "code": ticket_token(registration)}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Checked in." in html and "Checked in: 1 of 1" in html
        assert candidate.name_ar in html and candidate.name_en in html
        assert mask_identity(candidate.identity_number) in html
        assert candidate.identity_number not in html
        assert "National identity card" in html  # which documents to check

        again = client.post(
            reverse("tickets:checkin"), {"session": cat.slot.pk, "code": registration.reference}
        )
        assert again.status_code == 409
        assert "Already checked in at 7:05 AM" in again.content.decode()


def test_check_in_page_without_csrf_token_is_refused(cat, registration, make_staff):
    client = verified_client(make_staff("Support"))
    client.handler.enforce_csrf_checks = True
    response = client.post(
        reverse("tickets:checkin"), {"session": cat.slot.pk, "code": registration.reference}
    )
    assert response.status_code == 403
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


def test_unknown_session_is_a_sentence_not_an_error(make_staff, db):
    client = verified_client(make_staff("Support"))
    response = client.get(reverse("tickets:checkin"), {"session": "999999"})
    assert (
        response.status_code == 404
        and "Choose a session from the list." in response.content.decode()
    )
    assert client.get(reverse("tickets:roster_csv", args=[999999])).status_code == 404


# --- Rosters -----------------------------------------------------------------------------------


@pytest.fixture
def roster_session(cat, make_user, staff):
    """Two confirmed candidates (one checked in), one cancelled, one in another session."""
    people = [make_user(), make_user(identity_type="resident"), make_user(), make_user()]
    first = confirmed(people[0], cat.slot, cat.spec)
    confirmed(people[1], cat.slot, cat.spec)
    confirmed(people[2], cat.slot, cat.spec, status=Status.CANCELLED)
    confirmed(people[3], cat.slot_late, cat.spec)
    with on_the_day(cat.slot, 7, 12):
        checkin_record(staff=staff, session=cat.slot, token_or_reference=first.reference)
    return cat.slot, people


def test_roster_csv_has_masked_identities_only(roster_session, make_staff):
    session, people = roster_session
    response = verified_client(make_staff("Support")).get(
        reverse("tickets:roster_csv", args=[session.pk])
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["No.", "Reference"] and "Identity number" in rows[0]
    assert len(rows) == 3  # header + the two confirmed candidates of this session
    for person in people:
        assert person.identity_number not in text
    for person in people[:2]:
        assert mask_identity(person.identity_number) in text
    assert mask_identity(people[3].identity_number) not in text  # another session
    assert "Present (7:12 AM)" in text
    assert "Resident" in text


def test_roster_xlsx_has_masked_identities_only(roster_session, make_staff):
    session, people = roster_session
    response = verified_client(make_staff("Support")).get(
        reverse("tickets:roster_xlsx", args=[session.pk])
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    joined = " | ".join(values)
    for person in people:
        assert person.identity_number not in joined
    for person in people[:2]:
        assert mask_identity(person.identity_number) in values
    assert sheet.cell(row=2, column=2).value == "Reference"
    assert sheet.max_row == 4  # title, header, two candidates


def test_roster_pdf_is_printable_arabic_with_masked_identities(
    roster_session, make_staff, tmp_path: Path
):
    session, people = roster_session
    client = verified_client(make_staff("Support"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get(reverse("tickets:roster_pdf", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "roster.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)  # noqa: S603, S607
    assert "(A4)" in info.stdout
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for person in people:
        assert person.identity_number not in text
    assert people[0].name_en in text or people[0].name_en_family in text


def test_roster_queries_do_not_grow_with_the_candidates(
    cat, make_user, make_staff, django_assert_max_num_queries
):
    client = verified_client(make_staff("Support"))
    for _ in range(6):
        confirmed(make_user(), cat.slot, cat.spec)
    with django_assert_max_num_queries(12):
        client.get(reverse("tickets:roster_csv", args=[cat.slot.pk]))


def test_sessions_of_any_date_can_be_found_by_date_and_centre(cat, make_staff):
    client = verified_client(make_staff("Support"))
    far = make_session(cat.paper, cat.period, day=cat.slot.date + timedelta(days=40))
    html = client.get(reverse("tickets:checkin")).content.decode()
    assert f'value="{far.pk}"' not in html  # outside the default fortnight
    html = client.get(reverse("tickets:checkin"), {"date": far.date.isoformat()}).content.decode()
    assert f'value="{far.pk}"' in html and f'value="{cat.slot.pk}"' not in html
    html = client.get(
        reverse("tickets:checkin"), {"date": cat.slot.date.isoformat(), "centre": "RUH-D-F"}
    ).content.decode()
    assert f'value="{cat.women_slot.pk}"' in html and f'value="{cat.slot.pk}"' not in html
    bad = client.get(reverse("tickets:checkin"), {"date": "31-31-2026"})
    assert bad.status_code == 200


def test_a_check_in_through_the_page_is_audited_with_the_client_address(
    cat, registration, make_staff, settings
):
    """The view hands the service the client's address (one proxy-aware function); the
    audit row carries it, and a forged X-Forwarded-For hop is not believed."""
    settings.PROXY_COUNT = 1
    staff = make_staff("Support")
    with on_the_day(cat.slot):
        client = verified_client(staff)
        client.post(
            reverse("tickets:checkin"),
            {"session": cat.slot.pk, "code": ticket_token(registration)},
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
        )
    entry = AuditLog.objects.get(action="booking.checkin", object_id=str(registration.pk))
    assert entry.ip_address == "203.0.113.9"
