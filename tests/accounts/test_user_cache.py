"""The signed-in user read from the cache (accounts/usercache.py): one query fewer on each page,
and every write of the user seen on the next request."""

from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import User
from rukhsa.accounts.services import preferred_language_set
from tests.conftest import PASSWORD

BACKEND = "rukhsa.accounts.backends.IdentityBackend"
PAGE = reverse("dashboard")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def user_selects(queries) -> int:  # type: ignore[no-untyped-def]
    """Reads of the user's row (its columns, the password hash among them); the dashboard's
    EXISTS query is anchored on the user's primary key but loads nothing of the row."""
    return sum('"accounts_user"."password"' in q["sql"] for q in queries.captured_queries)


def test_the_second_page_does_not_read_the_user_row(candidate, django_assert_max_num_queries):
    client = signed_in(candidate)
    with django_assert_max_num_queries(50) as first:
        assert client.get(PAGE).status_code == 200
    with django_assert_max_num_queries(50) as second:
        assert client.get(PAGE).status_code == 200
    assert user_selects(first) == 1
    assert user_selects(second) == 0


def test_a_deactivated_account_is_signed_out_on_its_next_page(candidate):
    client = signed_in(candidate)
    assert client.get(PAGE).status_code == 200  # cached now
    candidate.is_active = False
    candidate.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_password_change_elsewhere_ends_the_other_sessions(candidate):
    client = signed_in(candidate)
    assert client.get(PAGE).status_code == 200
    candidate.set_password(PASSWORD + "-new")
    candidate.save()
    response = client.get(PAGE)  # the session's hash no longer matches the fresh row
    assert response.status_code == 302


def test_an_update_that_bypasses_save_is_seen(candidate):
    client = signed_in(candidate)
    assert client.get(PAGE).status_code == 200
    preferred_language_set(user=candidate, language="en")
    client.get(PAGE)
    assert client.get(PAGE).wsgi_request.user.preferred_language == "en"


def test_a_deleted_account_is_signed_out(candidate):
    client = signed_in(candidate)
    assert client.get(PAGE).status_code == 200
    User.objects.filter(pk=candidate.pk).delete()
    assert client.get(PAGE).status_code == 302


def test_switching_an_account_off_ends_its_sessions(candidate, django_capture_on_commit_callbacks):
    from rukhsa.accounts.models import UserSession

    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"identifier": candidate.identity_number, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert UserSession.objects.filter(user=candidate).exists()
    with django_capture_on_commit_callbacks(execute=True):
        candidate.is_active = False
        candidate.save()
    assert not UserSession.objects.filter(user=candidate).exists()
    assert client.get(PAGE).status_code == 302
