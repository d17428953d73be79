"""The long selects (nationality, city) are written in Python with the same markup as Django's
widget templates: same attributes, same options, the chosen one selected, labels escaped."""

import re

import pytest
from django import forms
from django.utils import translation

from rukhsa.accounts.forms import LoginForm
from rukhsa.core.forms import ListSelect


def normal(html: str) -> tuple[list[str], list[str]]:
    lines = [line.strip() for line in html.splitlines() if line.strip()]
    return sorted(re.findall(r'[\w-]+="[^"]*"|\brequired\b', lines[0])), lines[1:]


def as_django_renders_it(bound: forms.BoundField) -> str:
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({"id": bound.auto_id})
    if bound.errors:
        attrs |= {"aria-invalid": "true", "aria-describedby": f"{bound.auto_id}_error"}
    return forms.Select.render(widget, bound.html_name, bound.value(), attrs)


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize(
    "data",
    [None, {"identifier": "A1234567", "passport": "on", "nationality": "EG"}, {"nationality": "x"}],
)
def test_the_nationality_select_is_the_same_markup_as_djangos(language, data, db) -> None:
    with translation.override(language):
        form = LoginForm(data)
        if data:
            form.is_valid()
        bound = form["nationality"]
        ours, theirs = str(bound), as_django_renders_it(bound)
    assert isinstance(bound.field.widget, ListSelect)
    assert normal(ours) == normal(theirs)
    assert ours.count("<option") > 150
    if data and data["nationality"] == "EG":
        assert re.search(r'<option value="EG" selected>', ours)


def test_labels_and_values_are_escaped_and_groups_fall_back_to_django() -> None:
    widget = ListSelect(choices=[("", "—"), ('"><script>', "<b>x</b>")])
    html = widget.render("f", '"><script>')
    assert "<script>" not in html and "<b>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;" selected' in html
    grouped = ListSelect(choices=[("Group", [("a", "A"), ("b", "B")])])
    assert normal(grouped.render("f", "b")) == normal(
        forms.Select(choices=grouped.choices).render("f", "b")
    )
