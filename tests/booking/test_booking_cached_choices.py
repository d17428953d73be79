"""The choose steps' cached options (catalog/choices.py): every writer of the catalogue or of a
seat count makes them stale, and a stale "free" never books a full session (the hold is
authoritative). Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from rukhsa.booking import changes, services, waitlist
from rukhsa.booking import selectors as booking_selectors
from rukhsa.booking.models import Registration, Status, WaitlistEntry
from rukhsa.booking.terms import terms_accept
from rukhsa.catalog import choices
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Gender, Mode, Session, SessionStatus
from rukhsa.catalog.services import session_status_set, sessions_bulk_create
from rukhsa.core import clock
from tests.booking.booking_helpers import client_for
from tests.catalog.factories import make_centre, make_session, make_specialization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def at_nine(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


def slots(cat, session):
    """The slot step's options for `session`'s centre and date, as the choose page reads them."""
    return {
        s.pk: s
        for s in booking_selectors.sessions_for_choice(
            period=cat.period,
            specialization=cat.spec,
            gender=Gender.MALE,
            centre=session.centre,
            day=session.date,
        )
    }


def last_seat(cat):
    return make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(17),
        capacity=1,
        specializations=[cat.spec],
    )


# --- the cache is used ------------------------------------------------------------------------


def test_a_second_read_is_served_from_the_cache(cat, django_assert_num_queries):
    kwargs = {"period": cat.period, "mode": Mode.DIGITAL, "gender": Gender.MALE}
    with django_assert_num_queries(1):
        first = catalog.period_specializations(**kwargs)
    with django_assert_num_queries(0):
        assert catalog.period_specializations(**kwargs) == first == [cat.spec]
    with django_assert_num_queries(1):
        catalog.period_specializations(**{**kwargs, "gender": Gender.FEMALE})  # its own key
    with django_assert_num_queries(2):  # the centre's sessions, then their seats
        slots(cat, cat.slot)
    with django_assert_num_queries(0):
        assert slots(cat, cat.slot)[cat.slot.pk].seats_free == 10


def test_a_seat_taken_reads_only_the_centres_seats_again(cat, django_assert_num_queries):
    slots(cat, cat.slot)
    booking_selectors.day_seats_for_choice(
        period=cat.period, specialization=cat.spec, gender=Gender.MALE, centre=cat.digital
    )
    Session.objects.filter(pk=cat.slot.pk).update(seats_taken=F("seats_taken") + 1)
    choices.seat_taken(centre_id=cat.digital.pk, filled=False)
    with django_assert_num_queries(1):  # the seats, shared by the calendar and the times
        assert slots(cat, cat.slot)[cat.slot.pk].seats_free == 9
        days = booking_selectors.day_seats_for_choice(
            period=cat.period, specialization=cat.spec, gender=Gender.MALE, centre=cat.digital
        )
    assert days[cat.slot.date].free == sum(
        s.seats_free for s in slots(cat, cat.slot).values() if s.date == cat.slot.date
    )


def test_the_key_carries_the_day(cat):
    day_before = cat.slot.date - timedelta(days=1)
    with time_machine.travel(at_nine(day_before), tick=False):
        assert cat.spec in catalog.period_specializations(
            period=cat.period, mode=Mode.DIGITAL, gender=Gender.MALE
        )
    with time_machine.travel(at_nine(cat.slot.date + timedelta(days=6))):
        # Every session of the fixture is in the past now: nothing cached from before is shown.
        assert (
            catalog.period_specializations(period=cat.period, mode=Mode.DIGITAL, gender=Gender.MALE)
            == []
        )


# --- every seat writer makes the options stale ------------------------------------------------


def test_hold_and_release(cat, candidate):
    session = last_seat(cat)
    assert not slots(cat, session)[session.pk].is_full
    registration = services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=cat.spec.pk
    )
    assert slots(cat, session)[session.pk].is_full
    services.registration_release(registration=registration, actor=candidate)
    assert not slots(cat, session)[session.pk].is_full


def test_a_seat_that_does_not_fill_its_session_stales_only_its_centre(
    cat, candidate, django_assert_num_queries
):
    """During an opening every hold takes a seat: only the centre's calendar and times are
    recomputed, not every candidate's specializations, cities and centres."""
    other_centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="JED-D-M")
    elsewhere = make_session(
        other_centre,
        cat.period,
        day=cat.slot.date,
        start=time(9),
        capacity=5,
        specializations=[cat.spec],
    )
    assert slots(cat, cat.slot)[cat.slot.pk].seats_free == 10
    assert slots(cat, elsewhere)[elsewhere.pk].seats_free == 5
    specs(cat)
    services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    with django_assert_num_queries(0):
        assert specs(cat) == [cat.spec]  # the steps above the centre: still cached
        assert slots(cat, elsewhere)[elsewhere.pk].seats_free == 5  # another centre: too
    assert slots(cat, cat.slot)[cat.slot.pk].seats_free == 9  # this centre: read again


