"""The web guide: the contents in the commission's order, a page of pictured steps per service
in Arabic and English, and a "how does this work?" link on every service page of the product."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from PIL import Image

from rukhsa.accounts.models import User
from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Mode
from rukhsa.demo.loader import CANDIDATE_ID
from rukhsa.guide import content
from rukhsa.results.models import Result

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
MAX_IMAGE_BYTES = 100 * 1024

# The commission's guide (shared/seed), its contents in its order.
SEED_CONTENTS = [
    ("1.1", "خطوات إنشاء حساب للسعودي أو المقيم أو الزائر في جواز مستقل"),
    ("2.1", "خطوات استعادة كلمة المرور"),
    ("2.2", "خطوات تعديل البيانات الشخصية"),
    ("3.1", "خطوات التسجيل في اختبار الرخصة المهنية التخصصي (الورقي)"),
    ("3.2", "خطوات التسجيل في اختبار الرخصة المهنية التخصصي (الرقمي)"),
    ("3.3", "خطوات تسديد المقابل المالي عن طريق البطاقة البنكية أو الائتمانية"),
    ("3.4", "خطوات عرض تفاصيل اختبارك المؤكد"),
    ("3.5", "خطوات التعديل على موعد اختبارك الورقي المؤكد"),
    ("3.6", "خطوات التعديل على موعد اختبارك الرقمي المؤكد"),
    ("3.7", "خطوات الانضمام إلى قائمة الانتظار وسداد المقعد المعروض عليك"),
    ("4.1", "خطوات عرض نتيجة اختبار الرخصة المهنية التخصصي"),
    ("4.2", "خطوات الاطلاع على تفاصيل نتيجة اختبار الرخصة المهنية التخصصي"),
]


class Page(HTMLParser):
    """The parts of a guide page the tests read: links, pictures, captions, steps."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, class)
        self.service_links: list[str] = []  # links in the contents' service lists
        self.steps: list[dict[str, str]] = []
        self._in: list[str] = []
        self._caption: list[str] | None = None
        self._list_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "ol" and "guide-services" in classes:
            self._list_depth += 1
        if tag == "a":
            self.links.append((a.get("href", ""), a.get("class", "")))
            if self._list_depth:
                self.service_links.append(a.get("href", ""))
        if tag == "li" and "guide-step" in classes:
            self.steps.append({"image": "", "alt": "", "caption": ""})
        if tag == "img" and self.steps and not self.steps[-1]["image"]:
            self.steps[-1]["image"] = a.get("src", "")
            self.steps[-1]["alt"] = a.get("alt", "")
        if tag == "figcaption" and self.steps:
            self._caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol" and self._list_depth:
            self._list_depth -= 1
        if tag == "figcaption" and self._caption is not None:
            self.steps[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)


def parse(html: bytes) -> Page:
    page = Page()
    page.feed(html.decode())
    return page


def get(client: Client, path: str, language: str) -> bytes:
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content


# --- The contents -------------------------------------------------------------------------------


def test_the_table_has_the_seeds_eleven_services_and_the_waiting_list_in_order() -> None:
    assert [s.number for s in content.SERVICES] == [n for n, _t in SEED_CONTENTS]
    with translation.override("ar"):
        assert [str(s.title) for s in content.SERVICES] == [t for _n, t in SEED_CONTENTS]
    assert [s.section.number for s in content.SERVICES] == [n[0] for n, _t in SEED_CONTENTS]
    assert len({s.slug for s in content.SERVICES}) == 12


@pytest.mark.django_db
@pytest.mark.parametrize("language", content.LANGUAGES)
def test_the_contents_lists_all_twelve_services_in_order(client: Client, language: str) -> None:
    html = get(client, "/guide/", language)
    page = parse(html)
    assert page.service_links == [f"/guide/{s.slug}/" for s in content.SERVICES]
    text = html.decode()
    positions = []
    with translation.override(language):
        for service in content.SERVICES:
            title = str(service.title)
            assert title in text, title
            positions.append(text.index(title))
        for section in content.SECTIONS:
            assert str(section.title) in text
    assert positions == sorted(positions)
    if language == "ar":
        for _number, seed_title in SEED_CONTENTS:
            assert seed_title in text
    # Both PDF editions can be downloaded from the contents.
    hrefs = [href for href, _c in page.links]
    for edition in content.LANGUAGES:
        assert any(h.endswith(f"rukhsa-guide-{edition}.pdf") for h in hrefs), hrefs


# --- The service pages ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", content.LANGUAGES)
@pytest.mark.parametrize("slug", [s.slug for s in content.SERVICES])
def test_every_service_page_has_numbered_steps_with_pictures_and_captions(
    client: Client, slug: str, language: str
) -> None:
    service = content.BY_SLUG[slug]
    page = parse(get(client, f"/guide/{slug}/", language))
    assert len(page.steps) >= 3
    assert len(page.steps) == len(service.steps)
    with translation.override(language):
        captions = [str(step.caption) for step in service.steps]
    for index, (step, caption) in enumerate(zip(page.steps, captions, strict=True)):
        assert step["image"].endswith(
            f"/guide/{language}/{slug}/{index + 1:02d}-{service.steps[index].key}.webp"
        )
        assert step["alt"]
        assert caption in step["caption"]
        if language == "ar":
            assert ARABIC_LETTER.search(step["caption"]), step["caption"]
    hrefs = [href for href, _c in page.links]
    assert service.service_url() in hrefs  # go to the service (الانتقال السريع)
    assert "/guide/" in hrefs  # back to the contents


