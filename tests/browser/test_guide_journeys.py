"""The visual guide's journeys against the demo database, in Arabic and in English.

Check mode (the default, and what CI runs): every step of every service still runs against the
current pages, in the order and under the keys rukhsa.guide.content lists, so a page change
that breaks a step fails the build. Nothing is written.

Capture mode (``RUKHSA_GUIDE=capture``, run by ``make guide``): the same run also saves each
step's picture (phone width, WebP) where the web guide and the PDF take them from, and a
desktop picture of the account page for the contents.
"""

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.demo.loader import CANDIDATE_ID
from rukhsa.guide import content
from tests.browser.journeys import World, load_all
from tests.browser.support import DESKTOP, PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.guide, pytest.mark.django_db(transaction=True)]

CAPTURE = os.environ.get("RUKHSA_GUIDE") == "capture"
SCALE = 2  # device pixels per CSS pixel: sharp on phones and in print
PHONE_SHOT = {"width": PHONE["width"], "height": 720}
WEBP_QUALITY = 70
HIGHLIGHT = "3px solid #c0392b"

JOURNEYS = load_all()


def save_webp(png: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.save(path, "WEBP", quality=WEBP_QUALITY, method=6)


def as_a_teacher_sees_it(page: Page) -> None:
    """No development-only footer link, no text cursor, focus ring or hover colour competing
    with the step's outline."""
    page.mouse.move(0, 0)
    page.evaluate(
        "() => { document.activeElement?.blur();"
        " document.querySelectorAll(\"a[href$='/dev/outbox/']\")"
        ".forEach(a => a.parentElement.hidden = true); }"
    )


class Camera:
    """The `shot` the guide passes to a journey: checks each step's key against the guide's
    table and, when capturing, saves the picture with the step's subject outlined."""

    def __init__(self, service: content.Service, language: str) -> None:
        self.service = service
        self.language = language
        self.keys: list[str] = []

    def __call__(self, page: Page, key: str, *, focus: str | None = None) -> None:
        index = len(self.keys)
        self.keys.append(key)
        expected = [step.key for step in self.service.steps]
        assert index < len(expected) and expected[index] == key, (
            f"{self.service.slug}: step {index + 1} is {key!r}; the guide lists {expected}"
        )
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        target = page.locator(focus).first if focus else None
        if target is not None:
            expect(target).to_be_visible()
        assert_accessible(page)  # every step's page, in both languages, every impact
        if not CAPTURE:
            return
        as_a_teacher_sees_it(page)
        if target is not None:
            target.evaluate(
                "(el, outline) => { el.scrollIntoView({block: 'center'});"
                " el.dataset.guideOutline = el.style.outline; el.style.outline = outline;"
                " el.style.outlineOffset = '3px'; }",
                HIGHLIGHT,
            )
        else:
            page.evaluate("window.scrollTo(0, 0)")
        png = page.screenshot(animations="disabled", caret="hide")
        if target is not None:
            target.evaluate("el => { el.style.outline = el.dataset.guideOutline || ''; }")
        save_webp(png, self.service.image_path(self.language, index))


@pytest.fixture
def world_for(
    new_context: Callable[..., BrowserContext], base_url: str
) -> Callable[[str, dict[str, int]], World]:
    def make(language: str, viewport: dict[str, int]) -> World:
        call_command("load_demo", verbosity=0)
        context = new_context(
            viewport=viewport,
            device_scale_factor=SCALE,
            locale="ar-SA" if language == "ar" else "en-US",
        )
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        return World(context=context, base_url=base_url, language=language)

    return make


@pytest.mark.parametrize("language", content.LANGUAGES)
@pytest.mark.parametrize("slug", [service.slug for service in content.SERVICES])
def test_every_guide_step_runs(
    slug: str, language: str, world_for: Callable[[str, dict[str, int]], World]
) -> None:
    service = content.BY_SLUG[slug]
    assert slug in JOURNEYS, f"no guide journey for {slug} in tests/browser/journeys/"
    world = world_for(language, PHONE_SHOT)
    camera = Camera(service, language)
    JOURNEYS[slug](world.context.new_page(), camera, world)
    assert camera.keys == [step.key for step in service.steps]


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_the_contents_picture(
    language: str, world_for: Callable[[str, dict[str, int]], World]
) -> None:
    """The account page at desktop width: where every service starts."""
    from rukhsa.accounts.models import User

    world = world_for(language, {"width": DESKTOP["width"], "height": 760})
    candidate = User.objects.get(identity_key=CANDIDATE_ID)
    candidate.preferred_language = language
    candidate.save(update_fields=["preferred_language"])
    world.log_in(candidate)
    page = world.context.new_page()
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#main h1")).to_be_visible()
    assert_accessible(page)
    if CAPTURE:
        as_a_teacher_sees_it(page)
        png = page.screenshot(animations="disabled", caret="hide")
        save_webp(png, content.STATIC_ROOT / content.contents_image_name(language))
