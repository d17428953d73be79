"""Bulk creation of computer-based slots: exactly what the preview listed, never an overlap."""

from datetime import date, time, timedelta

import pytest

from rukhsa.catalog.models import Mode, Session, SessionStatus
from rukhsa.catalog.services import (
    CatalogError,
    session_status_set,
    sessions_bulk_create,
    sessions_bulk_plan,
)
from rukhsa.core.models import AuditLog
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization

pytestmark = pytest.mark.django_db
SUN_TO_THU = [6, 0, 1, 2, 3]
TIMES = [time(8), time(11), time(14)]


def next_sunday(after: date) -> date:
    return after + timedelta(days=(6 - after.weekday()) % 7 or 7)


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    period = make_period()
    centre = make_centre(mode=Mode.DIGITAL)
    specs = [make_specialization(), make_specialization()]
    first = next_sunday(period.first_test_day)
    return {
        "centre": centre,
        "period": period,
        "date_from": first,
        "date_to": first + timedelta(days=13),
        "weekdays": SUN_TO_THU,
        "start_times": TIMES,
        "capacity": 30,
        "specializations": specs,
    }


def test_two_weeks_of_working_days_make_thirty_sessions(setup, make_staff) -> None:  # type: ignore[no-untyped-def]
    plan = sessions_bulk_plan(**setup)
    assert plan.ok and len(plan.sessions) == 2 * 5 * 3
    assert all(p.date.weekday() in SUN_TO_THU for p in plan.sessions)
    staff = make_staff("Catalogue manager")
    created = sessions_bulk_create(actor=staff, expected_digest=plan.digest, **setup)
    stored = {(s.date, s.start_time) for s in Session.objects.all()}
    assert stored == {(p.date, p.start_time) for p in plan.sessions}
    assert len(created) == 30
    assert all(s.specializations.count() == 2 for s in Session.objects.all())
    assert AuditLog.objects.filter(action="catalog.sessions_bulk_create", actor=staff).exists()


def test_an_existing_session_at_the_same_time_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    make_session(setup["centre"], setup["period"], day=setup["date_from"], start=time(11))
    plan = sessions_bulk_plan(**setup)
    assert not plan.ok
    assert any("already has a session on" in p and "11:00" in p for p in plan.problems)
    with pytest.raises(CatalogError):
        sessions_bulk_create(actor=None, **setup)
    assert Session.objects.count() == 1


def test_a_session_within_the_test_duration_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    make_session(setup["centre"], setup["period"], day=setup["date_from"], start=time(9, 30))
    plan = sessions_bulk_plan(**setup)
    assert any("less than 180 minutes from 08:00" in p for p in plan.problems)
    assert any("less than 180 minutes from 11:00" in p for p in plan.problems)


def test_a_cancelled_session_does_not_block_its_slot(setup) -> None:  # type: ignore[no-untyped-def]
    old = make_session(
        setup["centre"],
        setup["period"],
        day=setup["date_from"],
        start=time(8),
        status=SessionStatus.CANCELLED,
    )
    plan = sessions_bulk_plan(**setup)
    assert plan.ok and len(plan.sessions) == 30
    sessions_bulk_create(actor=None, **setup)
    assert Session.objects.filter(date=old.date, start_time=old.start_time).count() == 2


def test_start_times_closer_than_the_duration_are_refused(setup) -> None:  # type: ignore[no-untyped-def]
    setup["start_times"] = [time(8), time(10)]
    plan = sessions_bulk_plan(**setup)
    assert plan.problems == [
        "The start times 08:00 and 10:00 are less than the test's 180 minutes apart."
    ]


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"centre": "paper"}, "only for computer-based centres"),
        ({"date_to": "before"}, "must not be after the last date"),
        ({"date_to": "outside"}, "within the period's test days"),
        ({"weekdays": [4]}, "No date in the range falls on the chosen days"),
        ({"specializations": []}, "at least one specialization"),
    ],
)
def test_refusals_are_sentences(setup, change, sentence) -> None:  # type: ignore[no-untyped-def]
    if change.get("centre") == "paper":
        setup["centre"] = make_centre(mode=Mode.PAPER)
    elif change.get("date_to") == "before":
        setup["date_to"] = setup["date_from"] - timedelta(days=1)
    elif change.get("date_to") == "outside":
        setup["date_to"] = setup["period"].last_test_day + timedelta(days=1)
    else:
        setup.update(change)
        if change.get("weekdays") == [4]:
            setup["date_to"] = setup["date_from"] + timedelta(days=4)  # Sunday to Thursday
    plan = sessions_bulk_plan(**setup)
    assert any(sentence in p for p in plan.problems), plan.problems