def test_unknown_guide_page_is_404(client: Client) -> None:
    assert client.get("/guide/no-such-service/").status_code == 404


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_every_step_picture_exists_small_and_phone_shaped(language: str) -> None:
    for service in content.SERVICES:
        for index in range(len(service.steps)):
            path = service.image_path(language, index)
            assert path.exists(), f"{path} is missing: run `make guide`"
            assert path.stat().st_size < MAX_IMAGE_BYTES, (path, path.stat().st_size)
            with Image.open(path) as image:
                assert image.format == "WEBP"
                width, height = image.size
                assert width < height, (path, image.size)  # phone width, portrait
    contents = content.STATIC_ROOT / content.contents_image_name(language)
    assert contents.exists() and contents.stat().st_size < MAX_IMAGE_BYTES
    with Image.open(contents) as image:
        assert image.size[0] > image.size[1]  # the desktop picture


def test_no_picture_is_left_over_from_a_step_that_is_gone() -> None:
    wanted = {
        service.image_path(language, index)
        for service in content.SERVICES
        for language in content.LANGUAGES
        for index in range(len(service.steps))
    }
    on_disk = set((content.STATIC_ROOT / content.IMAGE_FOLDER).glob("*/*/*.webp"))
    assert on_disk <= wanted, sorted(str(p) for p in on_disk - wanted)


# --- "How does this work?" on every service page of the product ----------------------------------


def guide_links(html: bytes) -> list[str]:
    return [href for href, cls in parse(html).links if "guide-help-link" in cls]


@pytest.mark.django_db
def test_every_service_page_links_to_its_guide_page(client: Client) -> None:
    from tests.browser.journeys import demo

    call_command("load_demo", verbosity=0)
    anonymous = Client()
    assert guide_links(get(anonymous, "/accounts/signup/", "ar")) == ["/guide/create-account/"]
    assert guide_links(get(anonymous, "/accounts/recover/", "ar")) == ["/guide/password-recovery/"]
    assert guide_links(get(anonymous, "/accounts/login/", "ar")) == ["/guide/password-recovery/"]

    user = User.objects.get(identity_key=CANDIDATE_ID)
    client.force_login(user)
    assert guide_links(get(client, "/accounts/profile/", "ar")) == ["/guide/edit-personal-data/"]
    assert guide_links(get(client, "/accounts/profile/edit/", "en")) == [
        "/guide/edit-personal-data/"
    ]
    both = ["/guide/register-paper/", "/guide/register-digital/"]
    assert guide_links(get(client, "/register/", "ar")) == both
    period = demo.OPEN_PERIOD
    assert guide_links(get(client, f"/register/{period}/", "ar")) == both
    client.post(f"/register/{period}/", {"accept": "yes"})
    choose = f"/register/{period}/choose/"
    assert guide_links(get(client, choose, "ar")) == both
    assert guide_links(get(client, choose + "?mode=paper", "ar")) == ["/guide/register-paper/"]
    assert guide_links(get(client, choose + "?mode=digital", "ar")) == ["/guide/register-digital/"]

    held = demo.hold(user, Mode.DIGITAL)
    assert guide_links(get(client, f"/registrations/{held.reference}/", "ar")) == [
        "/guide/payment/"
    ]
    demo.pay_without_browser(user, held.reference)
    assert guide_links(get(client, f"/registrations/{held.reference}/", "ar")) == [
        "/guide/confirmed-test/",
        "/guide/change-digital/",
    ]
    assert guide_links(get(client, "/registrations/", "ar")) == ["/guide/confirmed-test/"]
    assert guide_links(get(client, f"/registrations/{held.reference}/ticket/", "ar")) == [
        "/guide/confirmed-test/"
    ]
    assert guide_links(get(client, f"/registrations/{held.reference}/change/", "ar")) == [
        "/guide/change-digital/"
    ]
    Registration.objects.filter(pk=held.pk).update(status="cancelled")
    paper = demo.confirmed(user, Mode.PAPER)
    assert guide_links(get(client, f"/registrations/{paper.reference}/change/", "en")) == [
        "/guide/change-paper/"
    ]

    result = Result.objects.get(candidate=user)
    assert guide_links(get(client, "/results/", "ar")) == ["/guide/view-result/"]
    assert guide_links(get(client, f"/results/{result.pk}/", "ar")) == ["/guide/result-details/"]


@pytest.mark.django_db
def test_the_kept_guide_link_follows_the_language_and_the_page(client: Client) -> None:
    """The link's markup is kept per language and guide pages: never the other language's."""
    call_command("load_demo", verbosity=0)
    anonymous = Client()
    for _round in (1, 2):
        arabic = get(anonymous, "/accounts/signup/", "ar").decode()
        english = get(anonymous, "/accounts/signup/", "en").decode()
        assert "كيف تعمل هذه الخدمة؟" in arabic and "How does this work?" not in arabic
        assert "How does this work?" in english and "كيف تعمل هذه الخدمة؟" not in english
        assert guide_links(get(anonymous, "/accounts/recover/", "en")) == [
            "/guide/password-recovery/"
        ]