def test_the_last_seat_of_a_session_stales_the_steps_above(cat, candidate):
    only = make_specialization(code="chem", name_ar="الكيمياء", name_en="Chemistry")
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(19),
        capacity=1,
        specializations=[only],
    )
    assert only in specs(cat)
    services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=only.pk
    )
    assert only not in specs(cat)  # its only session is full: not offered any more


def test_expiry_of_a_lapsed_hold(cat, candidate):
    session = last_seat(cat)
    services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=cat.spec.pk
    )
    assert slots(cat, session)[session.pk].seats_free == 0
    later = clock.now() + timedelta(minutes=cat.test.hold_minutes + 1)
    with time_machine.travel(later, tick=False):
        before = choices.version()
        assert services.holds_expire(now=later) == 1
        assert choices.version() != before
        assert Session.objects.get(pk=session.pk).seats_taken == 0


def _confirmed(registration: Registration) -> Registration:
    Registration.objects.filter(pk=registration.pk).update(status=Status.CONFIRMED)
    registration.refresh_from_db()
    return registration


def test_change_frees_the_old_seat_and_takes_the_new(cat, candidate):
    old, new = last_seat(cat), cat.slot
    registration = _confirmed(
        services.registration_hold(
            candidate=candidate, session_id=old.pk, specialization_id=cat.spec.pk
        )
    )
    assert slots(cat, old)[old.pk].is_full and slots(cat, new)[new.pk].seats_free == 10
    changes.registration_change(registration=registration, new_session_id=new.pk, actor=candidate)
    assert not slots(cat, old)[old.pk].is_full
    assert slots(cat, new)[new.pk].seats_free == 9


def test_cancel_frees_the_seat(cat, candidate):
    session = last_seat(cat)
    registration = _confirmed(
        services.registration_hold(
            candidate=candidate, session_id=session.pk, specialization_id=cat.spec.pk
        )
    )
    assert slots(cat, session)[session.pk].is_full
    changes.registration_cancel(registration=registration, actor=candidate)
    assert not slots(cat, session)[session.pk].is_full


def test_a_waiting_list_offer_takes_the_freed_seat(cat, candidate, make_user):
    session = last_seat(cat)
    holder = make_user()
    held = services.registration_hold(
        candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
    )
    entry = waitlist.waitlist_join(
        candidate=candidate,
        period=cat.period,
        specialization_id=cat.spec.pk,
        session_id=session.pk,
    )
    assert slots(cat, session)[session.pk].is_full
    before = choices.version()
    services.registration_release(registration=held, actor=holder)
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED  # the freed seat went to the list …
    assert choices.version() != before
    assert slots(cat, session)[session.pk].is_full  # … so it is not shown as free


# --- every catalogue writer makes the options stale -------------------------------------------


