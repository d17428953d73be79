"""Every write to the catalogue that is more than one admin form: named, keyword-only, audited."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rukhsa.catalog import choices, hooks
from rukhsa.catalog.models import (
    Centre,
    City,
    Mode,
    Period,
    Region,
    Session,
    SessionStatus,
    Specialization,
)
from rukhsa.core.audit import audit_log
from rukhsa.core.geo import REGIONS

MAX_BULK_DAYS = 366


class CatalogError(Exception):
    """A refusal with sentences an operator can act on."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


# --- Places -----------------------------------------------------------------------------------


def places_sync() -> tuple[int, int]:
    """Create or rename the 13 regions and their main cities from ``core.geo``; idempotent."""
    created = 0
    changed = 0
    for r_order, region_data in enumerate(REGIONS, start=1):
        region, was_created = Region.objects.get_or_create(
            code=region_data.code,
            defaults={
                "name_ar": region_data.name_ar,
                "name_en": region_data.name_en,
                "order": r_order,
            },
        )
        created += was_created
        wanted = (region_data.name_ar, region_data.name_en, r_order)
        if not was_created and (region.name_ar, region.name_en, region.order) != wanted:
            region.name_ar, region.name_en, region.order = wanted
            region.save(update_fields=["name_ar", "name_en", "order"])
            changed += 1
        for c_order, place in enumerate(region_data.cities, start=1):
            city, was_created = City.objects.get_or_create(
                code=place.code,
                defaults={
                    "region": region,
                    "name_ar": place.name_ar,
                    "name_en": place.name_en,
                    "order": c_order,
                },
            )
            created += was_created
            wanted_city = (region.pk, place.name_ar, place.name_en, c_order)
            if (
                not was_created
                and (city.region_id, city.name_ar, city.name_en, city.order) != wanted_city
            ):
                city.region, city.name_ar, city.name_en, city.order = (
                    region,
                    place.name_ar,
                    place.name_en,
                    c_order,
                )
                city.save(update_fields=["region", "name_ar", "name_en", "order"])
                changed += 1
    return created, changed


# --- Bulk creation of digital slots -----------------------------------------------------------


@dataclass(frozen=True)
class PlannedSession:
    date: date
    start_time: time


@dataclass
class SlotPlan:
    """What ``sessions_bulk_create`` would create, or why it would refuse."""

    sessions: list[PlannedSession] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.sessions)

    @property
    def digest(self) -> str:
        """A fingerprint of the planned sessions: confirm creates exactly what was previewed."""
        text = ";".join(f"{s.date.isoformat()}T{s.start_time:%H:%M}" for s in self.sessions)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _overlaps(a: time, b: time, duration: int) -> bool:
    return abs(_minutes(a) - _minutes(b)) < duration


def sessions_bulk_plan(
    *,
    centre: Centre,
    period: Period,
    date_from: date,
    date_to: date,
    weekdays: Iterable[int],
    start_times: Sequence[time],
    capacity: int,
    specializations: Sequence[Specialization],
) -> SlotPlan:
    """The sessions a bulk creation would make, or the sentences saying why it cannot.

    ``weekdays`` uses Python's numbering (Monday 0 … Sunday 6). A new session may not start at
    the same time as, or within the test's duration of, another session of the same centre on
    the same day: neither an existing one nor another new one.
    """
    plan = SlotPlan()
    problems = plan.problems
    weekday_set = set(weekdays)
    times = sorted(set(start_times))
    duration = period.test.duration_minutes

    if centre.mode != Mode.DIGITAL:
        problems.append(_("Slots can be created in bulk only for computer-based centres."))
    if not centre.active:
        problems.append(_("The centre %(centre)s is not active.") % {"centre": centre.code})
    if not period.offers(Mode.DIGITAL):
        problems.append(
            _("The period %(period)s does not offer computer-based tests.")
            % {"period": period.code}
        )
    if capacity < 1:
        problems.append(_("The capacity must be at least one seat."))
    if not specializations:
        problems.append(_("Choose at least one specialization."))
    if not times:
        problems.append(_("Give at least one start time."))
    if not weekday_set:
        problems.append(_("Choose at least one day of the week."))
    if date_from > date_to:
        problems.append(_("The first date must not be after the last date."))
    elif (date_to - date_from).days >= MAX_BULK_DAYS:
        problems.append(
            ngettext(
                "The date range may cover at most %(days)d day.",
                "The date range may cover at most %(days)d days.",
                MAX_BULK_DAYS,
            )
            % {"days": MAX_BULK_DAYS}
        )
    elif date_from < period.first_test_day or date_to > period.last_test_day:
        problems.append(
            _("The dates must be within the period's test days, %(first)s to %(last)s.")
            % {"first": period.first_test_day.isoformat(), "last": period.last_test_day.isoformat()}
        )
    for i, first in enumerate(times):
        for second in times[i + 1 :]:
            if _overlaps(first, second, duration):
                problems.append(
                    _(
                        "The start times %(a)s and %(b)s are less than the test's %(minutes)d "
                        "minutes apart."
                    )
                    % {"a": f"{first:%H:%M}", "b": f"{second:%H:%M}", "minutes": duration}
                )
    if problems:
        return plan

    days = [
        date_from + timedelta(days=n)
        for n in range((date_to - date_from).days + 1)
        if (date_from + timedelta(days=n)).weekday() in weekday_set
    ]
    if not days:
        problems.append(_("No date in the range falls on the chosen days of the week."))
        return plan

    existing: dict[date, list[time]] = {}
    for day, start in (
        Session.objects.filter(centre=centre, date__gte=date_from, date__lte=date_to)
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("date", "start_time")
    ):
        existing.setdefault(day, []).append(start)

    for day in days:
        for start in times:
            clash = next((t for t in existing.get(day, []) if _overlaps(t, start, duration)), None)
            if clash is None:
                plan.sessions.append(PlannedSession(day, start))
            elif clash == start:
                problems.append(
                    _("%(centre)s already has a session on %(date)s at %(time)s.")
                    % {"centre": centre.code, "date": day.isoformat(), "time": f"{start:%H:%M}"}
                )
            else:
                problems.append(
                    _(
                        "%(centre)s has a session on %(date)s at %(other)s, less than %(minutes)d "
                        "minutes from %(time)s."
                    )
                    % {
                        "centre": centre.code,
                        "date": day.isoformat(),
                        "other": f"{clash:%H:%M}",
                        "minutes": duration,
                        "time": f"{start:%H:%M}",
                    }
                )
    return plan


