"""The per-period file template the back office offers (CSV or XLSX)."""

import csv
import io

from django.utils.translation import gettext as _

from rukhsa.catalog.models import Domain, Period, Specialization
from rukhsa.results.importer import domain_key


def period_domains(period: Period) -> list[Domain]:
    """The domains of every specialization its sessions host, in a stable order."""
    specs = Specialization.objects.filter(sessions__period=period).distinct()
    return list(
        Domain.objects.filter(specialization__in=specs)
        .select_related("specialization")
        .order_by("specialization__order", "specialization__code", "order", "id")
    )


def header(domains: list[Domain]) -> list[str]:
    return ["reference", "attendance", *(domain_key(d.pk) for d in domains), "total_score"]


def template_csv(period: Period) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(header(period_domains(period)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(period: Period) -> bytes:
    from openpyxl import Workbook

    domains = period_domains(period)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    sheet.append(header(domains))
    guide = workbook.create_sheet("domains")
    guide.append(
        [
            _("Column"),
            _("Specialization code"),
            _("Specialization"),
            _("Domain"),
            _("Number of questions"),
        ]
    )
    for domain in domains:
        guide.append(
            [
                domain_key(domain.pk),
                domain.specialization.code,
                domain.specialization.name,
                domain.name,
                domain.question_count,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