def specs(cat, gender=Gender.MALE):
    return catalog.period_specializations(period=cat.period, mode=Mode.DIGITAL, gender=gender)


def test_catalogue_saves_and_deletes(cat):
    assert specs(cat) == [cat.spec]
    cat.spec.active = False
    cat.spec.save()
    assert specs(cat) == []
    cat.spec.active = True
    cat.spec.save()
    physics = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(18),
        capacity=5,
        specializations=[cat.other_spec],
    )
    assert specs(cat) == [cat.spec, cat.other_spec]  # a new session (and its m2m)
    physics.specializations.remove(cat.other_spec)
    assert specs(cat) == [cat.spec]
    physics.specializations.add(cat.other_spec)
    assert cat.other_spec in specs(cat)
    physics.delete()
    assert specs(cat) == [cat.spec]
    cat.digital.active = False
    cat.digital.save()
    assert specs(cat) == []


def test_cities_and_centres_follow_their_rows(cat):
    kwargs = {
        "period": cat.period,
        "mode": Mode.DIGITAL,
        "specialization": cat.spec,
        "gender": Gender.MALE,
    }
    [riyadh] = catalog.cities_with_seats(**kwargs)
    assert [c.code for c in catalog.centres_with_seats(**kwargs, city=riyadh)] == ["RUH-D-M"]
    cat.digital.name_en = "Renamed centre"
    cat.digital.save()
    [centre] = catalog.centres_with_seats(**kwargs, city=riyadh)
    assert centre.name_en == "Renamed centre"
    riyadh.name_en = "Riyadh (renamed)"
    riyadh.save()
    assert [c.name_en for c in catalog.cities_with_seats(**kwargs)] == ["Riyadh (renamed)"]


def test_period_modes(cat):
    assert specs(cat) == [cat.spec]
    cat.period.modes = Mode.PAPER
    cat.period.save()
    assert specs(cat) == []


def test_admin_status_actions(cat, make_user):
    staff = make_user(is_staff=True)
    assert cat.slot.pk in slots(cat, cat.slot)
    session_status_set(actor=staff, sessions=[cat.slot, cat.slot_late], status=SessionStatus.CLOSED)
    assert slots(cat, cat.slot) == {}
    session_status_set(actor=staff, sessions=[cat.slot], status=SessionStatus.OPEN)
    assert cat.slot.pk in slots(cat, cat.slot)


def test_bulk_created_sessions(cat, make_user):
    staff = make_user(is_staff=True)
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M2")
    kwargs = {
        "period": cat.period,
        "mode": Mode.DIGITAL,
        "specialization": cat.spec,
        "gender": Gender.MALE,
    }
    [riyadh] = catalog.cities_with_seats(**kwargs)
    assert [c.code for c in catalog.centres_with_seats(**kwargs, city=riyadh)] == ["RUH-D-M"]
    first = cat.slot.date
    created = sessions_bulk_create(
        actor=staff,
        centre=centre,
        period=cat.period,
        date_from=first,
        date_to=first,
        weekdays=[first.weekday()],
        start_times=[time(9)],
        capacity=5,
        specializations=[cat.spec],
    )
    assert len(created) == 1
    codes = [c.code for c in catalog.centres_with_seats(**kwargs, city=riyadh)]
    assert codes == ["RUH-D-M", "RUH-D-M2"] or sorted(codes) == ["RUH-D-M", "RUH-D-M2"]


def test_new_specialization_and_version_survives_a_flush(cat):
    from django.core.cache import cache

    assert specs(cat) == [cat.spec]
    cache.clear()  # Redis restarted: the version starts again from the clock, never back at 1
    extra = make_specialization(code="chemistry", name_ar="الكيمياء", name_en="Chemistry")
    cat.slot.specializations.add(extra)
    assert extra in specs(cat)


# --- the race from the issue: the last seat while another candidate has the page open ----------


