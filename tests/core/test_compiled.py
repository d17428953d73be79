"""core.compiled: a statement compiled once, run with other values; never wrong."""

from datetime import date, timedelta

from rukhsa.accounts.models import User
from rukhsa.core import clock
from rukhsa.core.compiled import Compiled


def test_values_go_where_the_stand_ins_went(make_user):
    first, second = make_user(), make_user()
    joined = Compiled(
        lambda user_id, since: User.objects.filter(pk=user_id, date_joined__gte=since).values_list(
            "pk"
        ),
        kinds=(int, type(clock.now())),
    )
    assert joined.compiled()
    past, future = clock.now() - timedelta(days=1), clock.now() + timedelta(days=1)
    assert joined.rows(first.pk, past) == [(first.pk,)]
    assert joined.rows(second.pk, past) == [(second.pk,)]
    assert joined.rows(second.pk, future) == []


def test_a_value_the_query_does_not_take_as_a_parameter_runs_the_queryset(make_user):
    user = make_user()
    # The id is not used at all: no stand-in to find, so the queryset runs every time.
    ignoring = Compiled(lambda user_id: User.objects.filter(pk=user.pk).values_list("pk"), (int,))
    assert not ignoring.compiled()
    assert ignoring.rows(12345) == [(user.pk,)]


def test_model_instances_as_the_orm_builds_them(make_user):
    """objects()/first(): the instances iterating the queryset gives, every field through the
    ORM's converters (SQLite sends times as text), their state bound to the database."""
    users = [make_user(), make_user()]
    by_joined = Compiled(
        lambda since, user_id: User.objects.filter(
            date_joined__gte=since, pk__gte=user_id
        ).order_by("pk"),
        kinds=(type(clock.now()), int),
    )
    assert by_joined.compiled()
    since = clock.now() - timedelta(days=1)
    compiled = by_joined.objects(since, users[0].pk)
    assert [u.pk for u in compiled] == [u.pk for u in users]
    for got, want in zip(
        compiled, User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"), strict=True
    ):
        for field in User._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(want, field.attname), field.name
        assert type(got.date_joined) is type(want.date_joined)
        assert got._state.db == "default" and not got._state.adding
    assert by_joined.first(since, users[1].pk).pk == users[1].pk
    assert by_joined.first(since + timedelta(days=2), users[0].pk) is None


def test_days_and_texts_are_stand_ins_too(make_user):
    user = make_user()
    assert user.birth_date is not None
    by_identity = Compiled(
        lambda number, born_by: User.objects.filter(
            identity_number=number, birth_date__lte=born_by
        )[:1],
        kinds=(str, date),
    )
    assert by_identity.compiled()
    found = by_identity.first(user.identity_number, clock.today())
    assert found.pk == user.pk and found.birth_date == user.birth_date
    assert by_identity.first(user.identity_number, user.birth_date - timedelta(days=1)) is None
    assert by_identity.first("no-such-number", clock.today()) is None


def test_a_queryset_with_a_second_statement_is_not_compiled(make_user):
    """prefetch_related runs a second statement: the queryset runs every time, whole."""
    make_user()
    prefetching = Compiled(
        lambda user_id: User.objects.filter(pk__gte=user_id).prefetch_related("groups"), (int,)
    )
    assert not prefetching.compiled()
    assert prefetching.objects(0)
