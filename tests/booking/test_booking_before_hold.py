"""The hold's first question (four EXISTS) and the confirmation's question about the waiting
list, sent as SQL compiled once: the same answers as the querysets they were compiled from, on
SQLite and on PostgreSQL."""

from datetime import timedelta

from rukhsa.booking import services, waitlist
from rukhsa.catalog.models import Session
from rukhsa.core import clock


def test_the_compiled_question_answers_as_the_queryset(cat, make_user):
    assert waitlist._BEFORE_HOLD.compiled()
    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    holder, waiter, stranger = make_user(), make_user(), make_user()
    services.registration_hold(
        candidate=holder, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    seen: set[tuple[int, bool]] = set()

    def compare() -> None:
        now = clock.now()
        for moment in (now, now + timedelta(minutes=16)):  # the hold live, then lapsed
            for session in (cat.slot, cat.sitting):
                for candidate in (holder, waiter, stranger):
                    args = (session.pk, cat.period.pk, candidate.pk, cat.test.pk, moment)
                    compiled = [tuple(map(bool, row)) for row in waitlist._BEFORE_HOLD.rows(*args)]
                    assert compiled == list(waitlist._before_hold_query(*args)), args
                    seen.update(enumerate(compiled[0]))

    compare()  # nobody waiting
    waitlist.waitlist_join(
        candidate=waiter, period=cat.period, specialization_id=cat.spec.pk, session_id=cat.slot.pk
    )
    compare()
    assert seen == {(i, flag) for i in range(4) for flag in (True, False)}  # every answer met


def test_the_confirmation_asks_the_list_once_and_as_the_queryset_would(cat, make_user):
    """Paying checks the waiting list with one compiled question; its locking reads run only
    for a candidate with an offer or an open entry (the offer flows: test_booking_waitlist)."""
    assert waitlist._ON_THE_LIST.compiled()
    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    holder, waiter = make_user(), make_user()
    held = services.registration_hold(
        candidate=holder, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    cases = [(held.pk, holder.pk, cat.test.pk), (held.pk, waiter.pk, cat.test.pk)]
    answers = []
    for joined in (False, True):
        if joined:
            waitlist.waitlist_join(
                candidate=waiter,
                period=cat.period,
                specialization_id=cat.spec.pk,
                session_id=cat.slot.pk,
            )
        for args in cases:
            compiled = [tuple(map(bool, row)) for row in waitlist._ON_THE_LIST.rows(*args)]
            assert compiled == list(waitlist._on_the_list_query(*args)), args
            answers.append(compiled[0])
    assert answers == [(False, False), (False, False), (False, False), (False, True)]


def test_the_start_pages_and_the_terms_questions_are_compiled_and_answer_as_their_querysets(
    cat, make_user
):
    from rukhsa.booking import selectors, terms

    assert selectors._HOLDS_ANY.compiled() and terms._ACCEPTED_VERSION.compiled()
    newcomer, holder = make_user(), make_user()
    services.registration_hold(
        candidate=holder, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    terms.terms_accept(candidate=holder, period=cat.period)
    for user in (newcomer, holder):
        holds = [tuple(map(bool, row)) for row in selectors._HOLDS_ANY.rows(user.pk)]
        assert holds == list(selectors._HOLDS_ANY.build(user.pk))
        args = (user.pk, cat.period.pk)
        assert terms._ACCEPTED_VERSION.rows(*args) == list(terms._ACCEPTED_VERSION.build(*args))
    assert selectors.holds_any(candidate=holder) and not selectors.holds_any(candidate=newcomer)
    assert terms.terms_accepted(candidate=holder, period=cat.period)
    assert not terms.terms_accepted(candidate=newcomer, period=cat.period)
