"""The one-tag inputs written in Python (rukhsa.core.forms.FormRenderer) give exactly Django's
markup: every widget kind it takes over, with every kind of value and attribute."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from rukhsa.core.forms import _INPUT_TEMPLATES, FormRenderer
from rukhsa.payments.sandbox.forms import CardForm

DJANGO = DjangoTemplates()
OURS = FormRenderer()

ATTRS = [
    {},
    {"required": True, "disabled": False, "maxlength": 23, "class": "short"},
    {"placeholder": _("Card number"), "aria-describedby": "id_x_helptext id_x_error"},
    {"data-x": 'a<b>"c"&\'d', "dir": "ltr", "autocomplete": "cc-number"},
    {"data-safe": mark_safe("<b>kept</b>")},
]
VALUES = [None, "", "4201 3201", 'x"><script>', 0, 12.5, mark_safe("<i>safe</i>")]

WIDGETS = [
    forms.TextInput(),
    forms.PasswordInput(render_value=True),
    forms.PasswordInput(),
    forms.EmailInput(),
    forms.NumberInput(),
    forms.URLInput(),
    forms.TelInput(),
    forms.SearchInput(),
    forms.ColorInput(),
    forms.HiddenInput(),
    forms.CheckboxInput(),
    forms.DateInput(),
    forms.DateTimeInput(),
    forms.TimeInput(),
]


def test_every_template_it_takes_over_is_covered() -> None:
    names = {w.template_name for w in WIDGETS} | {"django/forms/widgets/input.html"}
    assert names == set(_INPUT_TEMPLATES)


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("attrs", ATTRS)
def test_same_markup_as_djangos_templates(widget: forms.Widget, attrs: dict) -> None:
    values = [*VALUES, True, False, "on"] if isinstance(widget, forms.CheckboxInput) else VALUES
    if isinstance(widget, forms.DateInput | forms.DateTimeInput | forms.TimeInput):
        values = [*values, datetime.date(2027, 3, 9), datetime.datetime(2027, 3, 9, 8, 30)]
    for value in values:
        if isinstance(widget, forms.TimeInput) and isinstance(value, datetime.date):
            value = datetime.time(8, 30)
        for language in ("ar", "en"):
            with override(language):
                ours = widget.render("field", value, attrs=attrs, renderer=OURS)
                django = widget.render("field", value, attrs=attrs, renderer=DJANGO)
            assert ours == django, (type(widget).__name__, value, attrs)


def test_the_card_form_with_its_errors_is_unchanged() -> None:
    form = CardForm({"name": "", "number": "4111 1111 1111 1112", "expiry": "13/30", "cvc": "1"})
    assert not form.is_valid()
    for name in form.fields:
        form.renderer = OURS
        ours = str(form[name])
        form.renderer = DJANGO
        assert ours == str(form[name]), name


def test_other_templates_still_go_through_django() -> None:
    select = forms.Select(choices=[("a", "A"), ("b", "<B>")])
    assert select.render("s", "b", renderer=OURS) == select.render("s", "b", renderer=DJANGO)
    area = forms.Textarea()
    assert area.render("t", "x<y", renderer=OURS) == area.render("t", "x<y", renderer=DJANGO)
