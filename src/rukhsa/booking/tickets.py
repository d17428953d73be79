"""Admission tickets (PRODUCT §5): the signed token in the QR code, what the ticket shows, the
PDF and the iCalendar file.

Token: ``<reference>.<ticket_version>.<signature>``, e.g. ``RK-7K3Q-9XPM.2.Xk3…`` (about 60
URL-safe characters). The signature is Django's ``Signer`` (HMAC-SHA256, key derived from
``SECRET_KEY`` with the salt below, url-safe base64 without padding), so keys can be rotated
with ``SECRET_KEY_FALLBACKS``. Changing the reference, the version or the signature makes the
token invalid; a token for an older ``ticket_version`` is genuine but superseded — check-in
refuses it (see ``rukhsa.booking.checkin``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rukhsa.accounts.models import IdentityType
from rukhsa.booking.models import Registration
from rukhsa.core.clock import RIYADH, now
from rukhsa.core.digits import is_number
from rukhsa.core.masking import mask_identity
from rukhsa.core.pdf import qr_svg, render_pdf

TOKEN_SALT = "rukhsa.booking.ticket"  # noqa: S105  (a salt, not a secret)
_SEP = "."


class TicketTokenInvalid(ValueError):
    """The token was not issued by us, or was altered (reference, version or signature)."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT, sep=_SEP, algorithm="sha256")


def ticket_token(registration: Registration) -> str:
    """The signed token the admission ticket's QR code carries."""
    return _signer().sign(f"{registration.reference}{_SEP}{registration.ticket_version}")


def ticket_token_verify(token: str) -> tuple[str, int]:
    """(reference, ticket_version) of a genuine token; ``TicketTokenInvalid`` otherwise."""
    token = (token or "").strip()
    if token.count(_SEP) != 2 or len(token) > 120:
        raise TicketTokenInvalid("malformed")
    try:
        value = _signer().unsign(token)
    except signing.BadSignature as exc:
        raise TicketTokenInvalid("bad signature") from exc
    reference, _sep, version = value.partition(_SEP)
    if not is_number(version):
        raise TicketTokenInvalid("bad version")
    return reference, int(version)


def looks_like_token(text: str) -> bool:
    """A token has two dots; a typed reference (RK-XXXX-XXXX) has none."""
    return text.count(_SEP) == 2


# --- What the ticket says ------------------------------------------------------------------------

DOCUMENTS: dict[str, tuple[Any, ...]] = {
    IdentityType.CITIZEN: (
        gettext_lazy("National identity card"),
        gettext_lazy("Saudi driving licence"),
        gettext_lazy("Passport, with a copy of the family card"),
    ),
    IdentityType.RESIDENT: (
        gettext_lazy("Iqama (residence permit)"),
        gettext_lazy("Saudi driving licence"),
        gettext_lazy("Passport, with a copy of the iqama"),
    ),
    IdentityType.VISITOR: (gettext_lazy("Passport (the one registered in your account)"),),
}


def accepted_documents(identity_type: str) -> list[str]:
    """The identity documents accepted at the door for this identity type (any one of them)."""
    return [str(d) for d in DOCUMENTS.get(identity_type, DOCUMENTS[IdentityType.VISITOR])]


def documents_note() -> str:
    return _("Bring one of them, original and valid. Fingerprint cards are not accepted.")


def ticket_rules(*, reporting_time: str) -> list[str]:
    return [
        _(
            "Arrive by the reporting time, %(time)s. Candidates who arrive after the test "
            "has started are not admitted."
        )
        % {"time": reporting_time},
        _("Bring this admission ticket (printed or on screen) and one accepted identity document."),
        _(
            "Mobile phones, smart watches, earphones, cameras and any other smart or electronic "
            "device are not allowed in the test room."
        ),
        _("Books, notes, papers and bags are not allowed in the test room."),
        _("Follow the invigilators' instructions. Cheating or trying to cheat cancels the test."),
    ]


