"""Where the guide's journeys start, on the demo database (`load_demo`): the demo candidate,
the open period, a session with free seats, and a held or confirmed registration made without
the browser (the journeys that show those steps are 3.1–3.3)."""

from urllib.parse import urlsplit

from django.db.models import F
from django.test import Client

from rukhsa.accounts.models import User
from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Mode, Period, Session, SessionStatus, Specialization
from rukhsa.core import clock
from rukhsa.demo.loader import CANDIDATE_ID

MADA_OK = "4201320111111010"
VISA_OK = "4111111111111111"
OPEN_PERIOD = "splt-demo-open"
SPECIALIZATION = "mathematics"
CITY = "riyadh"


def card_expiry() -> str:
    return f"12/{(clock.today().year + 3) % 100:02d}"


def candidate(language: str = "ar") -> User:
    """The demo candidate (a man in Riyadh, mathematics), speaking `language`."""
    user = User.objects.get(identity_key=CANDIDATE_ID)
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user


def open_period() -> Period:
    return Period.objects.get(code=OPEN_PERIOD)


def specialization() -> Specialization:
    return Specialization.objects.get(code=SPECIALIZATION)


def free_sessions(mode: str, *, city: str = CITY, gender: str = "male") -> list[Session]:
    """Open sessions of the open period with free seats hosting mathematics, earliest first."""
    return list(
        Session.objects.filter(
            period__code=OPEN_PERIOD,
            status=SessionStatus.OPEN,
            centre__mode=mode,
            centre__gender=gender,
            centre__city__code=city,
            specializations__code=SPECIALIZATION,
            seats_taken__lt=F("capacity"),
        )
        .select_related("centre")
        .order_by("date", "start_time")
    )


def hold(user: User, mode: str = Mode.DIGITAL, index: int = 0) -> Registration:
    """A held seat (unpaid) in the `index`-th free session of `mode`."""
    session = free_sessions(mode)[index]
    return services.registration_hold(
        candidate=user, session_id=session.pk, specialization_id=specialization().pk
    )


def pay_without_browser(user: User, reference: str, number: str = MADA_OK) -> Registration:
    """The pay → card → 3-D Secure round trip through Django's test client (fast setup)."""
    client = Client()
    client.force_login(user)
    gateway = urlsplit(client.post(f"/registrations/{reference}/pay/")["Location"])
    card = f"{gateway.path}?{gateway.query}"  # the query holds the page's one-time grant
    three_ds = urlsplit(
        client.post(card, {"name": "A B", "number": number, "expiry": card_expiry(), "cvc": "123"})[
            "Location"
        ]
    ).path
    back = client.post(three_ds + "submit/", {"result": "authenticate"})["Location"]
    client.get(back)
    registration = Registration.objects.get(reference=reference)
    assert registration.status == Status.CONFIRMED, registration.status
    return registration


def confirmed(user: User, mode: str = Mode.DIGITAL, index: int = 0) -> Registration:
    """A confirmed (paid) registration in the `index`-th free session of `mode`."""
    return pay_without_browser(user, hold(user, mode, index).reference)


DIGITAL_CENTRE = "RIY-DM1"  # Riyadh, men, computer-based
PAPER_CENTRE = "RIY-PM1"  # Riyadh, men, paper


def first_free_session(centre: str) -> Session:
    """The earliest open session with free seats for mathematics at the centre `centre` (code)."""
    sessions = [s for mode in Mode for s in free_sessions(mode) if s.centre.code == centre]
    assert sessions, f"no free session at {centre} in {OPEN_PERIOD}"
    return sessions[0]


def full_session(centre: str) -> Session:
    """The earliest full open digital session for mathematics at the centre `centre` (code)."""
    session = (
        Session.objects.filter(
            period__code=OPEN_PERIOD,
            status=SessionStatus.OPEN,
            centre__code=centre,
            specializations__code=SPECIALIZATION,
            seats_taken__gte=F("capacity"),
        )
        .select_related("centre")
        .order_by("date", "start_time")
        .first()
    )
    assert session is not None, f"no full session at {centre} in {OPEN_PERIOD}"
    return session
