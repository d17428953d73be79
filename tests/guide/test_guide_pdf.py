"""The guide's PDF editions: built from the committed pictures, each carries every service's
title, a QR code per service that opens its web guide page, a contents whose entries link to
their pages, two rows of three steps to a page, and the committed editions are there and current.

Needs poppler-utils (pdfinfo, pdftotext, pdftoppm, pdftohtml) and zbar-tools (zbarimg), and the
pictures `make guide` takes; without them the tests are skipped, except under CI where they fail.
"""

import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import resolve
from django.utils import translation

from rukhsa.guide import content
from rukhsa.guide.pdf import (
    MissingGuidePictures,
    build_guide_pdf,
    missing_pictures,
)

TOOLS = ("pdfinfo", "pdftotext", "pdftoppm", "pdftohtml", "zbarimg")
STEPS_PER_PAGE = 6
FRONT_PAGES = 3  # cover, welcome, contents
HEAD_PIXELS = 300  # the top 50 mm of a page at 150 dpi: a service's heading and QR code
ZBARIMG = shutil.which("zbarimg") or "zbarimg"
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unavailable(reason: str) -> None:
    """Skip, or under CI (where the guide's pictures are committed and the tools installed)
    fail."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def flat(text: str) -> str:
    """Text with every run of white space (line ends too) and of the bidi marks pdftotext puts
    around a right-to-left line's left-to-right parts as one space."""
    return " ".join(BIDI_MARKS.sub(" ", text).split())


@dataclass
class Edition:
    language: str
    path: Path

    def text(self, first: int = 1, last: int = 0) -> str:
        pages = ["-f", str(first)] + (["-l", str(last)] if last else [])
        return flat(run("pdftotext", "-enc", "UTF-8", *pages, str(self.path), "-"))

    def pages(self) -> int:
        return pdf_pages(self.path)

    def destinations(self) -> dict[str, int]:
        """Named destinations (the HTML ids) and their pages, from `pdfinfo -dests`."""
        found = re.findall(
            r"^\s*(\d+) \[.*\] \"(.+)\"$", run("pdfinfo", "-dests", str(self.path)), re.M
        )
        return {name: int(page) for page, name in found}

    def links(self, page: int) -> list[tuple[str, str, float, float]]:
        """(target, text, left, page width) of each link on `page`; an internal target is
        "#<page number>"."""
        xml = run(
            "pdftohtml",
            "-xml",
            "-i",
            "-stdout",
            "-q",
            "-f",
            str(page),
            "-l",
            str(page),
            str(self.path),
        )
        root = ElementTree.fromstring(xml)  # noqa: S314  (poppler's reading of our own PDF)
        found = []
        for page_element in root.iter("page"):
            width = float(page_element.get("width", "0"))
            for text in page_element.iter("text"):
                for link in text.iter("a"):
                    href = link.get("href", "")
                    target = "#" + href.rsplit("#", 1)[1] if ".html#" in href else href
                    words = "".join(link.itertext())
                    found.append((target, words, float(text.get("left", "0")), width))
        return found


def pdf_pages(path: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(path)), re.M)
    assert match, path
    return int(match.group(1))


def letters_of_words(text: str) -> str:
    """Each word's letters in a fixed order. PDF text extractors (poppler's included) give a
    right-to-left ligature's letters backwards ("يف" for the ligature of "في", "ال" for lam-alef):
    the words and their order are what the tests can compare."""
    return " " + " ".join("".join(sorted(word)) for word in text.split()) + " "


def titles(language: str) -> list[str]:
    with translation.override(language):
        return [flat(str(service.title)) for service in content.SERVICES]


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Edition]:
    """Both editions, built once for the module from the committed pictures."""
    missing_tools = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing_tools:
        unavailable(f"needs {', '.join(missing_tools)} (apt-get install poppler-utils zbar-tools)")
    missing = {language: missing_pictures(language) for language in content.LANGUAGES}
    if any(missing.values()):
        count = sum(len(names) for names in missing.values())
        first = next(name for names in missing.values() for name in names)
        unavailable(f"{count} guide pictures are missing ({first}, …): run `make guide`")
    folder = tmp_path_factory.mktemp("guide-pdf")
    built = {}
    for language in content.LANGUAGES:
        path = folder / f"rukhsa-guide-{language}.pdf"
        path.write_bytes(build_guide_pdf(language))
        built[language] = Edition(language, path)
    return built


def test_arabic_edition_has_every_services_arabic_title(editions: dict[str, Edition]) -> None:
    text = letters_of_words(editions["ar"].text())
    absent = [title for title in titles("ar") if letters_of_words(title) not in text]
    assert not absent, f"not in the Arabic edition: {absent}"