def _ready_client(user, cat):
    client = client_for(user)
    terms_accept(candidate=user, period=cat.period)
    return client


def _choose_slot(client, cat, session):
    return client.get(
        reverse("booking:choose", args=[cat.period.code]),
        {
            "mode": "digital",
            "spec": cat.spec.code,
            "city": session.centre.city.code,
            "centre": session.centre.code,
            "date": session.date.isoformat(),
        },
    )


def _hold(client, cat, session):
    return client.post(
        reverse("booking:review", args=[cat.period.code]),
        {"session": session.pk, "spec": cat.spec.code},
    )


def test_last_seat_booked_while_another_candidate_has_the_choice_open(cat, make_user):
    session = last_seat(cat)
    first, second = make_user(), make_user()
    first_client, second_client = _ready_client(first, cat), _ready_client(second, cat)

    # Both see the last seat as free (the second page comes from the cache).
    for client in (first_client, second_client):
        page = _choose_slot(client, cat, session)
        assert page.status_code == 200
        assert not {s.pk: s for s in page.context["options"]}[session.pk].is_full

    # The first books it.
    booked = _hold(first_client, cat, session)
    assert booked.status_code == 302

    # The second, from the page still open, confirms the same seat: a sentence, not a 500.
    refused = _hold(second_client, cat, session)
    assert refused.status_code == 409
    assert "مكتملة" in refused.context["error"]
    assert refused.context["error"] in refused.content.decode()

    # Reloading the choice shows it full; nothing is overbooked.
    again = _choose_slot(second_client, cat, session)
    assert {s.pk: s for s in again.context["options"]}[session.pk].is_full
    session.refresh_from_db()
    assert session.seats_taken == 1 == session.capacity
    assert (
        Registration.objects.filter(session=session, status__in=["held", "confirmed"]).count() == 1
    )


def test_a_stale_cached_free_seat_still_cannot_be_overbooked(cat, make_user):
    """Even when the cache is wrong (a write that bumped nothing), the hold is authoritative."""
    session = last_seat(cat)
    late = make_user()
    client = _ready_client(late, cat)
    assert not {s.pk: s for s in _choose_slot(client, cat, session).context["options"]}[
        session.pk
    ].is_full
    # Someone takes the seat behind the cache's back (no version bump).
    Session.objects.filter(pk=session.pk).update(seats_taken=F("capacity"))
    stale = _choose_slot(client, cat, session)
    assert not {s.pk: s for s in stale.context["options"]}[session.pk].is_full  # still cached
    refused = _hold(client, cat, session)
    assert refused.status_code == 409 and "مكتملة" in refused.context["error"]
    session.refresh_from_db()
    assert session.seats_taken == 1
    assert not Registration.objects.filter(session=session).exists()


def test_the_review_and_the_hold_follow_the_centres_row(cat, make_user):
    """The review reads the session's own row and takes its centre from the catalogue rows'
    cache: a centre renamed, or closed to bookings, since the page was cached shows at once."""
    session = cat.slot
    client = _ready_client(make_user(), cat)
    review = reverse("booking:review", args=[cat.period.code])
    query = {"session": session.pk, "spec": cat.spec.code}
    assert client.get(review, query).context["session"].centre.name_en == cat.digital.name_en
    cat.digital.name_en = "Renamed centre"
    cat.digital.save()
    page = client.get(review, query)
    assert page.context["session"].centre.name_en == "Renamed centre"
    cat.digital.active = False
    cat.digital.save()
    refused = _hold(client, cat, session)
    assert refused.status_code == 409
    assert refused.context["error"] == "مركز الاختبار هذا غير متاح. يُرجى اختيار مركز آخر."
    session.refresh_from_db()
    assert session.seats_taken == 0
    assert not Registration.objects.filter(session=session).exists()