def test_a_stale_preview_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    plan = sessions_bulk_plan(**setup)
    setup["start_times"] = [time(8), time(14)]
    with pytest.raises(CatalogError, match="changed since the preview"):
        sessions_bulk_create(actor=None, expected_digest=plan.digest, **setup)
    assert not Session.objects.exists()


def form_data(setup) -> dict:  # type: ignore[no-untyped-def]
    return {
        "centre": setup["centre"].pk,
        "period": setup["period"].pk,
        "date_from": setup["date_from"].isoformat(),
        "date_to": setup["date_to"].isoformat(),
        "weekdays": [str(d) for d in setup["weekdays"]],
        "start_times": "08:00, 11:00, 14:00",
        "capacity": "30",
        "specializations": [s.pk for s in setup["specializations"]],
    }


def test_admin_preview_then_confirm_creates_what_was_shown(setup, staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    url = "/admin/catalog/session/bulk-create/"
    data = form_data(setup)
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert len(plan.sessions) == 30
    html = preview.content.decode()
    assert html.count("<tr><td>") == 30
    assert not Session.objects.exists()
    done = client.post(url, {**data, "digest": plan.digest, "confirm": "1"})
    assert done.status_code == 302
    assert {(s.date, s.start_time) for s in Session.objects.all()} == {
        (p.date, p.start_time) for p in plan.sessions
    }


def test_admin_confirm_refuses_an_overlap_that_appeared_after_the_preview(
    setup, staff_client
) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    url = "/admin/catalog/session/bulk-create/"
    data = form_data(setup)
    plan = client.post(url, {**data, "preview": "1"}).context["plan"]
    last = plan.sessions[-1]
    make_session(setup["centre"], setup["period"], day=last.date, start=last.start_time)
    response = client.post(url, {**data, "digest": plan.digest, "confirm": "1"}, follow=True)
    text = response.content.decode()
    assert "already has a session on" in text
    assert Session.objects.count() == 1


def test_admin_form_errors_are_shown_next_to_fields(setup, staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    data = {**form_data(setup), "start_times": "8am", "capacity": "0"}
    response = client.post("/admin/catalog/session/bulk-create/", data)
    errors = response.context["form"].errors
    assert "is not a time" in errors["start_times"][0]
    assert "capacity" in errors


def test_status_changes_are_audited_and_cancelled_is_final(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff("Catalogue manager")
    period, centre = make_period(), make_centre()
    session = make_session(centre, period)
    result = session_status_set(actor=staff, sessions=[session], status=SessionStatus.CLOSED)
    assert result.changed == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    session_status_set(actor=staff, sessions=[session], status=SessionStatus.CANCELLED)
    again = session_status_set(
        actor=staff, sessions=[Session.objects.get(pk=session.pk)], status=SessionStatus.OPEN
    )
    assert again.changed == 0 and "cannot be opened or closed again" in again.refused[0]
    assert AuditLog.objects.filter(action="catalog.session_status").count() == 2


def test_admin_actions_open_close_cancel(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    period, centre = make_period(), make_centre()
    a = make_session(centre, period, start=time(8))
    b = make_session(centre, period, start=time(11))
    response = client.post(
        "/admin/catalog/session/",
        {"action": "cancel_sessions", "_selected_action": [a.pk, b.pk], "reason": "Centre closed"},
        follow=True,
    )
    assert "2 sessions are now Cancelled." in response.content.decode()
    assert set(Session.objects.values_list("status", flat=True)) == {"cancelled"}
    response = client.post(
        "/admin/catalog/session/",
        {"action": "open_sessions", "_selected_action": [a.pk]},
        follow=True,
    )
    assert "cannot be opened or closed again" in response.content.decode()
