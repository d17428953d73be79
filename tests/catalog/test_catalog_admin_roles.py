"""Each role sees and changes only its part of the back office."""

import pytest
from django.contrib.auth.models import Group

from rukhsa.core.admin_site import ROLES, roles_setup
from tests.catalog.factories import make_centre, make_period, make_session

pytestmark = pytest.mark.django_db

SESSIONS = "/admin/catalog/session/"
SESSION_ADD = "/admin/catalog/session/add/"
BULK = "/admin/catalog/session/bulk-create/"
USERS = "/admin/accounts/user/"
TESTS = "/admin/catalog/test/"


def status(client, url: str) -> int:  # type: ignore[no-untyped-def]
    return client.get(url).status_code


def test_setup_roles_is_idempotent() -> None:
    roles_setup()
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    roles_setup()
    again = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert first == again
    assert set(first) == {role.name for role in ROLES}
    assert "add_session" in first["Catalogue manager"]
    assert "add_session" not in first["Support"]


def test_catalogue_manager_changes_the_catalogue_but_not_people(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Catalogue manager")
    assert status(client, SESSIONS) == 200
    assert status(client, SESSION_ADD) == 200
    assert status(client, BULK) == 200
    assert status(client, USERS) == 403


def test_support_reads_the_catalogue_and_helps_candidates(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Support")
    session = make_session(make_centre(), make_period())
    assert status(client, SESSIONS) == 200
    assert status(client, SESSION_ADD) == 403
    assert status(client, BULK) == 403
    assert status(client, USERS) == 200
    # view-only: the change page shows no form to save
    page = client.get(f"{SESSIONS}{session.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    response = client.post(
        SESSIONS, {"action": "cancel_sessions", "_selected_action": [session.pk]}
    )
    session.refresh_from_db()
    assert session.status == "open"
    assert response.status_code in (200, 302)


def test_results_officer_reads_sessions_only(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Results officer")
    assert status(client, SESSIONS) == 200
    assert status(client, SESSION_ADD) == 403
    assert status(client, USERS) == 403
    assert status(client, "/admin/catalog/centre/") == 403


def test_finance_reads_tests_and_periods_only(staff_client) -> None:  # type: ignore[no-untyped-def]
    client = staff_client("Finance")
    assert status(client, TESTS) == 200
    assert status(client, "/admin/catalog/test/add/") == 403
    assert status(client, SESSIONS) == 403
    assert status(client, USERS) == 403


def test_the_index_lists_only_what_the_role_may_see(staff_client) -> None:  # type: ignore[no-untyped-def]
    page = staff_client("Finance").get("/admin/").content.decode()
    assert "/admin/catalog/test/" in page
    assert "/admin/catalog/session/" not in page
    assert "/admin/accounts/user/" not in page
