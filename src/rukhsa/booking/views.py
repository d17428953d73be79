"""The registration journey (PRODUCT §4), one plain GET form per choice, and my registrations.

available tests → test (notes + terms, accepted once per period) → mode → specialization →
city → centre → date on a month calendar, with its times below (computer-based) or sitting
(paper) → review → confirm (hold) → the payment page.

The choices travel in the query string (`?mode=…&spec=…&city=…&centre=…&date=…`), so every step
works without JavaScript, can be bookmarked, and a bad value just sends the candidate back to
that step with a sentence — never an error page. A step with one possible answer is taken and
shown as chosen; the city of residence is chosen when it has seats (`pick=<step>` asks for the
step again). With JavaScript, htmx (hx-boost on the step's form, the choices and the calendar)
swaps each next step into the page's #journey region. To such a swap (`HX-Target: journey`)
a choose step answers only that region (`booking/_choose_journey.html`, the very markup the full
page includes), skipping the page chrome of `base.html`; a plain GET, a history restore, or a
request with flash messages waiting gets the full page.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rukhsa.accounts.models import User
from rukhsa.booking import calendar, changes, selectors, services, terms, waitlist
from rukhsa.booking import payment as booking_payment
from rukhsa.booking.errors import BookingError
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog import choices
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Centre, City, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.core.digits import is_number
from rukhsa.core.frames import render_framed
from rukhsa.guide.links import slugs_for


def _candidate(request: HttpRequest) -> User:
    """The signed-in candidate (the views are behind login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _readiness(user: User, back: str) -> list[tuple[str, str]]:
    """What must be done before booking (selectors.readiness_gaps): (sentence, link).

    Each link carries `next=back` (this booking step, with every choice in its query string),
    so that after fixing the gap the candidate lands where they were. Nothing is built for a
    candidate with no gap (an opening's usual case: this runs on every booking page)."""
    gaps = selectors.readiness_gaps(user)
    if not gaps:
        return []
    after = "?" + urlencode({"next": back})
    steps = {
        selectors.Gap.MOBILE: (
            _("Verify your mobile number."),
            reverse("accounts:verify_mobile") + after,
        ),
        selectors.Gap.EMAIL: (
            _("Verify your email address."),
            reverse("accounts:verify_email") + after,
        ),
        selectors.Gap.PROFILE: (
            _("Add your qualification, major, teaching experience and employment."),
            reverse("accounts:profile_edit") + after,
        ),
    }
    return [steps[gap] for gap in gaps]


def _journey_swap(request: HttpRequest) -> bool:
    """True when htmx asks to swap the #journey region only (see the module's docstring).

    Not on a history restore (htmx wants the whole page back), and not while flash messages
    wait: the full page shows them, so they are not used up by a region that has no place
    for them."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.target != "journey" or htmx.history_restore_request:
        return False
    return not messages.get_messages(request)


@login_required
def register_start(request: HttpRequest) -> HttpResponse:
    """Available tests: every period still taking registrations, open or not yet for me."""
    user = _candidate(request)
    with choices.snapshot():  # the periods and the version their rows were cached under
        offers = catalog.candidate_periods(gender=user.gender, in_service=user.in_service)
        rows = choices.catalogue_version()
    active = (
        {r.test_id: r for r in selectors.active_registrations(candidate=user)}
        if selectors.holds_any(candidate=user)
        else {}
    )
    accepted = terms.accepted_periods(candidate=user, periods=[o.period for o in offers])
    context = {"offers": offers, "active": active, "accepted": accepted}
    # The same page for every candidate whose periods stand alike (open or when, notes accepted
    # or not), but for the readiness notice; with links to their own registrations, their own.
    return render_framed(
        request,
        "booking/start.html",
        context,
        vary=(
            rows,
            *(
                (
                    offer.period.pk,
                    offer.is_open,
                    offer.opens_at,
                    offer.closes_at,
                    offer.period.pk in accepted,
                )
                for offer in offers
            ),
        ),
        slots={"readiness": _readiness_html(_readiness(user, request.get_full_path()))},
        shared=not active,
    )


def _period_or_404(code: str) -> Period:
    period = catalog.period_by_code(code)
    if period is None:
        raise Http404
    return period


@never_cache
@login_required
def register_notes(request: HttpRequest, period_code: str) -> HttpResponse:
    """The test, its fee, the pre-registration notes and the terms to accept (once per period:
    until the terms change, the page stays readable and says they were accepted)."""
    with choices.snapshot():  # the period and the version its row was cached under: one read
        period = _period_or_404(period_code)
        rows = choices.catalogue_version()
    user = _candidate(request)
    error = ""
    if request.method == "POST":
        if request.POST.get("accept") == "yes":
            terms.terms_accept(candidate=user, period=period)
            return redirect("booking:choose", period_code=period.code)
        error = _("Please confirm that you have read the notes and accept the terms.")
    opens_at = catalog.candidate_opens_at(period, gender=user.gender, in_service=user.in_service)
    context = {
        "period": period,
        "test": period.test,
        "error": error,
        "opens_at": opens_at if opens_at and opens_at > clock.now() else None,
        "not_for_candidate": opens_at is None,
        "accepted": terms.terms_accepted(candidate=user, period=period),
    }
    # The same page for everyone at this point of this period (the catalogue's rows as cached),
    # but for the readiness notice; with the box's error, its own.
    return render_framed(
        request,
        "booking/notes.html",
        context,
        vary=(
            rows,
            period.pk,
            context["opens_at"],
            context["not_for_candidate"],
            context["accepted"],
        ),
        slots={"readiness": _readiness_html(_readiness(user, request.get_full_path()))},
        shared=not error,
    )


def _readiness_html(todo: list[tuple[str, str]]) -> str:
    """The readiness notice (`_readiness`'s list as HTML; nothing when there is no gap)."""
    return render_to_string("booking/_readiness.html", {"todo": todo}) if todo else ""


@dataclass
class Choice:
    """The candidate's choices so far, parsed from the query string."""

    period: Period
    mode: str = ""
    specialization: Specialization | None = None
    city: City | None = None
    centre: Centre | None = None
    day: date | None = None
    problems: list[str] = field(default_factory=list)
    # Steps with one possible answer ("spec", "city", "centre"): taken, shown without "change".
    single: set[str] = field(default_factory=set)
    # The city was taken from the candidate's profile (city of residence).
    home_city: bool = False
    # The options of each step reached, so the page shows them without asking again.
    options: dict[str, Any] = field(default_factory=dict)

    def query(self, **extra: str) -> str:
        values = {
            "mode": self.mode,
            "spec": self.specialization.code if self.specialization else "",
            "city": self.city.code if self.city else "",
            "centre": self.centre.code if self.centre else "",
            "date": self.day.isoformat() if self.day else "",
        }
        values.update(extra)
        return urlencode({k: v for k, v in values.items() if v})

    def hidden(self) -> list[tuple[str, str]]:
        return [tuple(pair.split("=", 1)) for pair in self.query().split("&") if pair]  # type: ignore[misc]

    def link(self, upto: str, **extra: str) -> str:
        """The query string of the choices before step `upto`, asking for that step again."""
        names = ("mode", "spec", "city", "centre", "date")
        dropped = {n: "" for n in names[names.index(upto) :]}
        return "?" + self.query(**dropped, pick=upto, **extra)

    def change_links(self) -> dict[str, str]:
        return {name: self.link(name) for name in ("mode", "spec", "city", "centre", "date")}


def _pick(options: list[Any], code: str) -> Any:
    return next((option for option in options if option.code == code), None)


def _parse_choice(request: HttpRequest, period: Period, user: User) -> Choice:
    """Each value is kept only if it is valid given the ones before it. A step with a single
    possible answer is taken; the city of residence is taken when it has seats — unless the
    candidate asked for that step again (`pick`)."""
    choice = Choice(period=period)
    asked = request.GET.get("pick", "")
    modes = period.offered_modes
    mode = request.GET.get("mode", "")
    if len(modes) == 1:
        mode = modes[0]
    if mode not in modes:
        if mode:
            choice.problems.append(_("Please choose the kind of test again."))
        return choice
    choice.mode = mode
    spec = request.GET.get("spec", "")
    specs = list(catalog.period_specializations(period=period, mode=mode, gender=user.gender))
    choice.options["spec"] = specs
    if len(specs) == 1:
        choice.single.add("spec")
    choice.specialization = _pick(specs, spec) if spec else None
    if choice.specialization is None:
        if spec:
            choice.problems.append(_("This specialization has no free seats. Please choose again."))
            return choice
        if len(specs) != 1 or asked == "spec":
            return choice
        choice.specialization = specs[0]
    city_code = request.GET.get("city", "")
    cities = list(
        catalog.cities_with_seats(
            period=period, mode=mode, specialization=choice.specialization, gender=user.gender
        )
    )
    choice.options["city"] = cities
    if len(cities) == 1:
        choice.single.add("city")
    choice.city = _pick(cities, city_code) if city_code else None
    if choice.city is None:
        if city_code:
            choice.problems.append(_("This city has no free seats now. Please choose again."))
            return choice
        if asked == "city":
            return choice
        if len(cities) == 1:
            choice.city = cities[0]
        else:
            choice.city = _pick(cities, user.city) if user.city else None
            choice.home_city = choice.city is not None
        if choice.city is None:
            return choice
    centre_code = request.GET.get("centre", "")
    centres = list(
        catalog.centres_with_seats(
            period=period,
            mode=mode,
            specialization=choice.specialization,
            gender=user.gender,
            city=choice.city,
        )
    )
    choice.options["centre"] = centres
    if len(centres) == 1:
        choice.single.add("centre")
    choice.centre = _pick(centres, centre_code) if centre_code else None
    if choice.centre is None:
        if centre_code:
            choice.problems.append(_("This centre has no free seats now. Please choose again."))
            return choice
        if len(centres) != 1 or asked == "centre":
            return choice
        choice.centre = centres[0]
    if mode != Mode.DIGITAL:
        return choice
    days = selectors.day_seats_for_choice(
        period=period,
        specialization=choice.specialization,
        gender=user.gender,
        centre=choice.centre,
    )
    choice.options["date"] = days
    raw_day = request.GET.get("date", "")
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            day = None
        seats = days.get(day) if day else None
        if seats is not None and seats.level != selectors.Seats.NONE:
            choice.day = day
        elif seats is not None:
            choice.problems.append(
                _("This date is full. Please choose another date, or join its waiting list.")
            )
        else:
            choice.problems.append(_("This date has no free seats now. Please choose again."))
    return choice


def _choose_step(period: Period, user: User, choice: Choice) -> tuple[str, list[Any]]:
    """The step to show next and its options (read from the cached choices)."""
    if not choice.mode:
        return "mode", [(m, Mode(m).label) for m in period.offered_modes]
    if choice.specialization is None:
        return "specialization", choice.options["spec"]
    if choice.city is None:
        return "city", choice.options["city"]
    if choice.centre is None:
        return "centre", choice.options["centre"]
    if choice.mode == Mode.DIGITAL and choice.day is None:
        return "date", []
    # Lapsed holds never hide a seat: the reads count them as free (no write on a GET).
    sessions = selectors.sessions_for_choice(
        period=period,
        specialization=choice.specialization,
        gender=user.gender,
        centre=choice.centre,
        day=choice.day,
    )
    return ("slot" if choice.mode == Mode.DIGITAL else "sitting"), sessions


def _choose_body(
    request: HttpRequest,
    *,
    version: int,
    gender: str,
    choice: Choice,
    step: str,
    options: list[Any],
    month: date | None,
) -> str:
    """The choose step's markup below the readiness notice (the choices so far, the calendar,
    the options), kept in the cache for `choices.TTL`.

    It is the same for every candidate of a gender who reached the same choices, so it is
    keyed by what it shows, not by what was asked: the catalogue version read before the
    options, the day, the language, the gender, the parsed choices and their problems, the
    month shown, and the seats as shown (each day's level — many, few, full — and whether each
    listed session is full; the sessions' seats left are written in on every request), so a
    seat taken or freed that changes what the page says is a new key at once, whatever the
    versions say, and one that does not (a calendar day going from 15 free seats to 14, still
    "many") keeps the rendering during a burst. A query string of junk parses to the same few
    keys, so it cannot fill the cache."""
    days = choice.options.get("date") or {}
    parts = (
        version,
        clock.today().isoformat(),
        get_language(),
        choice.period.pk,
        gender,
        choice.query(),
        sorted(choice.single),
        choice.home_city,
        [str(problem) for problem in choice.problems],
        step,
        month.isoformat() if month else "",
        [(day.isoformat(), seats.level) for day, seats in days.items()],  # what the cells say
        [
            (option.pk, option.is_full) if isinstance(option, Session) else _ident(option)
            for option in options
        ],
    )
    key = "rukhsa:choose-body:" + hashlib.sha256(repr(parts).encode()).hexdigest()

    def render_body() -> str:
        context: dict[str, Any] = {
            "period": choice.period,
            "choice": choice,
            "change": choice.change_links(),
            "step": step,
            "options": options,
        }
        if month is not None:
            context["calendar"] = calendar.build(
                month=month,
                days=days,
                chosen=choice.day,
                link=lambda **extra: "?" + choice.query(**extra),
            )
        return render_to_string("booking/_choose_body.html", context, request)

    body = choices.keep(key, render_body)
    if step in ("slot", "sitting"):
        body = _with_seats_left(body, options)
    return mark_safe(body)  # noqa: S308 — our own template's output, escaped when rendered


_SEATS_LEFT = re.compile(r"<!--seats:(\d+)-->")


def _with_seats_left(body: str, sessions: list[Session]) -> str:
    """Each listed session's "N seats left", written into the shared markup (which marks the
    place): the count changes with every seat taken, the rest of the list does not."""
    left = {session.pk: session.seats_free for session in sessions}

    def text(found: re.Match[str]) -> str:
        seats = left.get(int(found.group(1)), 0)
        return ngettext("%(seats)s seat left", "%(seats)s seats left", seats) % {
            "seats": formats.localize(seats)
        }

    return _SEATS_LEFT.sub(text, body)


def _ident(option: Any) -> Any:
    """A step's option as the cache key knows it: its primary key, or the mode's value."""
    return option.pk if hasattr(option, "pk") else option[0]


@never_cache
@login_required
def register_choose(request: HttpRequest, period_code: str) -> HttpResponse:
    """Show the next choice to make, with the choices so far and links to change them.

    Computer-based: once the centre is known, a month calendar of its days (seats left in
    words), and the chosen day's times below it."""
    # One reading of the version numbers for every cached row and option list of the page,
    # before them: the step's markup, like the options, is never stored under a newer number
    # than what it shows.
    with choices.snapshot():
        period = _period_or_404(period_code)
        user = _candidate(request)
        if not terms.terms_accepted(candidate=user, period=period):
            return redirect("booking:notes", period_code=period.code)
        version = choices.version()
        choice = _parse_choice(request, period, user)
        step, options = _choose_step(period, user, choice)
    month = None
    if choice.centre is not None and choice.mode == Mode.DIGITAL:
        month, problem = calendar.month_of(
            request.GET.get("month", ""), days=choice.options["date"], chosen=choice.day
        )
        if problem:
            choice.problems.append(problem)
    todo = _readiness(user, request.get_full_path())
    body = _choose_body(
        request,
        version=version,
        gender=user.gender,
        choice=choice,
        step=step,
        options=options,
        month=month,
    )
    test = period.test
    context: dict[str, Any] = {
        "period": period,
        "choice": choice,  # the guide's help link names the kind of test chosen
        "step": step,
        "options": options,
        "test": test,
        "todo": todo,
    }
    # The page around the step's markup is the same for everyone on this test and kind of
    # test (the guide's link), but for the readiness notice and the body: kept per process.
    response = render_framed(
        request,
        "booking/_choose_journey.html" if _journey_swap(request) else "booking/choose.html",
        context,
        vary=(test.pk, test.name_ar, test.name_en, *slugs_for("booking:choose", context)),
        slots={"readiness": _readiness_html(todo), "body": body},
    )
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@never_cache
@login_required
def register_review(request: HttpRequest, period_code: str) -> HttpResponse:
    """Review the chosen session and the amount; confirming holds the seat and goes straight on
    to the payment page (the registration page keeps the held seat and “Pay now” for later)."""
    with choices.snapshot():  # the cached rows read with one reading of the versions
        period = _period_or_404(period_code)
        user = _candidate(request)
        if not terms.terms_accepted(candidate=user, period=period):
            return redirect("booking:notes", period_code=period.code)
        data = request.POST if request.method == "POST" else request.GET
        session = selectors.session_for_review(period=period, session_id=data.get("session", ""))
        specialization = catalog.active_specialization(data.get("spec", ""))
        rows = choices.catalogue_version()  # what the period, centre and city were cached under
    if session is None or specialization is None:
        messages.error(request, _("Please choose the session again."))
        return redirect("booking:choose", period_code=period.code)
    error = ""
    if request.method == "POST":
        try:
            registration = services.registration_hold(
                candidate=user,
                session_id=session.pk,
                specialization_id=specialization.pk,
                session=session,
                specialization=specialization,
                open_payment=True,
            )
        except BookingError as exc:
            error = exc.message
        else:
            # Straight on to the payment page (the review said how long the seat is held).
            try:
                url = booking_payment.seat_fee_pay_url(
                    registration=registration,
                    owner=user,
                    site_url=request.build_absolute_uri("/"),
                )
            except BookingError as exc:
                messages.error(request, exc.message)
                return redirect("booking:registration", reference=registration.reference)
            return redirect(url)
    back = (
        reverse("booking:choose", args=[period.code])
        + "?"
        + urlencode(
            {
                "mode": session.centre.mode,
                "spec": specialization.code,
                "city": session.centre.city.code,
                "centre": session.centre.code,
                **(
                    {"date": session.date.isoformat()}
                    if session.centre.mode == Mode.DIGITAL
                    else {}
                ),
            }
        )
    )
    todo = _readiness(
        user,
        reverse("booking:review", args=[period.code])
        + "?"
        + urlencode({"session": session.pk, "spec": specialization.code}),
    )
    context = {
        "period": period,
        "test": period.test,
        "session": session,
        "specialization": specialization,
        "error": error,
        "back": back,
        "todo": todo,
    }
    # The same page for everyone who reviews this session for this specialization (the session's
    # own row as read now, the catalogue's rows as cached), but for the readiness notice; a
    # refused hold (409, the reason) is a page of its own.
    return render_framed(
        request,
        "booking/review.html",
        context,
        vary=(
            rows,
            period.pk,
            session.pk,
            session.date,
            session.start_time,
            session.centre_id,
            specialization.pk,
        ),
        slots={"readiness": _readiness_html(todo)},
        status=409 if error else 200,
    )


# --- My registrations --------------------------------------------------------------------------


@login_required
def registrations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "booking/registrations.html",
        {
            "registrations": selectors.registrations_of(candidate=_candidate(request)),
            "waitlist": selectors.waitlist_of(candidate=_candidate(request)),
            "offer_minutes": waitlist.offer_minutes(),
        },
    )


@never_cache
@login_required
def registration_detail(request: HttpRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_for(candidate=_candidate(request), reference=reference)
    confirmed = registration.status == Status.CONFIRMED
    return render(
        request,
        "booking/registration.html",
        {
            "registration": registration,
            "invoice": selectors.invoice_for(registration),
            # Every change raises the ticket's version: one never changed has no history.
            "history": registration.changes.select_related(
                "from_session__centre", "to_session__centre"
            )
            if registration.ticket_version > 1
            else [],
            "change_refusal": changes.change_refusal(registration) if confirmed else None,
            "cancel_refusal": changes.cancel_refusal(registration) if confirmed else None,
            "deadline": changes.change_deadline(registration),
        },
    )


@require_POST
@login_required
def registration_pay(request: HttpRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_for(candidate=_candidate(request), reference=reference)
    try:
        url = booking_payment.seat_fee_pay_url(
            registration=registration,
            owner=_candidate(request),
            site_url=request.build_absolute_uri("/"),
        )
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect("booking:registration", reference=registration.reference)
    return redirect(url)


@require_POST
@login_required
def registration_release(request: HttpRequest, reference: str) -> HttpResponse:
    registration = selectors.registration_for(candidate=_candidate(request), reference=reference)
    try:
        services.registration_release(registration=registration, actor=_candidate(request))
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("The held seat was released."))
    return redirect("booking:registrations")


# --- Change and cancel (PRODUCT §5) ------------------------------------------------------------


@never_cache
@login_required
def registration_change_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Choose another session of the same period and mode, starting from the current one.

    The page opens with the current city, centre and (computer-based) date already chosen, so
    another time the same day is one choice away; each can be changed (city → centre → date →
    time). Choosing a session shows a confirmation, old → new; only the POST from that
    confirmation commits: the swap is atomic (or, with a change fee, the new seat is held until
    it is paid)."""
    user = _candidate(request)
    registration = selectors.registration_for(candidate=user, reference=reference)
    refusal = changes.change_refusal(registration)
    error = ""
    if request.method == "POST" and not refusal:
        target = request.POST.get("session", "")
        if not _is_id(target):
            error = _("Please choose the new session.")
        elif request.POST.get("confirm") != "yes":
            # Only the confirmation commits: anything else shows it first.
            return redirect(
                reverse("booking:change", args=[registration.reference])
                + "?"
                + urlencode({"session": target})
            )
        else:
            try:
                if changes.change_fee_due(registration):
                    pending = changes.change_fee_hold(
                        registration=registration, new_session_id=int(target), actor=user
                    )
                    return redirect(
                        booking_payment.change_fee_pay_url(
                            pending=pending, owner=user, site_url=request.build_absolute_uri("/")
                        )
                    )
                changes.registration_change(
                    registration=registration, new_session_id=int(target), actor=user
                )
            except BookingError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _(
                        "Your appointment was changed. "
                        "Your new admission ticket replaces the old one."
                    ),
                )
                return redirect("booking:registration", reference=registration.reference)
    context: dict[str, Any] = {
        "registration": registration,
        "refusal": refusal,
        "error": error,
        "deadline": changes.change_deadline(registration),
        "fee_due": changes.change_fee_due(registration),
        "changes_left": max(0, registration.test.max_changes - registration.changes_count),
    }
    if not refusal:
        context.update(
            _change_confirm(request, registration) or _change_step(request, registration, user)
        )
    return render(request, "booking/change.html", context, status=409 if error else 200)


def _is_id(value: str) -> bool:
    """A row id as a form sends it: ASCII digits that fit the database's integer."""
    return is_number(value) and len(value) <= 9


def _change_confirm(request: HttpRequest, registration: Registration) -> dict[str, Any] | None:
    """The confirmation step (old → new) when a valid new session is chosen, else None."""
    raw = request.GET.get("session", "")
    if not raw:
        return None
    new = (
        changes.change_options(registration)
        .filter(pk=int(raw) if _is_id(raw) else 0)
        .select_related("centre__city")
        .first()
    )
    if new is None:
        messages.error(
            request, _("This session is not available for your change. Please choose another.")
        )
        return None
    back = {"city": new.centre.city.code, "centre": new.centre.code}
    if registration.mode == Mode.DIGITAL:
        back["date"] = new.date.isoformat()
    return {"step": "confirm", "new": new, "back": "?" + urlencode(back)}


def _change_step(request: HttpRequest, registration: Registration, user: User) -> dict[str, Any]:
    """The next choice for a change: city, centre, date (computer-based), then sessions — only
    places that have another session with a free seat are offered.

    Arriving with no choice in the address, the current city, centre and date are taken, as far
    as they still have another free session; where one has none, the step says so."""
    current = registration.session
    fresh = not any(request.GET.get(name) for name in ("city", "centre", "date", "pick"))
    options = changes.change_options(registration)
    cities = City.objects.filter(Exists(options.filter(centre__city=OuterRef("pk")))).order_by(
        "region__order", "order", "code"
    )
    here = {
        "current_city": current.centre.city_id,
        "current_centre": current.centre_id,
        "current_day": current.date,
    }
    city = cities.filter(code=request.GET.get("city", "")).first()
    if city is None and fresh:
        city = cities.filter(pk=current.centre.city_id).first()
    if city is None:
        missing = ""
        if not cities.filter(pk=current.centre.city_id).exists():
            missing = _("There is no other session with free seats in %(city)s.") % {
                "city": _local_name(current.centre.city)
            }
        return {"step": "city", "options": cities, "missing": missing, **here}
    centres = Centre.objects.filter(Exists(options.filter(centre=OuterRef("pk"))), city=city)
    centre = centres.filter(code=request.GET.get("centre", "")).first()
    if centre is None and fresh:
        centre = centres.filter(pk=current.centre_id).first()
    if centre is None:
        missing = ""
        if city.pk == current.centre.city_id and not centres.filter(pk=current.centre_id).exists():
            missing = _("There is no other session with free seats at %(centre)s.") % {
                "centre": _local_name(current.centre)
            }
        return {
            "step": "centre",
            "city": city,
            "options": centres.order_by("name_en", "code"),
            "missing": missing,
            **here,
        }
    day = None
    if registration.mode == Mode.DIGITAL:
        days = list(
            options.filter(centre=centre).order_by("date").values_list("date", flat=True).distinct()
        )
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = current.date if fresh else None
        if day not in days:
            missing = ""
            if centre.pk == current.centre_id and current.date not in days:
                missing = _(
                    "There is no other time with free seats on your current date at this centre."
                )
            return {
                "step": "date",
                "city": city,
                "centre": centre,
                "options": days,
                "missing": missing,
                **here,
            }
    sessions = selectors.sessions_for_choice(
        period=registration.period,
        specialization=registration.specialization,
        gender=user.gender,
        centre=centre,
        day=day,
    )
    return {
        "step": "session",
        "city": city,
        "centre": centre,
        "day": day,
        "options": sessions,
        "current_session": current.pk,
        **here,
    }


def _local_name(place: City | Centre) -> str:
    """A city's or centre's name in the page's language."""
    return place.name_ar if get_language() == "ar" else place.name_en


@never_cache
@login_required
def registration_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Confirm, then cancel with the test's refund percent (all of it after an operator
    cancellation)."""
    registration = selectors.registration_for(candidate=_candidate(request), reference=reference)
    if registration.status == Status.CANCELLED:
        messages.info(request, _("This registration is already cancelled."))
        return redirect("booking:registration", reference=registration.reference)
    refusal = changes.cancel_refusal(registration)
    error = ""
    if request.method == "POST" and not refusal:
        try:
            changes.registration_cancel(registration=registration, actor=_candidate(request))
        except BookingError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Your registration was cancelled. The refund is on its way to your card."),
            )
            return redirect("booking:registration", reference=registration.reference)
    refund = changes.cancel_refund_halalas(registration)
    return render(
        request,
        "booking/cancel.html",
        {
            "registration": registration,
            "refund": refund,
            "deadline": changes.change_deadline(registration),
            "error": error,
            "refusal": refusal,
        },
        status=409 if error or (refusal and request.method == "POST") else 200,
    )
