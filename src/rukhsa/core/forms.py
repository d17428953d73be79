"""Form helpers shared by every app: errors tied to their fields for assistive technology, and
no invisible characters in what was typed."""

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from rukhsa.core.digits import normalize_digits
from rukhsa.core.text import has_reordering, strip_invisible

REORDERING_MESSAGE = _(
    "This field contains invisible characters that change the direction of the text. "
    "Type it again instead of pasting it."
)


def _text_fields(form: Any) -> list[str]:
    """The free-text inputs of `form` (passwords are left exactly as typed)."""
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
    ]


class AccessibleFormMixin:
    """Before validation, remove invisible direction marks and zero-width characters from text
    inputs and refuse direction overrides (rukhsa.core.text). After validation, mark invalid
    inputs with aria-invalid and point them at their errors."""

    def _without_invisible(self) -> list[str]:
        form: Any = self
        if not form.is_bound:
            return []
        data = form.data.copy()
        refused = []
        for name in _text_fields(form):
            key = form.add_prefix(name)
            if key not in data:
                continue
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if not all(isinstance(value, str) for value in values):
                continue
            if any(has_reordering(value) for value in values):
                refused.append(name)
            cleaned = [strip_invisible(value) for value in values]
            if hasattr(data, "setlist"):
                data.setlist(key, cleaned)
            else:
                data[key] = cleaned[0]
        form.data = data
        return refused

    def full_clean(self) -> None:
        refused = self._without_invisible()
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        for name in refused:
            form.errors.pop(name, None)  # this sentence says what is wrong, not "letters only"
            form.add_error(name, REORDERING_MESSAGE)
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


class ListSelect(forms.Select):
    """A select written in Python: the same markup as Django's widget templates, without a
    template include per option. A long list (the ~200 nationalities of the login, sign-up and
    profile forms) cost about 10 ms of a page's server time through the templates. Optgroups go
    through Django's own rendering."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _key, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = {str(v) for v in self.format_value(value)}
        selected = mark_safe(" selected")
        options = mark_safe(  # noqa: S308 - each part escaped by format_html
            "\n  ".join(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    "" if key is None else str(key),
                    selected if ("" if key is None else str(key)) in chosen else "",
                    label,
                )
                for key, label in choices
            )
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>\n  {}\n</select>', name, flatatt(final), options)


# The widget templates that are one `<input>` tag: input.html, and the ones that only include it
# (the renderer strips the newlines around a template's output).
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "text",
        "password",
        "email",
        "number",
        "url",
        "tel",
        "search",
        "hidden",
        "checkbox",
        "date",
        "datetime",
        "time",
        "color",
        "input",
    )
)


def input_tag(widget: dict[str, Any]) -> str:
    """Django's `input.html` and `attrs.html` in Python: the same tag, each part escaped."""
    parts: list[str] = [format_html('<input type="{}" name="{}"', widget["type"], widget["name"])]
    if widget["value"] is not None:
        parts.append(format_html(' value="{}"', widget["value"]))
    for name, value in widget["attrs"].items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False:
            parts.append(format_html(' {}="{}"', name, value))
    parts.append(">")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """Django's form renderer, with the widgets that are one `<input>` tag (text, password,
    email, checkbox, hidden, ...) written in Python: the same markup as Django's templates (two
    template includes per input otherwise), an input 0.135 → 0.04 ms with the field's own work
    (four on the card page, two on the login page). Everything else (selects, radios, textareas,
    the form layouts) goes through Django's templates as before."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in _INPUT_TEMPLATES:
            return input_tag(context["widget"])
        return super().render(template_name, context, request)
