"""The admission ticket: signed token, page, PDF (one A4 page, Arabic, QR) and calendar file."""

import re
import subprocess
from datetime import datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rukhsa.accounts.models import IdentityType
from rukhsa.booking import services
from rukhsa.booking.checkin import checkin_record
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.tickets import (
    TicketTokenInvalid,
    accepted_documents,
    ics_fold,
    ticket_token,
    ticket_token_verify,
)
from rukhsa.core import clock
from rukhsa.core.admin_site import roles_setup, staff_totp_enrol
from rukhsa.core.clock import RIYADH
from rukhsa.core.masking import mask_identity
from tests.booking.test_booking_payment import pay


def confirmed(candidate, session, spec, **fields) -> Registration:
    """A confirmed registration without going through payment (for tests not about paying)."""
    now = clock.now()
    status = fields.pop("status", Status.CONFIRMED)
    return Registration.objects.create(
        candidate=candidate, test=session.period.test, period=session.period, session=session,
        specialization=spec, mode=session.centre.mode, status=status,
        held_until=now + timedelta(minutes=15), confirmed_at=now, **fields,
    )  # fmt: skip


def new_staff(make_user, role: str | None = None, *, superuser=False, totp=True):
    """A staff user in a role (Group), with a confirmed TOTP device unless ``totp=False``."""
    user = make_user(is_staff=True, is_superuser=superuser)
    if role:
        roles_setup()
        user.groups.add(Group.objects.get(name=role))
    if totp:
        staff_totp_enrol(user=user)
    return user


@pytest.fixture
def make_staff(make_user):
    return lambda role=None, **options: new_staff(make_user, role, **options)


def client_for(user, language: str = "ar") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


URLS = ("tickets:ticket", "tickets:ticket_pdf", "tickets:ticket_ics")


# --- Token ----------------------------------------------------------------------------------------


def test_token_round_trip(cat, candidate):
    registration = confirmed(candidate, cat.slot, cat.spec, ticket_version=3)
    token = ticket_token(registration)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token), "URL-safe"
    assert len(token) < 70
    assert ticket_token_verify(token) == (registration.reference, 3)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: t.replace(".1.", ".2.", 1),  # version raised
        lambda t: "RK-AAAA-AAAA" + t[12:],  # another reference
        lambda t: t.rsplit(".", 1)[0] + ".",  # signature removed
        lambda t: "RK-AAAA-AAAA.1.forged-signature",
        lambda t: "not a token",
    ],
)
def test_forged_or_altered_tokens_are_refused(cat, candidate, tamper):
    token = ticket_token(confirmed(candidate, cat.slot, cat.spec))
    with pytest.raises(TicketTokenInvalid):
        ticket_token_verify(tamper(token))


def test_a_token_signed_with_another_key_is_refused(cat, candidate, settings):
    registration = confirmed(candidate, cat.slot, cat.spec)
    settings.SECRET_KEY = "another-key-" * 5
    token = ticket_token(registration)
    settings.SECRET_KEY = "yet-another-key-" * 5
    with pytest.raises(TicketTokenInvalid):
        ticket_token_verify(token)


@pytest.mark.parametrize(
    ("identity_type", "expected", "absent"),
    [
        (IdentityType.CITIZEN, ["National identity card", "family card"], "iqama"),
        (IdentityType.RESIDENT, ["Iqama", "Saudi driving licence", "copy of the iqama"], "family"),
        (IdentityType.VISITOR, ["Passport"], "licence"),
    ],
)
def test_accepted_documents_by_identity_type(identity_type, expected, absent):
    with translation.override("en"):
        documents = " | ".join(str(d) for d in accepted_documents(identity_type))
    for text in expected:
        assert text in documents
    assert absent not in documents.lower()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", URLS)
def test_only_the_owner_sees_the_ticket(cat, candidate, stranger, name):
    registration = confirmed(candidate, cat.slot, cat.spec)
    url = reverse(name, args=[registration.reference])
    assert client_for(candidate).get(url).status_code == 200
    assert (
        client_for(candidate)
        .get(url.replace(registration.reference, registration.reference.lower()))
        .status_code
        == 200
    )
    assert client_for(stranger).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("status", [Status.HELD, Status.EXPIRED, Status.CANCELLED])