@dataclass(frozen=True)
class Ticket:
    """Everything the ticket page, the PDF and the calendar file show."""

    registration: Registration
    candidate: Any
    token: str
    starts_at: datetime
    ends_at: datetime
    reporting_at: datetime
    duration_minutes: int
    masked_identity: str
    documents: list[str]
    rules: list[str]

    @property
    def session(self) -> Any:
        return self.registration.session

    @property
    def centre(self) -> Any:
        return self.registration.session.centre

    @property
    def qr(self) -> SafeString:
        return qr_svg(self.token, _("QR code of the admission ticket"))

    @property
    def map_qr(self) -> SafeString:
        """The centre's location on a map, for the printed ticket (a link cannot be clicked)."""
        return qr_svg(self.centre.map_url, _("QR code of the centre's location on a map"))


def ticket_for(registration: Registration) -> Ticket:
    """The ticket of a confirmed registration (the caller checks ownership and status)."""
    session = registration.session
    test = registration.test
    starts_at = session.starts_at.astimezone(RIYADH)
    reporting_at = starts_at - timedelta(minutes=test.reporting_minutes(registration.mode))
    candidate = registration.candidate
    return Ticket(
        registration=registration,
        candidate=candidate,
        token=ticket_token(registration),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=test.duration_minutes),
        reporting_at=reporting_at,
        duration_minutes=test.duration_minutes,
        masked_identity=mask_identity(candidate.identity_number),
        documents=accepted_documents(candidate.identity_type),
        rules=ticket_rules(reporting_time=formats.time_format(reporting_at, "TIME_FORMAT")),
    )


def ticket_pdf(ticket: Ticket) -> bytes:
    """One A4 page in the active language (Arabic shaped right to left by WeasyPrint)."""
    return render_pdf("booking/ticket_pdf.html", {"ticket": ticket})


# --- iCalendar (RFC 5545), written by hand: one event, folded and escaped ------------------------

VTIMEZONE_RIYADH = (
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Riyadh",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0300",
    "TZOFFSETTO:+0300",
    "TZNAME:+03",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def ics_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1)."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _local(moment: datetime) -> str:
    return moment.astimezone(RIYADH).strftime("%Y%m%dT%H%M%S")


def ticket_ics(ticket: Ticket, *, url: str = "", language: str = "ar") -> str:
    """The calendar file: one event from the reporting time (when the candidate must be at the
    door, not the test's start) to the test's end, in Asia/Riyadh, with two reminders: a day
    before and two hours before the reporting time.

    The UID is the same for every download and every version of this registration's ticket;
    SEQUENCE is the ticket version minus one, so a calendar that imported the file before a
    change of appointment updates the event instead of keeping a second, stale one.
    """
    registration = ticket.registration
    centre = ticket.centre
    arabic = language.startswith("ar")
    test_name = registration.test.name_ar if arabic else registration.test.name_en
    spec_name = (
        registration.specialization.name_ar if arabic else registration.specialization.name_en
    )
    centre_name = centre.name_ar if arabic else centre.name_en
    address = centre.address_ar if arabic else centre.address_en
    description = "\n".join(
        [
            _("Reference: %(reference)s") % {"reference": registration.reference},
            _("Reporting time: %(time)s")
            % {"time": formats.time_format(ticket.reporting_at, "TIME_FORMAT")},
            _("Start time: %(time)s")
            % {"time": formats.time_format(ticket.starts_at, "TIME_FORMAT")},
            _("Bring the admission ticket and one accepted identity document."),
            *([url] if url else []),
        ]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rukhsa//Admission ticket//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *VTIMEZONE_RIYADH,
        "BEGIN:VEVENT",
        f"UID:{registration.reference}@rukhsa",
        f"SEQUENCE:{max(registration.ticket_version - 1, 0)}",
        f"DTSTAMP:{now().astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID=Asia/Riyadh:{_local(ticket.reporting_at)}",
        f"DTEND;TZID=Asia/Riyadh:{_local(ticket.ends_at)}",
        "SUMMARY:" + ics_escape(f"{test_name} — {spec_name}"),
        "LOCATION:" + ics_escape(f"{centre_name}{'، ' if arabic else ', '}{address}"),
        f"GEO:{centre.latitude};{centre.longitude}",
        "DESCRIPTION:" + ics_escape(description),
        *([f"URL:{url}"] if url else []),
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:" + ics_escape(_("Test tomorrow: %(name)s") % {"name": test_name}),
        "TRIGGER:-P1D",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:"
        + ics_escape(_("Be at the test centre in two hours: %(name)s") % {"name": test_name}),
        "TRIGGER:-PT2H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(ics_fold(line) for line in lines) + "\r\n"
