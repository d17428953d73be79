"""Every candidate page, visited in the order a candidate meets them, with its query count.

``walk()`` signs in a fresh ready candidate on the demo data (plus whatever else is loaded:
the national-scale test runs the same walk on a much larger database) and goes from the
dashboard through every choose step, the hold, payment (the sandbox gateway's pages and the
return), the ticket, the invoice, change and cancel, the waiting list and — as the demo
candidate, who has a published result — the results.
Each page's SQL statements are counted with ``CaptureQueriesContext``; the walk returns
``{page: count}`` and asserts each response is the page it expects (never a 500).

The choose steps are visited twice: the first visit computes the options (cached choices are
emptied before the walk), the second is served from the cache (catalog/choices.py).
"""

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rukhsa.accounts.models import User
from rukhsa.admission import services as admission
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog import choices
from rukhsa.demo import loader
from rukhsa.payments.models import Invoice
from rukhsa.results.models import Result
from tests.booking.booking_helpers import MADA_OK, path_of

SPEC = "mathematics"
CITY = "riyadh"
DIGITAL_CENTRE = "RIY-DM1"
PAPER_CENTRE = "RIY-PM1"


class Walk:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.counts: dict[str, int] = {}
        self.sql: dict[str, list[str]] = {}
        self.timed: dict[str, list[tuple[float, str]]] = {}  # (seconds, SQL) per statement
        self.wall: dict[str, float] = {}  # the page's time in the server, seconds
        self.cpu: dict[str, float] = {}  # the CPU time this thread spent on it, seconds

    def visit(
        self,
        page: str,
        url: str,
        *,
        method: str = "get",
        data: dict[str, Any] | None = None,
        expect: int = 200,
        client: Client | None = None,
    ) -> Any:
        who = client or self.client
        call: Callable[..., Any] = getattr(who, method)
        # The waiting rooms' settings are read once per 5 s per process, not per request: read
        # them now so that no page is charged for it by chance.
        admission.configs_forget()
        admission.configs()
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.thread_time()
            response = call(url, data or {})
            self.cpu[page] = time.thread_time() - cpu
            self.wall[page] = time.perf_counter() - wall
        assert response.status_code == expect, (page, response.status_code, url)
        self.counts[page] = len(captured.captured_queries)
        self.sql[page] = [q["sql"] for q in captured.captured_queries]
        self.timed[page] = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        return response


def _choose(period: str, **params: str) -> str:
    return reverse("booking:choose", args=[period]) + "?" + urlencode(params)


