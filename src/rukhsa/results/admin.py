"""Results in the back office: import (dry run, then import), publication, templates, lists."""

import uuid
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rukhsa.catalog.models import Period
from rukhsa.core.masking import mask_identity
from rukhsa.core.net import client_ip
from rukhsa.results import services, templates_io
from rukhsa.results.forms import ImportForm
from rukhsa.results.models import DomainScore, ImportBatch, ImportStatus, Result

SHOWN_ERRORS = 1000
REFRESH_SECONDS = 5  # a waiting or running batch's page reloads itself this often


class DomainScoreInline(admin.TabularInline):
    model = DomainScore
    extra = 0
    can_delete = False
    fields = ("domain", "correct", "question_count", "percent")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "candidate_masked",
        "period",
        "specialization",
        "attendance",
        "score",
        "passed",
        "published_at",
    )
    list_filter = ("period", "attendance", "passed", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("=registration__reference", "=verification_code")
    list_select_related = ("registration", "candidate", "period", "specialization")
    readonly_fields = (
        "registration",
        "candidate_masked",
        "period",
        "specialization",
        "attendance",
        "score",
        "passed",
        "qualification",
        "experience_years",
        "verification_code",
        "batch",
        "imported_at",
        "published_at",
        "notified_at",
    )
    fields = readonly_fields
    exclude = ("candidate",)
    inlines = [DomainScoreInline]
    actions = ["publish_now"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # results come from an import

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("reference"), ordering="registration__reference")
    def reference(self, obj: Result) -> str:
        return obj.registration.reference

    @admin.display(description=_("candidate"))
    def candidate_masked(self, obj: Result) -> str:
        return f"{obj.candidate.name_en_first} {obj.candidate.name_en_family[:1]}. " + (
            mask_identity(obj.candidate.identity_number)
        )

    @admin.action(
        description=_("Publish now: all results of the selected results' periods"),
        permissions=["change"],
    )
    def publish_now(self, request: HttpRequest, queryset: QuerySet[Result]) -> None:
        for period in Period.objects.filter(pk__in=queryset.values("period_id")):
            self._publish(request, period)

    def _publish(self, request: HttpRequest, period: Period) -> None:
        refusal = services.publish_refusal(period)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return
        count = services.results_publish(period=period, actor=request.user, ip=client_ip(request))
        self.message_user(
            request,
            ngettext(
                "%(count)d result of %(period)s was published; the candidate is being told by "
                "SMS and email.",
                "%(count)d results of %(period)s were published; the candidates are being told "
                "by SMS and email.",
                count,
            )
            % {"count": count, "period": period.code},
            messages.SUCCESS,
        )

    # --- custom pages ---

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="results_result_import"),
            path(
                "import/<int:batch_id>/run/",
                view(require_POST(self.import_run_view)),
                name="results_result_import_run",
            ),
            path("publication/", view(self.publication_view), name="results_result_publication"),
            path(
                "publication/<int:period_id>/publish/",
                view(require_POST(self.publish_view)),
                name="results_result_publish",
            ),
            path(
                "template/<int:period_id>.<str:kind>",
                view(self.template_view),
                name="results_result_template",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: Any, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **extra}

    def _can_import(self, request: HttpRequest) -> bool:
        return request.user.has_perm("results.add_importbatch")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a file: it is stored and queued, and the task worker checks (and, unless it is
        a dry run, imports) it; the batch's page follows its progress."""
        if not self._can_import(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
            stored = default_storage.save(f"results-imports/{uuid.uuid4().hex}{suffix}", upload)
            batch = services.results_import_enqueue(
                period=form.cleaned_data["period"],
                stored_file=stored,
                file_name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                actor=request.user,
                ip=client_ip(request),
            )
            return self._batch_redirect(batch)
        return TemplateResponse(
            request,
            "admin/results/import.html",
            self._context(request, _("Import results"), form=form, periods=Period.objects.all()),
        )

    def import_run_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        """Import for real the file a dry run found valid (the same file, not uploaded again)."""
        if not self._can_import(request):
            raise PermissionDenied
        checked = get_object_or_404(ImportBatch, pk=batch_id, dry_run=True)
        stored = checked.stored_file
        if checked.status != ImportStatus.VALID or not stored:
            raise Http404
        if not default_storage.exists(stored):
            self.message_user(
                request,
                gettext("The checked file is no longer kept; upload it again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:results_result_import"))
        batch = services.results_import_checked_enqueue(
            checked=checked, actor=request.user, ip=client_ip(request)
        )
        if batch is None:
            raise Http404  # a second click: the first one took the file
        return self._batch_redirect(batch)

    def _batch_redirect(self, batch: ImportBatch) -> HttpResponse:
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:results_importbatch_change", args=[batch.pk])
        )

    def publication_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        counts = {
            row["period_id"]: row
            for row in Result.objects.values("period_id")
            .annotate(
                total=Count("id"),
                published=Count("id", filter=Q(published_at__isnull=False)),
                told=Count("id", filter=Q(notified_at__isnull=False)),
                absent=Count("id", filter=Q(attendance="absent")),
            )
            .order_by()
        }
        periods = [
            (period, counts.get(period.pk, {"total": 0, "published": 0, "told": 0, "absent": 0}))
            for period in Period.objects.select_related("test")
        ]
        return TemplateResponse(
            request,
            "admin/results/publication.html",
            self._context(
                request,
                _("Results by period"),
                periods=periods,
                can_publish=self.has_change_permission(request),
                can_import=self._can_import(request),
            ),
        )

    def publish_view(self, request: HttpRequest, period_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        self._publish(request, get_object_or_404(Period, pk=period_id))
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:results_result_publication"))

    def template_view(self, request: HttpRequest, period_id: int, kind: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        period = get_object_or_404(Period, pk=period_id)
        if kind == "csv":
            content, type_ = templates_io.template_csv(period), "text/csv; charset=utf-8"
        elif kind == "xlsx":
            content = templates_io.template_xlsx(period)
            type_ = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404
        response = HttpResponse(content, content_type=type_)
        response["Content-Disposition"] = f'attachment; filename="results-{period.code}.{kind}"'
        return response


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "period",
        "dry_run",
        "status",
        "rows",
        "written",
        "error_count",
        "created_by",
    )
    list_filter = ("period", "dry_run", "status")
    list_select_related = ("period", "created_by")
    readonly_fields = (
        "period",
        "file_name",
        "dry_run",
        "status",
        "rows",
        "progress_at",
        "written",
        "replaced",
        "error_count",
        "created_by",
        "created_at",
        "finished_at",
    )
    fields = readonly_fields
    change_form_template = "admin/results/importbatch_change.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # uploads go through "Import results"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        batch = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        # A worker that died leaves its batch running: it is closed here too, not only by the
        # periodic task (which needs a worker).
        if (
            batch is not None
            and batch.status == ImportStatus.RUNNING
            and services.results_imports_stalled_close(pk=batch.pk)
        ):
            batch.refresh_from_db()
        if batch is not None:
            extra.update(
                {
                    "batch": batch,
                    "pending": batch.status in services.PENDING,
                    "refresh_seconds": REFRESH_SECONDS,
                    "shown_errors": batch.errors[:SHOWN_ERRORS],
                    "more_errors": max(batch.error_count - SHOWN_ERRORS, 0),
                    "can_run": batch.dry_run
                    and batch.status == ImportStatus.VALID
                    and bool(batch.stored_file)
                    and request.user.has_perm("results.add_importbatch"),
                }
            )
        return super().change_view(request, object_id, form_url, extra)
