"""The web guide: the contents in the commission's order and a page of steps per service."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rukhsa.guide import content

EDITION_LABELS = {"ar": _("Arabic edition (PDF)"), "en": _("English edition (PDF)")}


def _language() -> str:
    language = (get_language() or "ar")[:2]
    return language if language in content.LANGUAGES else "ar"


def _editions() -> list[dict[str, object]]:
    editions = []
    for language in content.LANGUAGES:
        path = content.pdf_path(language)
        if path.exists():
            editions.append(
                {
                    "language": language,
                    "label": EDITION_LABELS[language],
                    "url": static(content.pdf_name(language)),
                    "size": path.stat().st_size,
                }
            )
    return editions


def contents(request: HttpRequest) -> HttpResponse:
    language = _language()
    picture = content.contents_image_name(language)
    sections = [
        {
            "number": section.number,
            "slug": section.slug,
            "title": section.title,
            "summary": section.summary,
            "services": content.services_in(section),
        }
        for section in content.SECTIONS
    ]
    return render(
        request,
        "guide/contents.html",
        {
            "sections": sections,
            "editions": _editions(),
            "contents_image": picture if (content.STATIC_ROOT / picture).exists() else "",
        },
    )


def service(request: HttpRequest, slug: str) -> HttpResponse:
    found = content.service_for(slug)
    if found is None:
        raise Http404
    language = _language()
    position = content.SERVICES.index(found)
    steps = [
        {"number": index + 1, "caption": step.caption, "image": found.image_name(language, index)}
        for index, step in enumerate(found.steps)
    ]
    return render(
        request,
        "guide/service.html",
        {
            "service": found,
            "steps": steps,
            "previous": content.SERVICES[position - 1] if position > 0 else None,
            "next": content.SERVICES[position + 1]
            if position + 1 < len(content.SERVICES)
            else None,
        },
    )