def walk(make_user: Callable[..., User]) -> Walk:
    """The whole candidate journey on the data loaded now; {page: queries}."""
    cache.clear()
    choices.forget_kept()
    candidate = make_user(gender="male")
    client = Client()
    client.force_login(candidate)
    w = Walk(client)
    period = loader.OPEN_PERIOD

    w.visit("dashboard", reverse("dashboard"))
    w.visit("profile", reverse("accounts:profile"))
    w.visit("start", reverse("booking:start"))
    w.visit("notes", reverse("booking:notes", args=[period]))
    w.visit(
        "notes: accept (POST)",
        reverse("booking:notes", args=[period]),
        method="post",
        data={"accept": "yes"},
        expect=302,
    )
    steps: list[tuple[str, dict[str, str]]] = [
        ("choose: mode", {}),
        ("choose: specialization", {"mode": "digital"}),
        ("choose: city", {"mode": "digital", "spec": SPEC}),
        # `pick`: the step is shown even where it has one answer (which the journey takes and
        # goes on), so the walk runs the same steps whatever the data's shape.
        ("choose: centre", {"mode": "digital", "spec": SPEC, "city": CITY, "pick": "centre"}),
        ("choose: date", {"mode": "digital", "spec": SPEC, "city": CITY, "centre": DIGITAL_CENTRE}),
    ]
    for page, params in steps:
        w.visit(page, _choose(period, **params))
    date_page = w.visit(steps[-1][0] + " (cached)", _choose(period, **steps[-1][1]))
    day = next(d for d, seats in date_page.context["choice"].options["date"].items() if seats.free)
    day = day.isoformat()
    slot_params = {**steps[-1][1], "date": day}
    slot_page = w.visit("choose: slot", _choose(period, **slot_params))
    w.visit("choose: slot (cached)", _choose(period, **slot_params))
    for page, params in steps[1:-1]:
        w.visit(page + " (cached)", _choose(period, **params))
    paper = {"mode": "paper", "spec": SPEC, "city": CITY, "centre": PAPER_CENTRE}
    w.visit("choose: sitting", _choose(period, **paper))
    w.visit("choose: sitting (cached)", _choose(period, **paper))

    session = next(s for s in slot_page.context["options"] if not s.is_full)
    review = reverse("booking:review", args=[period])
    w.visit("review", review + "?" + urlencode({"session": session.pk, "spec": SPEC}))
    held = w.visit(
        "review: hold (POST)",
        review,
        method="post",
        data={"session": session.pk, "spec": SPEC},
        expect=302,
    )
    registration = Registration.objects.get(candidate=candidate, status=Status.HELD)
    # Confirming the hold goes straight on to the gateway's card page; a candidate who comes
    # back to the registration pays from there.
    assert "/registrations/" not in held["Location"]
    ref = [registration.reference]
    w.visit("registration (held)", reverse("booking:registration", args=ref))
    paying = w.visit("pay (POST)", reverse("booking:pay", args=ref), method="post", expect=302)
    # The sandbox gateway's pages (the card form, 3-D Secure), then the return to our site.
    # The pay link carries a one-use grant, spent by this first visit; the card form posts to
    # the page's own address (without it).
    w.visit("gateway: card (grant)", path_of(paying["Location"]))
    card = path_of(paying["Location"]).split("?")[0]
    w.visit("gateway: card", card)
    secure = w.visit(
        "gateway: card (POST)",
        card,
        method="post",
        data={"name": "MOHAMMED ALQAHTANI", "number": MADA_OK, "expiry": "12/39", "cvc": "123"},
        expect=302,
    )
    secure_page = w.visit("gateway: 3-D Secure", path_of(secure["Location"]))
    action = re.search(r'action="([^"]+/3ds/submit/)"', secure_page.content.decode())
    assert action is not None
    back = w.visit(
        "gateway: 3-D Secure (POST)",
        action.group(1),
        method="post",
        data={"result": "authenticate"},
        expect=302,
    )
    w.visit("payment return", path_of(back["Location"]), expect=302)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    w.visit("registration (confirmed)", reverse("booking:registration", args=ref))
    w.visit("registrations", reverse("booking:registrations"))
    w.visit("ticket", reverse("tickets:ticket", args=ref))
    invoice = Invoice.objects.get(order_id=registration.order_id)
    w.visit("invoice", reverse("payments:invoice", args=[invoice.uuid]))
    change = reverse("booking:change", args=ref)
    w.visit("change", change)
    w.visit("change: city", change + "?" + urlencode({"pick": "city"}))
    w.visit("cancel", reverse("booking:cancel", args=ref))
    w.visit("waitlist", reverse("booking:waitlist"))
    w.visit(
        "waitlist: join",
        reverse("booking:waitlist_join", args=[period]) + "?" + urlencode({"spec": SPEC}),
    )
    w.visit("dashboard (registered)", reverse("dashboard"))

    demo = User.objects.get(identity_key=loader.CANDIDATE_ID)
    demo_client = Client()
    demo_client.force_login(demo)
    result = Result.objects.filter(registration__candidate=demo).order_by("pk").first()
    assert result is not None
    # From the dashboard, as the candidate arrives (a client's first request costs more CPU than
    # the same page later: it would be charged to the results list).
    w.visit("dashboard (with a result)", reverse("dashboard"), client=demo_client)
    w.visit("results", reverse("results:list"), client=demo_client)
    w.visit("result", reverse("results:detail", args=[result.pk]), client=demo_client)
    return w


def table(counts: dict[str, int]) -> str:
    width = max(map(len, counts))
    return "\n".join(f"{page.ljust(width)}  {n}" for page, n in counts.items())


def normalised(sql: str) -> str:
    """A statement with its literals blanked, to compare statements across runs."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)