def test_dates_step_drops_a_day_once_its_last_seat_is_taken(cat, candidate):
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M3")
    day: date = cat.slot.date + timedelta(days=1)
    only = make_session(centre, cat.period, day=day, start=time(8), capacity=1,
                        specializations=[cat.spec])  # fmt: skip
    kwargs = {"period": cat.period, "specialization": cat.spec, "gender": Gender.MALE}
    assert booking_selectors.dates_for_choice(**kwargs, centre=centre) == [day]
    services.registration_hold(
        candidate=candidate, session_id=only.pk, specialization_id=cat.spec.pk
    )
    assert booking_selectors.dates_for_choice(**kwargs, centre=centre) == []


# --- the step's markup, shared by every candidate who reached the same choices ----------------


def _rendered(page) -> set[str]:
    return {t.name for t in page.templates if t.name}


def _bodies() -> int:
    from django.core.cache import cache

    return sum(1 for key in cache._cache if "rukhsa:choose-body:" in key)  # type: ignore[attr-defined]


def test_the_steps_markup_is_shared_and_follows_every_seat(cat, make_user):
    first, second = make_user(), make_user()
    first_client, second_client = _ready_client(first, cat), _ready_client(second, cat)
    for client in (first_client, second_client):
        client.cookies["django_language"] = "en"
    page = _choose_slot(first_client, cat, cat.slot)
    assert "booking/_choose_body.html" in _rendered(page)
    assert "10 seats left" in page.content.decode()
    again = _choose_slot(second_client, cat, cat.slot)
    assert "booking/_choose_body.html" not in _rendered(again)  # the first one's, from the cache
    assert again.content.decode().count("10 seats left") == 1
    assert _hold(first_client, cat, cat.slot).status_code == 302  # a seat taken, not the last
    after = _choose_slot(second_client, cat, cat.slot)
    assert "booking/_choose_body.html" not in _rendered(after)  # the list as it was…
    assert "9 seats left" in after.content.decode()  # …with the seats left written in afresh
    assert "10 seats left" not in after.content.decode()
    second_client.cookies["django_language"] = "ar"
    arabic = _choose_slot(second_client, cat, cat.slot).content.decode()
    assert "المقاعد المتبقية: 9" in arabic and "<!--seats:" not in arabic


def test_the_steps_markup_is_kept_per_language_and_gender(cat, make_user):
    man, woman = make_user(), make_user(gender=Gender.FEMALE)
    client = _ready_client(man, cat)
    url = reverse("booking:choose", args=[cat.period.code])
    centres = {"mode": "digital", "spec": cat.spec.code, "city": cat.digital.city.code}
    client.cookies["django_language"] = "ar"
    arabic = client.get(url, centres).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url, centres).content.decode()
    assert "Test centre" in english and "Test centre" not in arabic
    assert cat.digital.name_en in english and cat.digital.name_ar in arabic
    women = _ready_client(woman, cat)
    women.cookies["django_language"] = "en"
    hers = women.get(url, centres).content.decode()
    assert cat.digital.name_en not in hers  # never the men's centres from the men's markup


def test_a_query_string_of_junk_cannot_fill_the_cache(cat, candidate):
    """The markup is keyed by the parsed choices: junk values all parse to "choose again"."""
    client = _ready_client(candidate, cat)
    client.cookies["django_language"] = "en"
    url = reverse("booking:choose", args=[cat.period.code])
    client.get(url, {"mode": "digital", "spec": "nothing-0"})
    before = _bodies()
    for n in range(1, 30):
        page = client.get(url, {"mode": "digital", "spec": f"nothing-{n}", f"x{n}": "y"})
        assert page.status_code == 200
        assert "This specialization has no free seats" in page.content.decode()
    assert _bodies() == before


# --- the hold's catalogue reads, cached: never wrong after a catalogue change ------------------


