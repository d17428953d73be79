"""core.compiled: a statement compiled once, run with other values; never wrong."""

from datetime import timedelta

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
