"""The sandbox's hosted card form. The number and CVV live only in this request's memory."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rukhsa.core import clock
from rukhsa.core.digits import is_number, normalize_digits
from rukhsa.core.forms import Form
from rukhsa.payments.sandbox.cards import card_scheme, luhn_valid


def _digits(value: str) -> str:
    return normalize_digits(value or "").replace(" ", "").replace("-", "")


def _card_input(autocomplete: str, **attrs: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "autocomplete": autocomplete,
            "inputmode": "numeric",
            "dir": "ltr",
            "spellcheck": "false",
            **attrs,
        }
    )


class CardForm(Form):
    name = forms.CharField(
        label=_("Name on card"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name", "dir": "ltr"}),
    )
    number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=_card_input("cc-number", maxlength="23"),
        help_text=_("mada, Visa or Mastercard. 16 digits on the front of the card."),
    )
    expiry = forms.CharField(
        label=_("Expiry date (MM/YY)"),
        max_length=7,
        widget=_card_input("cc-exp", placeholder="MM/YY", maxlength="7", **{"class": "short"}),
    )
    cvc = forms.CharField(
        label=_("Security code (CVV)"),
        max_length=4,
        widget=_card_input("cc-csc", maxlength="4", **{"class": "short"}),
        help_text=_("The 3 digits on the back of the card."),
    )

    def clean_number(self) -> str:
        number = _digits(self.cleaned_data["number"])
        if not is_number(number) or not luhn_valid(number):
            raise forms.ValidationError(
                _("This card number is not valid. Check the digits and try again."),
                code="luhn",
            )
        if not card_scheme(number):
            raise forms.ValidationError(
                _("Only mada, Visa and Mastercard cards are accepted."), code="scheme"
            )
        return number

    def clean_expiry(self) -> tuple[int, int]:
        text = _digits(self.cleaned_data["expiry"]).replace("/", "")
        if len(text) not in (4, 6) or not text.isdigit():
            raise forms.ValidationError(
                _("Enter the expiry date as month and year, for example 09/28."), code="format"
            )
        month, year = int(text[:2]), int(text[2:])
        if year < 100:
            year += 2000
        if not 1 <= month <= 12:
            raise forms.ValidationError(
                _("Enter the expiry date as month and year, for example 09/28."), code="format"
            )
        today = clock.today()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("This card has expired."), code="expired")
        if year > today.year + 20:
            raise forms.ValidationError(_("Check the expiry year."), code="far")
        return month, year

    def clean_cvc(self) -> str:
        cvc = _digits(self.cleaned_data["cvc"])
        if not (cvc.isdigit() and len(cvc) == 3):
            raise forms.ValidationError(
                _("The security code is the 3 digits on the back of the card."), code="cvc"
            )
        return cvc

    def forget_card_data(self) -> None:
        """After a failed submit, show the form again without the number and the CVV."""
        data: Any = self.data
        data = data.copy()
        data["number"] = ""
        data["cvc"] = ""
        self.data = data
