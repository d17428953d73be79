from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rukhsa.guide import content


def contents(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/contents.html", {"sections": content.SECTIONS})


def service(request: HttpRequest, slug: str) -> HttpResponse:
    found = content.service_for(slug)
    if found is None:
        raise Http404
    return render(request, "guide/service.html", {"service": found})
