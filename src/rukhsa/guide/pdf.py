"""The PDF edition of the visual guide: one A4 booklet per language, after the commission's own.

Cover, welcome page, contents (every entry a link, with its page number), then for each of the
four sections a divider page and for each service its pages: a QR code to the same steps in the
web guide, a link to the service itself, and its numbered steps, each a phone picture with its
caption, three to a row and two rows to a page.

The pictures are the WebP screenshots the guide's browser journeys take (`make guide`).
WeasyPrint would re-encode each WebP as a lossless PNG stream (about 200 KB a picture), so they
are handed to it as JPEG data: URLs instead, at 500 pixels wide (about 250 dpi at the printed
size of a step picture; 45 KB or so), which it embeds as they are. Two builds of the same
guide for the same SITE_URL and year are identical.
"""

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from rukhsa.core import clock
from rukhsa.core.pdf import qr_svg, render_pdf
from rukhsa.guide import content

TEMPLATE = "guide/pdf.html"
STEPS_PER_ROW = 3  # and two rows to a page (the pictures' height in guide/pdf_style.html)
JPEG_QUALITY = 72
PRINT_WIDTH = 500  # pixels of a step picture in the PDF (the contents picture keeps its own)


class MissingGuidePictures(FileNotFoundError):
    """Some of the pictures an edition shows have not been taken yet."""


@dataclass(frozen=True)
class PdfStep:
    number: int
    caption: str
    image_url: str


@dataclass(frozen=True)
class PdfService:
    service: content.Service
    guide_url: str  # absolute: what the QR code opens
    service_url: str  # absolute: "go to the service"
    qr: SafeString
    rows: list[list[PdfStep]]


@dataclass(frozen=True)
class PdfSection:
    section: content.Section
    services: list[PdfService]

    @property
    def anchor(self) -> str:
        return "section-" + self.section.number


def picture_names(language: str) -> list[str]:
    """The static names of every picture the edition in `language` shows, in order."""
    names = [content.contents_image_name(language)]
    for service in content.SERVICES:
        names += [service.image_name(language, index) for index in range(len(service.steps))]
    return names


def missing_pictures(language: str, image_root: Path = content.STATIC_ROOT) -> list[str]:
    return [name for name in picture_names(language) if not (image_root / name).is_file()]


def build_guide_pdf(
    language: str, *, image_root: Path = content.STATIC_ROOT, site_url: str | None = None
) -> bytes:
    """The guide in `language` as an A4 PDF, its pictures read from `image_root` (the app's
    static folder); QR codes and service links point at `site_url` (settings.SITE_URL).

    Raises MissingGuidePictures, naming them, if any picture is missing."""
    if language not in content.LANGUAGES:
        raise ValueError(f"The guide has no {language!r} edition, only {content.LANGUAGES}.")
    missing = missing_pictures(language, image_root)
    if missing:
        listed = "\n  ".join(missing[:15]) + ("\n  …" if len(missing) > 15 else "")
        raise MissingGuidePictures(
            f"The {language} edition of the guide needs {len(missing)} picture(s) missing from "
            f"{image_root}:\n  {listed}\nRun `make guide` to take them from the product."
        )
    base = (settings.SITE_URL if site_url is None else site_url).rstrip("/")
    with translation.override(language):
        sections = [
            PdfSection(
                section,
                [
                    pdf_service(service, language, image_root, base)
                    for service in content.services_in(section)
                ],
            )
            for section in content.SECTIONS
        ]
        context = {
            "sections": sections,
            "cover_image": as_jpeg(image_root / content.contents_image_name(language)),
            "logo_url": (settings.BASE_DIR / "static" / "img" / "logo.svg").as_uri(),
            "site_url": base,
            "site_host": base.split("://", 1)[-1],
            "year": clock.today().year,
        }
        return render_pdf(TEMPLATE, context)


def pdf_service(service: content.Service, language: str, image_root: Path, base: str) -> PdfService:
    steps = [
        PdfStep(
            index + 1,
            str(step.caption),
            as_jpeg(image_root / service.image_name(language, index)),
        )
        for index, step in enumerate(service.steps)
    ]
    guide_url = base + service.guide_url()
    return PdfService(
        service=service,
        guide_url=guide_url,
        service_url=base + service.service_url(),
        qr=qr_svg(guide_url, gettext("QR code: this guide page on your phone")),
        rows=[steps[i : i + STEPS_PER_ROW] for i in range(0, len(steps), STEPS_PER_ROW)],
    )


def as_jpeg(source: Path) -> str:
    """One picture as a JPEG data: URL. (Not a temporary file: WeasyPrint names each image
    after its URL, and a random folder would make two builds of the same guide differ.)"""
    from PIL import Image

    buffer = io.BytesIO()
    with Image.open(source) as image:
        picture = image.convert("RGB")
        if picture.width > PRINT_WIDTH and picture.height > picture.width:
            height = round(picture.height * PRINT_WIDTH / picture.width)
            picture = picture.resize((PRINT_WIDTH, height), Image.Resampling.LANCZOS)
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