def test_english_edition_has_every_services_english_title(editions: dict[str, Edition]) -> None:
    text = editions["en"].text()
    absent = [title for title in titles("en") if title not in text]
    assert not absent, f"not in the English edition: {absent}"


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_qr_codes_open_each_services_guide_page_in_order(
    editions: dict[str, Edition], language: str, tmp_path: Path
) -> None:
    """What a phone reads from the head of each service's first page (the pictures below it may
    show codes of their own: the admission ticket's)."""
    edition = editions[language]
    starts = edition.destinations()
    images = []
    for service in content.SERVICES:
        page = str(starts[service.anchor])
        head = tmp_path / f"{service.anchor}"
        run(
            "pdftoppm",
            "-png",
            "-gray",
            "-r",
            "150",
            "-f",
            page,
            "-l",
            page,
            "-singlefile",
            "-y",
            "0",
            "-H",
            str(HEAD_PIXELS),
            str(edition.path),
            str(head),
        )
        images.append(f"{head}.png")
    decoded = run(ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *images).split()
    expected = [settings.SITE_URL + f"/guide/{service.slug}/" for service in content.SERVICES]
    assert decoded == expected
    for url in decoded:
        assert resolve(urlsplit(url).path).url_name == "service", url


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_two_rows_of_three_steps_to_a_page_after_cover_welcome_and_contents(
    editions: dict[str, Edition], language: str
) -> None:
    """Each section has its page and each service as many pages as its steps need, six to a
    page: a longer caption or title that pushes a row onto another page fails here."""
    edition = editions[language]
    starts = edition.destinations()
    assert starts["contents"] == FRONT_PAGES
    page = FRONT_PAGES + 1
    for section in content.SECTIONS:
        assert starts["section-" + section.number] == page, section.number
        page += 1
        for service in content.services_in(section):
            assert starts[service.anchor] == page, service.number
            page += math.ceil(len(service.steps) / STEPS_PER_PAGE)
    assert edition.pages() == page - 1
    assert re.search(
        r"^Page size:\s+595.\d+ x 841.\d+ pts \(A4\)", run("pdfinfo", str(edition.path)), re.M
    )


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_contents_links_every_section_and_service_with_its_page_number(
    editions: dict[str, Edition], language: str
) -> None:
    edition = editions[language]
    starts = edition.destinations()
    contents_page = starts["contents"]
    targets = {target for target, *_ in edition.links(contents_page)}
    anchors = ["section-" + section.number for section in content.SECTIONS] + [
        service.anchor for service in content.SERVICES
    ]
    assert targets == {f"#{starts[anchor]}" for anchor in anchors}
    if language == "en":  # the page numbers the contents print (target-counter)
        text = edition.text(contents_page, contents_page)
        for service, title in zip(content.SERVICES, titles("en"), strict=True):
            assert re.search(
                re.escape(f"{service.number} {title}")
                + r"[ .]*"
                + str(starts[service.anchor])
                + r"\b",
                text,
            ), (service.number, text)


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_each_service_goes_to_the_service_and_back_to_the_contents(
    editions: dict[str, Edition], language: str
) -> None:
    edition = editions[language]
    starts = edition.destinations()
    for service in content.SERVICES:
        links = edition.links(starts[service.anchor])
        service_url = settings.SITE_URL + service.service_url()
        go = [link for link in links if link[0] == service_url]
        assert go, (service.number, links)
        assert f"#{starts['contents']}" in {target for target, *_ in links}, service.number
        # The link starts the line: at the right in Arabic, at the left in English.
        _, _, left, width = go[0]
        assert (left > width / 2) if language == "ar" else (left < width / 2), (service.number, go)


def test_a_missing_picture_is_named_with_how_to_take_it(tmp_path: Path) -> None:
    with pytest.raises(MissingGuidePictures) as raised:
        build_guide_pdf("ar", image_root=tmp_path)
    message = str(raised.value)
    assert content.SERVICES[0].image_name("ar", 0) in message
    assert "make guide" in message


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_the_committed_edition_is_there_and_has_the_current_pages(
    editions: dict[str, Edition], language: str
) -> None:
    path = content.pdf_path(language)
    if not path.is_file():
        unavailable(f"{path.name} is not built: run `make guide` (or manage.py guide_pdf)")
    assert path.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(path) == editions[language].pages(), (
        f"{path.name} is out of date: run `manage.py guide_pdf`"
    )


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_the_committed_edition_points_at_the_public_address_not_this_machine(
    language: str,
) -> None:
    """A printed guide's links and QR codes must open on a teacher's phone: `make guide` builds
    the committed editions for GUIDE_SITE_URL, never for 127.0.0.1 or localhost."""
    path = content.pdf_path(language)
    if not path.is_file():
        unavailable(f"{path.name} is not built: run `make guide` (or manage.py guide_pdf)")
    text = run("pdftotext", str(path), "-")
    links = run("pdftohtml", "-stdout", "-i", "-xml", str(path))
    for where in (text, links):
        assert "127.0.0.1" not in where
        assert "localhost" not in where