def test_a_session_that_stops_hosting_a_specialization_is_refused_at_once(cat, candidate):
    assert catalog.session_hosts(cat.slot, cat.spec.pk)  # cached now
    cat.slot.specializations.remove(cat.spec)
    assert not catalog.session_hosts(cat.slot, cat.spec.pk)
    refusal = services.eligibility_refusal(
        candidate=candidate, session=cat.slot, specialization_id=cat.spec.pk
    )
    assert refusal == "This session does not host your specialization. Please choose another."


def test_a_deactivated_specialization_is_neither_found_nor_hosted(cat):
    assert catalog.active_specialization(cat.spec.code) == cat.spec
    assert catalog.session_hosts(cat.slot, cat.spec.pk)
    cat.spec.active = False
    cat.spec.save()
    assert catalog.active_specialization(cat.spec.code) is None
    assert not catalog.session_hosts(cat.slot, cat.spec.pk)
    assert catalog.active_specialization("no such code; --") is None


def test_a_snapshot_reads_each_version_once_and_never_a_newer_one(cat, monkeypatch):
    reads: list[list[str]] = []
    real = choices._read_versions

    def counted(keys):
        reads.append(list(keys))
        return real(keys)

    monkeypatch.setattr(choices, "_read_versions", counted)
    with choices.snapshot():
        first = choices.version()
        catalog.period_specializations(period=cat.period, mode=Mode.DIGITAL, gender=Gender.MALE)
        catalog.period_by_id(cat.period.pk)  # the catalogue's number came with the first read
        slots(cat, cat.slot)  # the centre's number: read once, when first needed
        slots(cat, cat.slot)
        choices.bump()
        assert choices.version() == first  # the page reads one state
    assert reads == [
        [choices.VERSION_KEY, choices.CATALOGUE_VERSION_KEY],
        [choices.CENTRE_VERSION_KEY.format(cat.digital.pk)],
    ]
    assert choices.version() > first


# --- each process's copies of the entries ---------------------------------------------------


def test_an_entry_read_once_is_served_from_the_process_memory(cat, monkeypatch):
    from django.core.cache import cache

    kwargs = {"period": cat.period, "mode": Mode.DIGITAL, "gender": Gender.MALE}
    assert catalog.period_specializations(**kwargs) == [cat.spec]
    gets: list[str] = []
    real_get = cache.get

    def counted(key, *args, **kw):
        gets.append(key)
        return real_get(key, *args, **kw)

    monkeypatch.setattr(cache, "get", counted)
    with choices.snapshot():
        assert catalog.period_specializations(**kwargs) == [cat.spec]
    assert not any(":specializations:" in key for key in gets)
    # Another process (its memory empty) reads what this one stored, from the shared cache.
    choices.forget_kept()
    with choices.snapshot():
        assert catalog.period_specializations(**kwargs) == [cat.spec]
    assert any(":specializations:" in key for key in gets)


def test_a_seat_event_elsewhere_reaches_the_process_through_the_version(cat):
    kwargs = {"period": cat.period, "mode": Mode.DIGITAL, "gender": Gender.MALE}
    assert catalog.period_specializations(**kwargs) == [cat.spec]
    # The last seats go without a signal this process sees (another process, a bulk update):
    # only the version number it bumped in the shared cache tells.
    Session.objects.filter(period=cat.period).update(seats_taken=F("capacity"))
    assert catalog.period_specializations(**kwargs) == [cat.spec]  # the copy, as before
    choices.seats_freed()
    assert catalog.period_specializations(**kwargs) == []


def test_the_process_copy_expires_with_the_shared_entry(cat, monkeypatch):
    kwargs = {"period": cat.period, "mode": Mode.DIGITAL, "gender": Gender.MALE}
    assert catalog.period_specializations(**kwargs) == [cat.spec]
    Session.objects.filter(period=cat.period).update(seats_taken=F("capacity"))
    real = choices.time.time
    monkeypatch.setattr(choices.time, "time", lambda: real() + choices.TTL + 1)
    assert catalog.period_specializations(**kwargs) == []  # the safety net still holds