@pytest.mark.parametrize("name", URLS)
def test_no_ticket_unless_confirmed(cat, candidate, status, name):
    registration = confirmed(candidate, cat.slot, cat.spec, status=status)
    assert (
        client_for(candidate).get(reverse(name, args=[registration.reference])).status_code == 404
    )


def test_unknown_reference_is_404(candidate):
    assert (
        client_for(candidate).get(reverse("tickets:ticket", args=["RK-0000-0000"])).status_code
        == 404
    )


# --- The page -------------------------------------------------------------------------------------


def test_ticket_page_shows_the_confirmed_test(cat, candidate):
    cat.digital.accessibility_en = "Step-free entrance on the east side; lift to the test room."
    cat.digital.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    page = client_for(candidate, "en").get(reverse("tickets:ticket", args=[registration.reference]))
    html = page.content.decode()
    assert registration.reference in html
    assert candidate.name_ar in html and candidate.name_en in html
    assert mask_identity(candidate.identity_number) in html
    assert candidate.identity_number not in html
    assert "Mathematics" in html and "Computer-based" in html
    assert cat.digital.name_en in html and cat.digital.address_en in html
    cat.digital.refresh_from_db()
    lat, lon = cat.digital.latitude, cat.digital.longitude
    assert f"https://www.openstreetmap.org/?mlat={lat}&amp;mlon={lon}#map=17/{lat}/{lon}" in html
    weekday = cat.slot.date.strftime("%A")
    assert weekday in html and re.search(r"\d{4}\sAH", html)  # Gregorian with weekday, and Hijri
    assert "Reporting time" in html and "7:30 AM" in html  # 30 minutes before 8:00 (digital)
    assert "8:00 AM" in html and "180 minutes" in html
    assert "National identity card" in html and "Fingerprint cards are not accepted" in html
    assert "Mobile phones" in html
    assert "<svg" in html and 'class="qr"' in html
    assert "Step-free entrance" in html
    assert reverse("tickets:ticket_pdf", args=[registration.reference]) in html
    assert reverse("tickets:ticket_ics", args=[registration.reference]) in html


def test_paper_ticket_reports_an_hour_early(cat, candidate):
    registration = confirmed(candidate, cat.sitting, cat.spec)
    html = (
        client_for(candidate, "en")
        .get(reverse("tickets:ticket", args=[registration.reference]))
        .content.decode()
    )
    assert "Paper" in html and "7:00 AM" in html


def test_ticket_page_is_arabic_by_default(cat, candidate):
    registration = confirmed(candidate, cat.slot, cat.spec)
    html = (
        client_for(candidate)
        .get(reverse("tickets:ticket", args=[registration.reference]))
        .content.decode()
    )
    assert '<html lang="ar" dir="rtl">' in html
    assert cat.digital.name_ar in html and cat.digital.address_ar in html


def test_the_registration_page_links_to_the_ticket(cat, candidate):
    registration = confirmed(candidate, cat.slot, cat.spec)
    html = (
        client_for(candidate)
        .get(reverse("booking:registration", args=[registration.reference]))
        .content.decode()
    )
    assert reverse("tickets:ticket", args=[registration.reference]) in html


# --- The PDF --------------------------------------------------------------------------------------


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout  # noqa: S603


