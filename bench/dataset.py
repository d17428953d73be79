"""The benchmark's data: who books, which sessions are hot, and what the database says after.

Runs inside Django (settings from the environment, as the server uses). Candidates are the ones
`load_demo --scale national` generates; most of them get a server-side login session written
here directly (signed with the same SECRET_KEY), so the hold burst measures the seat-taking path
and not Argon2. A smaller sample logs in over HTTP for the login figure.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.db.models import Count, F, Q

from rukhsa.accounts.middleware import CANDIDATE, LOGIN_AT, SEEN_AT
from rukhsa.accounts.models import User, UserSession
from rukhsa.booking.models import ACTIVE, Registration, TermsAcceptance
from rukhsa.booking.terms import terms_version
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Mode, Period, Session, SessionStatus, Specialization
from rukhsa.catalog.selectors import candidate_opens_at
from rukhsa.core import clock
from rukhsa.demo import loader, national

GENDER = "male"
MODE = Mode.DIGITAL
LOGIN_BACKEND = "rukhsa.accounts.backends.IdentityBackend"


def _ready(user: User, period: Period, now: Any) -> bool:
    opens_at = candidate_opens_at(period, gender=user.gender, in_service=user.in_service)
    return bool(
        user.is_active
        and user.mobile_verified_at
        and user.email_verified_at
        and user.profile_complete
        and opens_at is not None
        and opens_at <= now
    )


def _mint_sessions(users: list[User], *, terms_for: set[int], period: str) -> dict[int, str]:
    """A logged-in server-side session per user, as `login()` leaves it (and the period's terms
    accepted by the users in `terms_for`, as the notes page records it); {user id: key}."""
    store = SessionStore()
    now = clock.now()
    expire = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys: dict[int, str] = {}
    rows, sessions, cached = [], [], {}
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: LOGIN_BACKEND,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            LOGIN_AT: now.timestamp(),
            SEEN_AT: now.timestamp(),
            CANDIDATE: not (user.is_staff or user.is_superuser),
        }
        rows.append(
            DjangoSession(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        sessions.append(UserSession(session_key=key, user=user, created_at=now, user_agent="bench"))
        cached[store.cache_key_prefix + key] = data
        keys[user.pk] = key
    DjangoSession.objects.bulk_create(rows, batch_size=1000)
    UserSession.objects.bulk_create(sessions, batch_size=1000)
    the_period = Period.objects.select_related("test").get(code=period)
    version = terms_version(the_period)
    TermsAcceptance.objects.bulk_create(
        [
            TermsAcceptance(candidate=user, period=the_period, terms_version=version)
            for user in users
            if user.pk in terms_for
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    store._cache.set_many(cached, settings.SESSION_COOKIE_AGE)
    return keys


def _read_urls(period: Period, spec: Specialization, limit: int = 40) -> dict[str, list[str]]:
    """Valid URLs of each choose step, for the read-path scenario."""
    base = f"/register/{period.code}/choose/?mode={MODE}"
    specs = list(catalog.period_specializations(period=period, mode=MODE, gender=GENDER)[:4])
    specs = [spec, *[s for s in specs if s.pk != spec.pk][:2]]
    urls: dict[str, list[str]] = {"specialization": [base], "city": [], "centre": [], "date": []}
    urls["slot"] = []
    for sp in specs:
        at_spec = f"{base}&spec={sp.code}"
        urls["city"].append(at_spec)
        cities = catalog.cities_with_seats(
            period=period, mode=MODE, specialization=sp, gender=GENDER
        )
        for city in cities[:6]:
            at_city = f"{at_spec}&city={city.code}"
            urls["centre"].append(at_city)
            centres = catalog.centres_with_seats(
                period=period, mode=MODE, specialization=sp, gender=GENDER, city=city
            )
            for centre in centres[:3]:
                at_centre = f"{at_city}&centre={centre.code}"
                urls["date"].append(at_centre)
                days = catalog.dates_with_seats(
                    period=period, specialization=sp, gender=GENDER, centre=centre
                )
                urls["slot"] += [f"{at_centre}&date={day.isoformat()}" for day in days[:4]]
    return {step: found[:limit] for step, found in urls.items()}


def prepare(
    *,
    candidates: int,
    logins: int,
    terms_http: int,
    hot: int,
    skip_candidates: int = 0,
    skip_sessions: int = 0,
) -> dict[str, Any]:
    """Pick the hot sessions and the candidates; log most of them in server-side.

    Candidates [0, logins) log in over HTTP; [logins, terms_http) get a session and accept the
    terms over HTTP; the rest get a session with the terms already accepted. `skip_candidates`
    and `skip_sessions` leave the first ones to another scenario of the same run.
    """
    period = Period.objects.prefetch_related("windows").get(code=loader.OPEN_PERIOD)
    now = clock.now()
    spec = Specialization.objects.filter(active=True).order_by("order", "code").first()
    if spec is None:
        raise RuntimeError("No active specialization: did load_demo run?")
    hot_sessions = list(
        catalog.bookable_sessions(period=period, mode=MODE, specialization=spec, gender=GENDER)
        .filter(seats_taken=0)
        .order_by("-capacity", "date", "start_time", "pk")[skip_sessions : skip_sessions + hot]
    )
    if len(hot_sessions) < hot:
        raise RuntimeError(f"Only {len(hot_sessions)} bookable sessions for the hot set.")
    users = list(
        User.objects.filter(
            email__endswith="@national.rukhsa.example", gender=GENDER, is_active=True
        ).order_by("pk")[skip_candidates : skip_candidates + candidates]
    )
    users = [u for u in users if _ready(u, period, now)]
    if len(users) < candidates:
        raise RuntimeError(
            f"Only {len(users)} ready {GENDER} candidates; load more with "
            "`load_demo --scale national --candidates N`."
        )
    pre_accepted = {u.pk for u in users[terms_http:]}
    minted = _mint_sessions(users[logins:], terms_for=pre_accepted, period=period.code)
    return {
        "registrations_before": Registration.objects.count(),
        "period": period.code,
        "spec": spec.code,
        "hot": [
            {
                "id": s.pk,
                "centre": s.centre.code,
                "date": s.date.isoformat(),
                "start": s.start_time.isoformat("minutes"),
                "capacity": s.capacity,
                "seats_taken_before": s.seats_taken,
            }
            for s in hot_sessions
        ],
        "password": national.CANDIDATE_PASSWORD,
        "candidates": [
            {
                "id": u.pk,
                "identifier": u.identity_number,
                "session_key": minted.get(u.pk),
                "terms_accepted": u.pk in pre_accepted,
            }
            for u in users
        ],
        "read_urls": _read_urls(period, spec),
    }


def verify(state: dict[str, Any]) -> dict[str, Any]:
    """Capacity as the database sees it after the burst."""
    active = Q(registrations__status__in=ACTIVE)
    over = list(
        Session.objects.annotate(active=Count("registrations", filter=active))
        .filter(Q(active__gt=F("capacity")) | Q(seats_taken__gt=F("capacity")))
        .values("pk", "capacity", "seats_taken", "active")
    )
    over_capacity = sum(
        max(r["active"] - r["capacity"], r["seats_taken"] - r["capacity"]) for r in over
    )
    hot_ids = [h["id"] for h in state["hot"]]
    counts = dict(
        Registration.objects.filter(session_id__in=hot_ids, status__in=ACTIVE)
        .values_list("session_id")
        .annotate(n=Count("pk"))
    )
    taken = dict(Session.objects.filter(pk__in=hot_ids).values_list("pk", "seats_taken"))
    status = dict(Session.objects.filter(pk__in=hot_ids).values_list("pk", "status"))
    sessions = []
    mismatched = 0
    for h in state["hot"]:
        n = counts.get(h["id"], 0)
        expected = h["seats_taken_before"] + n
        if taken[h["id"]] != expected:
            mismatched += 1
        sessions.append(
            {
                **h,
                "active_registrations": n,
                "seats_taken_after": taken[h["id"]],
                "over": max(0, n - h["capacity"]),
                "open": status[h["id"]] == SessionStatus.OPEN,
            }
        )
    elsewhere = Registration.objects.count() - state["registrations_before"] - sum(counts.values())
    doubles = (
        Registration.objects.filter(status__in=ACTIVE)
        .values("candidate_id", "test_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "over_capacity": over_capacity,
        "over_sessions": over,
        "seats_taken_mismatched": mismatched,
        "new_registrations_elsewhere": elsewhere,
        "candidates_with_two_active": doubles,
        "hot_sessions": sessions,
        "active_on_hot": sum(counts.values()),
    }


def machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"postgresql": pg}
