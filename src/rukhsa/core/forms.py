"""Form helpers shared by every app: errors tied to their fields for assistive technology."""

from typing import Any

from django import forms

from rukhsa.core.digits import normalize_digits


class AccessibleFormMixin:
    """After validation, mark invalid inputs with aria-invalid and point them at their errors."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        for name in form.errors:
            if name not in form.fields:
                continue
            bound = form[name]
            attrs = form.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            described = [part for part in attrs.get("aria-describedby", "").split() if part]
            if bound.help_text:
                described.append(f"{bound.auto_id}_helptext")
            described.append(f"{bound.auto_id}_error")
            attrs["aria-describedby"] = " ".join(dict.fromkeys(described))


class Form(AccessibleFormMixin, forms.Form):
    pass


class ModelForm(AccessibleFormMixin, forms.ModelForm):
    pass


class DigitsField(forms.CharField):
    """A text field for numbers typed in any digits: Arabic-Indic become 0-9, spaces go."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("strip", True)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("dir", "ltr")

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return normalize_digits(text).replace(" ", "").replace("-", "")


class CodeField(DigitsField):
    """A 6-digit verification code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {"autocomplete": "one-time-code", "class": "short", "maxlength": "12"}
        )