def test_pdf_is_one_arabic_page_whose_qr_checks_in(
    cat, candidate, candidate_client, make_staff, tmp_path: Path
):
    # poppler extracts some Arabic ligatures in the wrong order (e.g. "بر"); this name has none.
    cat.digital.name_ar = "مركز الملك فهد"
    cat.digital.save()
    # The real path: hold, pay in the sandbox, then download the ticket.
    registration = services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    pay(candidate_client, registration)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    response = candidate_client.get(reverse("tickets:ticket_pdf", args=[registration.reference]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "ticket.pdf"
    pdf.write_bytes(response.content)

    info = run("pdfinfo", str(pdf))
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info)
    text = run("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    assert registration.reference in text
    assert cat.digital.name_ar in text  # Arabic, in logical order (shaped and right-to-left)
    assert mask_identity(candidate.identity_number) in text
    assert candidate.identity_number not in text

    run("pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page"))
    codes = run(
        "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "page.png")
    ).split()
    # The ticket's own code, and a smaller one with the centre's location for a phone's map.
    cat.digital.refresh_from_db()
    assert sorted(codes) == sorted([ticket_token(registration), cat.digital.map_url])
    decoded = ticket_token(registration)
    staff = make_staff("Support")
    with time_machine.travel(datetime.combine(cat.slot.date, time(7, 10), tzinfo=RIYADH)):
        checked = checkin_record(staff=staff, session=cat.slot, token_or_reference=decoded)
    assert checked.checked_in_at is not None


def test_pdf_follows_the_ui_language(cat, candidate, tmp_path: Path):
    registration = confirmed(candidate, cat.slot, cat.spec)
    url = reverse("tickets:ticket_pdf", args=[registration.reference])
    pdf = tmp_path / "en.pdf"
    pdf.write_bytes(client_for(candidate, "en").get(url).content)
    text = run("pdftotext", str(pdf), "-")
    assert "Admission ticket" in text and cat.digital.name_en in text


# --- The calendar file ----------------------------------------------------------------------------


def test_ics_parses_with_the_start_in_riyadh_and_the_duration(cat, candidate):
    cat.test.duration_minutes = 150
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    url = reverse("tickets:ticket_ics", args=[registration.reference])
    response = client_for(candidate).get(url)
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
    calendar = icalendar.Calendar.from_ical(raw)
    event = next(iter(calendar.walk("VEVENT")))
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Asia/Riyadh" or start.utcoffset() == timedelta(hours=3)
    # The event starts at the reporting time (30 minutes before an 08:00 digital start) and
    # ends with the test; reminders a day and two hours before the reporting time.
    assert start == datetime.combine(cat.slot.date, time(7, 30), tzinfo=RIYADH)
    assert event.decoded("DTEND") - start == timedelta(minutes=30 + 150)
    triggers = sorted(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM"))
    assert triggers == [-timedelta(days=1), -timedelta(hours=2)]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Riyadh"
    assert cat.digital.name_ar in str(event["LOCATION"])
    assert cat.digital.address_ar in str(event["LOCATION"])
    assert registration.reference in str(event["DESCRIPTION"])
    assert tuple(float(v) for v in event.decoded("GEO")) == (
        float(cat.digital.latitude),
        float(cat.digital.longitude),
    )
    # Stable UID across downloads; a change of appointment raises SEQUENCE, same event.
    again = icalendar.Calendar.from_ical(client_for(candidate).get(url).content)
    assert next(iter(again.walk("VEVENT")))["UID"] == event["UID"]
    Registration.objects.filter(pk=registration.pk).update(ticket_version=2)
    changed = next(
        iter(icalendar.Calendar.from_ical(client_for(candidate).get(url).content).walk("VEVENT"))
    )
    assert changed["UID"] == event["UID"] and int(changed["SEQUENCE"]) == int(event["SEQUENCE"]) + 1


def test_ics_escapes_and_folds_text(cat, candidate):
    cat.digital.address_en = "Building 7, Olaya; Riyadh\\North"
    cat.digital.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    raw = (
        client_for(candidate, "en")
        .get(reverse("tickets:ticket_ics", args=[registration.reference]))
        .content.decode()
    )
    assert "Building 7\\, Olaya\\; Riyadh\\\\North" in raw.replace("\r\n ", "")
    event = next(iter(icalendar.Calendar.from_ical(raw).walk("VEVENT")))
    assert str(event["LOCATION"]).endswith("Building 7, Olaya; Riyadh\\North")
    folded = ics_fold("DESCRIPTION:" + "ب" * 100)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "ب" * 100
