from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import Period

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Period"),
        queryset=Period.objects.select_related("test").order_by("-first_test_day"),
    )
    file = forms.FileField(
        label=_("Results file"),
        help_text=_(
            "CSV (UTF-8) or Excel .xlsx with the columns reference, attendance, total_score and "
            "one D<number> column per domain — download the period's template below."
        ),
    )
    dry_run = forms.TypedChoiceField(
        label=_("What to do"),
        choices=[
            ("1", _("Check only (dry run): list every bad row, write nothing")),
            ("0", _("Import: write every row, or nothing if any row is bad")),
        ],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 200 MB; import it with manage.py import_results.")
            )
        return upload
