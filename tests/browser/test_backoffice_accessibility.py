"""Every back-office page in a real browser, in Arabic and English: axe-core finds nothing, of
any impact. The walk starts at the home page and follows the back office's own links (every
app, every list, every add form, the first change form of each list, the dashboard and the
operator tools), so a new model or page is walked without being named here."""

from collections.abc import Callable
from datetime import time
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from rukhsa.accounts.models import User
from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.booking.test_booking_ticket import confirmed, new_staff
from tests.browser.support import DESKTOP, axe_violations, doc_screenshots
from tests.browser.test_checkin_browser import staff_log_in
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages that change something when opened, or leave the back office.
SKIP = ("/logout/", "/password_change/", "/delete/", "/history/", "/r/", "/jsi18n/", "/dev/")
SKIP_EXTENSIONS = (".csv", ".xlsx", ".pdf", ".ics")
STANDARD_VIEWS = ("_changelist", "_add", "_history", "_delete", "_change")


def walk(page: Page, start: str, check: Callable[[str], None], *, limit: int = 200) -> list[str]:
    """Breadth-first over the back office's links, checking each page as it is opened; one
    change form per list."""
    prefix = urlsplit(start).path
    seen: set[str] = set()
    queue = [start]
    change_forms: set[str] = set()
    visited: list[str] = []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        visited.append(url)
        check(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            parts = urlsplit(href)
            path = parts.path
            if not (path.startswith(prefix) or path.startswith("/staff/")):
                continue
            if parts.query or any(s in path for s in SKIP) or path.endswith(SKIP_EXTENSIONS):
                continue
            segments = [s for s in path[len(prefix) :].split("/") if s]
            # .../app/model/<id>/change/: one per model is enough.
            if len(segments) >= 4 and segments[3] == "change":
                model = "/".join(segments[:2])
                if model in change_forms:
                    continue
                change_forms.add(model)
            normal = f"{parts.scheme}://{parts.netloc}{path}"
            if normal not in seen:
                queue.append(normal)
    return visited


@pytest.mark.parametrize("viewport", [DESKTOP])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_back_office_page_has_no_axe_violation(
    page: Page,
    context: BrowserContext,
    base_url: str,
    make_user: Callable[..., User],
    language: str,
) -> None:
    today = clock.today()
    period = make_period(first_test_day=today)
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, name_ar="مركز الملك فهد")
    session = make_session(centre, period, day=today, start=time(23, 30), specializations=[spec])
    confirmed(make_user(), session, spec)
    staff = new_staff(make_user, superuser=True)

    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto("/admin/login/")
    failures: list[str] = []

    def check(url: str) -> None:
        if page.locator("h1").count() == 0:
            failures.append(f"{url}: no heading")
        for violation in axe_violations(page):
            targets = [node["target"] for node in violation["nodes"][:4]]
            failures.append(f"{url}: {violation['id']} ({violation['impact']}) {targets}")

    check(page.url)  # the login page
    staff_log_in(page, staff)
    for shot, path in (
        ("backoffice-home", "/admin/"),
        ("backoffice-dashboard", "/admin/dashboard/"),
    ):
        page.goto(path)
        doc_screenshots(page, f"{shot}-{language}")
    pages = walk(page, f"{base_url}/admin/", check)
    assert any(p.endswith("/admin/dashboard/") for p in pages)
    assert any("/staff/check-in/" in p for p in pages), "the home page links to check-in"
    assert len(pages) > 40, pages  # every app, list and form, not just the home page
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("viewport", [DESKTOP])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_registered_model_list_add_and_change_form_has_no_axe_violation(
    page: Page,
    context: BrowserContext,
    base_url: str,
    make_user: Callable[..., User],
    language: str,
) -> None:
    """The admin's own registry, not its links: every registered model's list, add form (where
    adding is allowed) and the change form of its first row, on the demo data."""
    call_command("load_demo", verbosity=0)
    staff = new_staff(make_user, superuser=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto("/admin/login/")
    staff_log_in(page, staff)
    failures: list[str] = []
    visited: list[str] = []

    def check(url: str) -> None:
        response = page.goto(url)
        assert response is not None
        if response.status in (403, 405):  # an add form the model does not allow; POST only
            return
        assert response.status == 200, (url, response.status)
        visited.append(url)
        for violation in axe_violations(page):
            targets = [node["target"] for node in violation["nodes"][:4]]
            failures.append(f"{url}: {violation['id']} ({violation['impact']}) {targets}")

    lists = 0
    own_pages: list[str] = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        check(reverse("admin:{}_{}_changelist".format(*info)))
        lists += 1
        check(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            check(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        # The model's own pages (results import and publication, the waiting room's live
        # view…): those that need no argument, or only the row's pk.
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if not name or name.endswith(STANDARD_VIEWS):
                continue
            converters = set(pattern.pattern.converters)
            if not converters:
                url = reverse(f"admin:{name}")
            elif converters == {"pk"} and first is not None:
                url = reverse(f"admin:{name}", kwargs={"pk": first.pk})
            else:
                continue
            own_pages.append(url)
            check(url)
    assert any(url.endswith("/results/result/import/") for url in own_pages), own_pages
    assert any(url.endswith("/live/") for url in own_pages), own_pages
    assert lists == len(admin.site._registry) > 20
    assert len(visited) > lists + 20, visited  # lists, and add and change forms beside them
    assert not failures, "\n".join(failures)