def test_nothing_is_kept_for_a_code_that_names_nothing(cat):
    for n in range(choices.LOCAL_SIZE + 10):
        assert catalog.active_specialization(f"no-such-code-{n}") is None
    assert len(choices._kept._entries) < 10
    assert catalog.active_specialization(cat.spec.code) == cat.spec


def test_the_process_memory_is_bounded(monkeypatch):
    kept = choices._Kept(3)
    for n in range(5):
        kept.put(f"k{n}", choices.time.time() + 30, n)
    assert kept.get("k0", choices.time.time()) is None
    assert kept.get("k1", choices.time.time()) is None
    assert [kept.get(f"k{n}", choices.time.time()) for n in (2, 3, 4)] == [2, 3, 4]


# --- catalogue rows: kept through seat events, never after a catalogue change -----------------


def test_catalogue_rows_stay_cached_when_seats_move_and_not_when_the_catalogue_changes(
    cat, candidate, django_assert_num_queries
):
    session = last_seat(cat)  # a catalogue write: before the rows are cached
    assert catalog.centre_by_id(cat.digital.pk) == cat.digital
    assert catalog.period_by_code(cat.period.code) == cat.period
    assert catalog.session_hosts(cat.slot, cat.spec.pk)
    services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=cat.spec.pk
    )  # fills its session: every seat count is stale
    choices.seats_freed()
    with django_assert_num_queries(0):
        assert catalog.centre_by_id(cat.digital.pk).name_en == cat.digital.name_en
        assert catalog.period_by_code(cat.period.code) == cat.period
        assert catalog.session_hosts(cat.slot, cat.spec.pk)
    cat.digital.name_en = "Renamed Centre"
    cat.digital.save()
    assert catalog.centre_by_id(cat.digital.pk).name_en == "Renamed Centre"


def test_a_registration_page_shows_its_centre_as_the_catalogue_now_has_it(cat, candidate):
    held = services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    client = _ready_client(candidate, cat)
    client.cookies["django_language"] = "en"
    url = reverse("booking:registration", args=[held.reference])
    assert cat.digital.name_en in client.get(url).content.decode()
    cat.digital.name_en = "Renamed Centre"
    cat.digital.save()
    page = client.get(url).content.decode()
    assert "Renamed Centre" in page
    other = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M9")
    assert other.name_en not in page


def test_the_centres_seats_read_counts_lapsed_holds_as_the_orm_read_does(cat, make_user):
    """`centre_seats` writes out the statement `_with_lapsed_holds` builds: both give the same
    seats taken and lapsed seats, a lapsed seat hold and a lapsed change hold included."""
    from rukhsa.booking.models import PendingChange

    held = services.registration_hold(
        candidate=make_user(), session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    mover = services.registration_hold(
        candidate=make_user(), session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    PendingChange.objects.create(
        registration=mover, to_session=cat.slot, held_until=clock.now() + timedelta(minutes=5)
    )
    later = clock.now() + timedelta(minutes=16)

    def orm() -> dict[int, tuple[int, int]]:
        rows = booking_selectors._with_lapsed_holds(
            Session.objects.filter(
                period=cat.period,
                centre=cat.digital,
                status=SessionStatus.OPEN,
                date__gt=clock.today(),
            )
        ).values_list("pk", "seats_taken", F("seats_lapsed"))
        return {pk: (taken, lapsed) for pk, taken, lapsed in rows}

    def raw() -> dict[int, tuple[int, int]]:
        return booking_selectors._read_centre_seats(
            period_id=cat.period.pk, centre_id=cat.digital.pk
        )

    assert raw() == orm()
    assert raw()[cat.slot.pk] == (2, 0)
    with time_machine.travel(later, tick=False):
        assert raw() == orm()
        assert raw()[cat.slot.pk] == (2, 3)  # two seat holds and the change's hold ran out
    assert held.pk  # still held in the database: nothing was written by the reads