def sessions_bulk_create(
    *,
    actor: Any,
    centre: Centre,
    period: Period,
    date_from: date,
    date_to: date,
    weekdays: Iterable[int],
    start_times: Sequence[time],
    capacity: int,
    specializations: Sequence[Specialization],
    expected_digest: str | None = None,
) -> list[Session]:
    """Create the planned digital sessions, all or none; refuse overlaps and stale previews."""
    weekdays = list(weekdays)
    with transaction.atomic():
        # Lock the centre row so two operators cannot plan into the same gap at once.
        Centre.objects.select_for_update().filter(pk=centre.pk).first()
        plan = sessions_bulk_plan(
            centre=centre,
            period=period,
            date_from=date_from,
            date_to=date_to,
            weekdays=weekdays,
            start_times=start_times,
            capacity=capacity,
            specializations=specializations,
        )
        if plan.problems:
            raise CatalogError(*plan.problems)
        if expected_digest is not None and plan.digest != expected_digest:
            raise CatalogError(
                _(
                    "The sessions to create changed since the preview. Check the new preview "
                    "and confirm again."
                )
            )
        sessions = Session.objects.bulk_create(
            [
                Session(
                    centre=centre,
                    period=period,
                    date=p.date,
                    start_time=p.start_time,
                    capacity=capacity,
                    status=SessionStatus.OPEN,
                    created_by=actor,
                )
                for p in plan.sessions
            ]
        )
        if sessions and sessions[0].pk is None:  # backends without RETURNING
            sessions = list(
                Session.objects.filter(
                    centre=centre,
                    date__gte=date_from,
                    date__lte=date_to,
                    start_time__in=list(start_times),
                    created_by=actor,
                ).order_by("date", "start_time")
            )
        through = Session.specializations.through
        through.objects.bulk_create(
            [
                through(session_id=s.pk, specialization_id=sp.pk)
                for s in sessions
                for sp in specializations
            ]
        )
        choices.bump()  # bulk_create sends no signals
        audit_log(
            action="catalog.sessions_bulk_create",
            actor=actor,
            obj=centre,
            note=(
                f"period={period.code} {date_from.isoformat()}..{date_to.isoformat()} "
                f"weekdays={sorted(weekdays)} times={[f'{t:%H:%M}' for t in sorted(start_times)]} "
                f"capacity={capacity} created={len(sessions)}"
            ),
        )
    return sessions


# --- Session status ---------------------------------------------------------------------------


@dataclass
class StatusChange:
    changed: int
    unchanged: int
    refused: list[str]


def session_status_set(
    *,
    actor: Any,
    sessions: Iterable[Session],
    status: str,
    now: datetime | None = None,
    reason: str = "",
) -> StatusChange:
    """Open, close or cancel sessions. A cancelled session stays cancelled.

    Cancelling emits the "session_cancelled" hook (catalog/hooks.py) in the same transaction:
    the booking app tells the session's candidates and lets them re-book or cancel.
    """
    if status not in SessionStatus.values:
        raise CatalogError(_("“%(status)s” is not a session status.") % {"status": status})
    changed = unchanged = 0
    refused: list[str] = []
    with transaction.atomic():
        for session in sessions:
            if session.status == status:
                unchanged += 1
                continue
            if session.status == SessionStatus.CANCELLED:
                refused.append(
                    _("%(session)s is cancelled and cannot be opened or closed again.")
                    % {"session": str(session)}
                )
                continue
            updated = Session.objects.filter(pk=session.pk, status=session.status).update(
                status=status
            )
            if not updated:
                refused.append(
                    _("%(session)s was changed by someone else meanwhile; try again.")
                    % {"session": str(session)}
                )
                continue
            audit_log(
                action="catalog.session_status",
                actor=actor,
                obj=session,
                changes={"status": (session.status, status)},
            )
            session.status = status
            choices.bump()  # an update() sends no signals
            if status == SessionStatus.CANCELLED:
                hooks.emit("session_cancelled", session=session, actor=actor, reason=reason)
            changed += 1
    return StatusChange(changed=changed, unchanged=unchanged, refused=refused)
