"""Forms parse and check what was typed; the services decide and write."""

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from rukhsa.accounts import identity
from rukhsa.accounts.models import Employment, Gender, IdentityType, Qualification, User
from rukhsa.core import bidi, clock
from rukhsa.core.countries import country_choices
from rukhsa.core.digits import normalize_digits
from rukhsa.core.forms import CodeField, DigitsField, Form, ListSelect
from rukhsa.core.geo import city_choices
from rukhsa.core.hijri import from_hijri


def _countries() -> list[tuple[str, Any]]:
    return [
        ("", _("— Choose —")),
        *country_choices(translation.get_language() or "ar", exclude=("SA",)),
    ]


def _cities() -> list[Any]:
    return [("", _("— Choose —")), *city_choices(translation.get_language() or "ar")]


class LazyChoiceField(forms.ChoiceField):
    """Choices computed per request, in the active language."""

    widget = ListSelect

    def __init__(self, *, choices_fn: Any, **kwargs: Any) -> None:
        super().__init__(choices=lazy(choices_fn, list)(), **kwargs)
        self.choices_fn = choices_fn

    def __deepcopy__(self, memo: dict[int, Any]) -> "LazyChoiceField":
        field = super().__deepcopy__(memo)
        field.choices = self.choices_fn()
        return field


class PasswordInput(forms.PasswordInput):
    def __init__(self, autocomplete: str = "new-password") -> None:
        super().__init__(attrs={"autocomplete": autocomplete, "dir": "ltr"})


def _text(autocomplete: str = "off", **attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


class SignupForm(Form):
    identity_type = forms.ChoiceField(
        label=_("Identity type"), choices=IdentityType.choices, widget=forms.RadioSelect
    )
    identity_number = forms.CharField(
        label=_("National ID / iqama / passport number"),
        max_length=40,
        help_text=_(
            "Saudi citizens: national ID (starts with 1). Residents: iqama (starts with 2). "
            "Visitors: passport number."
        ),
        widget=_text(dir="ltr", inputmode="text"),
    )
    nationality = LazyChoiceField(
        label=_("Nationality (passport holders only)"),
        choices_fn=_countries,
        required=False,
        help_text=_("The nationality on your passport."),
    )
    birth_calendar = forms.ChoiceField(
        label=_("Calendar of the date of birth"),
        choices=[("gregorian", _("Gregorian")), ("hijri", _("Hijri (citizens)"))],
        initial="gregorian",
        required=False,  # Gregorian unless chosen; only a citizen's step 2 offers the choice
        widget=forms.RadioSelect,
    )
    birth_day = DigitsField(
        label=_("Day"), max_length=4, required=False, widget=_text(**{"class": "short"})
    )
    birth_month = DigitsField(
        label=_("Month"), max_length=4, required=False, widget=_text(**{"class": "short"})
    )
    birth_year = DigitsField(
        label=_("Year"), max_length=6, required=False, widget=_text(**{"class": "short"})
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Gender.choices,
        widget=forms.RadioSelect,
        help_text=_("It decides which test centres you may book."),
    )
    name_ar_first = forms.CharField(
        label=_("First name (Arabic)"),
        max_length=40,
        required=False,
        widget=_text(lang="ar", dir="rtl"),
    )
    name_ar_father = forms.CharField(
        label=_("Father's name (Arabic)"),
        max_length=40,
        required=False,
        widget=_text(lang="ar", dir="rtl"),
    )
    name_ar_grandfather = forms.CharField(
        label=_("Grandfather's name (Arabic)"),
        max_length=40,
        required=False,
        widget=_text(lang="ar", dir="rtl"),
    )
    name_ar_family = forms.CharField(
        label=_("Family name (Arabic)"),
        max_length=40,
        required=False,
        widget=_text(lang="ar", dir="rtl"),
    )
    name_en_first = forms.CharField(
        label=_("First name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_father = forms.CharField(
        label=_("Father's name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_grandfather = forms.CharField(
        label=_("Grandfather's name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_family = forms.CharField(
        label=_("Family name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=30,
        help_text=_(
            "Citizens and residents: a Saudi mobile, e.g. 05XXXXXXXX. Visitors: the "
            "number with its country code, e.g. +20…"
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=PasswordInput(),
        help_text=_(
            "At least 10 characters; not a common password; not like your identity number or names."
        ),
    )
    password_confirm = forms.CharField(
        label=_("Confirm password"), strip=False, widget=PasswordInput()
    )
    accept_terms = forms.BooleanField(label=_("I accept the terms of use of the test services."))
    accept_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree to the processing of my personal data "
            "under the Personal Data Protection Law."
        ),
    )

    NAME_AR = ("name_ar_first", "name_ar_father", "name_ar_grandfather", "name_ar_family")
    NAME_EN = ("name_en_first", "name_en_father", "name_en_grandfather", "name_en_family")
    BIRTH = ("birth_day", "birth_month", "birth_year")
    # Sign-up in three steps: identity → names and date of birth → contacts and password.
    STEPS: tuple[tuple[str, ...], ...] = (
        ("identity_type", "identity_number", "nationality"),
        ("birth_calendar", *BIRTH, *NAME_AR, *NAME_EN, "gender"),
        ("mobile", "email", "password", "password_confirm", "accept_terms", "accept_privacy"),
    )
    NUMBER_LABELS: dict[str, Any] = {
        IdentityType.CITIZEN: _("National ID number"),
        IdentityType.RESIDENT: _("Iqama number"),
        IdentityType.VISITOR: _("Passport number"),
    }
    NUMBER_HINTS: dict[str, Any] = {
        IdentityType.CITIZEN: _("10 digits, starting with 1."),
        IdentityType.RESIDENT: _("10 digits, starting with 2."),
        IdentityType.VISITOR: _("As printed in your passport: Latin letters and digits."),
    }

    def __init__(
        self, *args: Any, step: int | None = None, earlier: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        """The whole form, or with `step` (1–3) only that step's fields; `earlier` holds the
        checked values of the steps before it (the identity type, number, names)."""
        super().__init__(*args, **kw)
        self.step = step
        self.earlier = earlier or {}
        if step is not None:
            for name in [n for n in self.fields if n not in self.STEPS[step - 1]]:
                del self.fields[name]
        kind = self._kind()
        fields = self.fields
        if kind in self.NUMBER_LABELS and "identity_number" in fields:
            fields["identity_number"].label = self.NUMBER_LABELS[kind]
            fields["identity_number"].help_text = self.NUMBER_HINTS[kind]
        if step is not None and kind and kind != IdentityType.CITIZEN:
            fields.pop("birth_calendar", None)  # only citizens may give a Hijri date
        if step is not None and kind in (IdentityType.CITIZEN, IdentityType.RESIDENT):
            for name in self.NAME_AR:
                if name in fields:
                    fields[name].required = True
        if "mobile" in fields and kind == IdentityType.VISITOR:
            fields["mobile"].help_text = bidi.sentence(
                str(_("With its country code, e.g. %(example)s.")), example="+20 100 123 4567"
            )
        elif "mobile" in fields and kind:
            fields["mobile"].help_text = bidi.sentence(
                str(_("A Saudi mobile, e.g. %(example)s.")), example="05XXXXXXXX"
            )

    def _kind(self) -> str:
        value = self.earlier.get("identity_type")
        if not value and "identity_type" in self.fields:
            value = self.data.get("identity_type") if self.is_bound else None
            value = value or self.initial.get("identity_type")
        return value if value in IdentityType.values else ""

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("identity_type") or self.earlier.get("identity_type")
        fields = self.fields
        if kind:
            if "identity_type" in fields:
                self._clean_identity(kind, data)
            if "birth_day" in fields:
                self._clean_birth_date(kind, data)
                self._clean_names(kind, data)
            if "mobile" in data:
                try:
                    data["mobile"] = identity.clean_mobile(data["mobile"], kind)
                except ValidationError as exc:
                    self.add_error("mobile", exc)
        for name in self.NAME_EN:
            if data.get(name):
                try:
                    data[name] = identity.clean_english_name(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        if "password" in fields:
            self._clean_password({**self.earlier, **data})
        return data

    def _clean_identity(self, kind: str, data: dict[str, Any]) -> None:
        raw = self.data.get("identity_number", "")
        try:
            number = (
                identity.clean_national_number(raw, kind)
                if kind != IdentityType.VISITOR
                else identity.clean_passport(raw)
            )
            data["identity_number"] = number
        except ValidationError as exc:
            self.add_error("identity_number", exc)
        # Only a passport needs its nationality: citizens are Saudi, and an iqama number is
        # the resident's identity on its own (what was chosen for another type is ignored).
        if kind != IdentityType.VISITOR:
            self.errors.pop("nationality", None)
            data["nationality"] = "SA" if kind == IdentityType.CITIZEN else ""
        elif not data.get("nationality"):
            self.add_error("nationality", _("Choose the nationality on your passport."))
        else:
            try:
                data["nationality"] = identity.clean_visitor_nationality(data["nationality"])
            except ValidationError as exc:
                self.add_error("nationality", exc)

    def _clean_birth_date(self, kind: str, data: dict[str, Any]) -> None:
        parts = [str(data.get(name) or "") for name in ("birth_day", "birth_month", "birth_year")]
        if not all(parts):
            self.add_error("birth_day", _("Enter your full date of birth: day, month and year."))
            return
        if not all(p.isascii() and p.isdigit() for p in parts):
            self.add_error("birth_day", _("Enter the day, month and year in digits."))
            return
        day, month, year = (int(p) for p in parts)
        calendar = data.get("birth_calendar") or "gregorian"
        try:
            if calendar == "hijri":
                if kind != IdentityType.CITIZEN:
                    self.add_error(
                        "birth_calendar", _("Only Saudi citizens may enter a Hijri date of birth.")
                    )
                    return
                born = from_hijri(year, month, day)
            else:
                born = date(year, month, day)
        except (ValueError, OverflowError):
            self.add_error(
                "birth_day", _("This date does not exist. Check the day, month and year.")
            )
            return
        try:
            data["birth_date"] = identity.clean_birth_date(born)
        except ValidationError as exc:
            self.add_error("birth_year", exc)

    def _clean_names(self, kind: str, data: dict[str, Any]) -> None:
        required = kind in (IdentityType.CITIZEN, IdentityType.RESIDENT)
        for name in self.NAME_AR:
            if name in self.errors:
                continue
            value = data.get(name, "")
            if not value:
                if required:
                    self.add_error(name, _("Required for citizens and residents."))
                continue
            try:
                data[name] = identity.clean_arabic_name(value)
            except ValidationError as exc:
                self.add_error(name, exc)

    def _clean_password(self, data: dict[str, Any]) -> None:
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords are not the same."))
            return
        if not password:
            return
        probe = User(
            identity_number=data.get("identity_number", ""),
            email=data.get("email", ""),
            **{name: data.get(name, "") for name in (*self.NAME_AR, *self.NAME_EN)},
        )
        try:
            password_validation.validate_password(password, probe)
        except ValidationError as exc:
            self.add_error("password", exc)


def _open_passport_box(form: Form) -> None:
    """The nationality select shows only when the "passport" box is ticked (CSS, no script
    needed). After a POST the box stays ticked when a nationality was chosen or when what was
    typed can only be a passport number, so that a "choose the nationality" error is seen.
    The server never needs the box: a nationality counts only with a passport number."""
    if not form.is_bound:
        return
    typed = str(form.data.get("identifier", ""))
    if form.data.get("nationality") or identity.looks_like_passport(typed):
        data = dict(form.data.items())
        data["passport"] = "on"
        form.data = data


class VerifyCodeForm(Form):
    code = CodeField(
        label=_("Verification code"), max_length=12, help_text=_("The 6 digits we sent you.")
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(_("The code has 6 digits."))
        return code


class LoginForm(Form):
    identifier = forms.CharField(
        label=_("Identity number, passport number or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "dir": "ltr"}),
    )
    passport = forms.BooleanField(label=_("I log in with a passport number"), required=False)
    nationality = LazyChoiceField(
        label=_("Nationality on the passport"), choices_fn=_countries, required=False
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=PasswordInput("current-password")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _open_passport_box(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("identifier") and not identity.looks_like_passport(data["identifier"]):
            self.errors.pop("nationality", None)  # only a passport needs it
            data["nationality"] = ""
        if data.get("identifier"):
            key = identity.login_key(data["identifier"], data.get("nationality", ""))
            if key is None and identity.looks_like_passport(data["identifier"]):
                self.add_error("nationality", _("Choose the nationality on your passport."))
            elif key is None:
                self.add_error(
                    "identifier",
                    _(
                        "Enter a 10-digit national ID or iqama number, or "
                        "your email. For a passport, choose the "
                        "nationality too."
                    ),
                )
            data["key"] = key
        return data


class RecoverForm(Form):
    identifier = forms.CharField(
        label=_("National ID, iqama or passport number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "dir": "ltr"}),
    )
    passport = forms.BooleanField(label=_("My identity is a passport"), required=False)
    nationality = LazyChoiceField(
        label=_("Nationality on the passport"), choices_fn=_countries, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _open_passport_box(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("identifier") and not identity.looks_like_passport(data["identifier"]):
            self.errors.pop("nationality", None)  # only a passport needs it
            data["nationality"] = ""
        if data.get("identifier"):
            key = identity.login_key(data["identifier"], data.get("nationality", ""))
            if key is None and identity.looks_like_passport(data["identifier"]):
                self.add_error("nationality", _("Choose the nationality on your passport."))
            elif key is None or "@" in key:
                self.add_error(
                    "identifier",
                    _(
                        "Enter a 10-digit national ID or iqama number. For "
                        "a passport, choose the nationality too."
                    ),
                )
            data["key"] = key
        return data


class NewPasswordForm(Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=PasswordInput(),
        help_text=_(
            "At least 10 characters; not a common password; not like your identity number or names."
        ),
    )
    password_confirm = forms.CharField(
        label=_("Confirm new password"), strip=False, widget=PasswordInput()
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords are not the same."))
        elif password:
            try:
                password_validation.validate_password(password, self.user)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class ChangePasswordForm(NewPasswordForm):
    current_password = forms.CharField(
        label=_("Current password"), strip=False, widget=PasswordInput("current-password")
    )
    field_order = ["current_password", "password", "password_confirm"]


def _year_choices() -> list[tuple[str, Any]]:
    this_year = clock.today().year
    return [("", _("— Choose —"))] + [(str(y), str(y)) for y in range(this_year, 1959, -1)]


class ProfileForm(Form):
    """The editable part of the profile. Identity fields are not here at all, so posting them
    changes nothing."""

    city = LazyChoiceField(label=_("City of residence"), choices_fn=_cities, required=False)
    name_en_first = forms.CharField(
        label=_("First name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_father = forms.CharField(
        label=_("Father's name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_grandfather = forms.CharField(
        label=_("Grandfather's name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    name_en_family = forms.CharField(
        label=_("Family name (English)"), max_length=40, widget=_text(lang="en", dir="ltr")
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("ar", "العربية"), ("en", "English")],
        widget=forms.RadioSelect,
    )
    qualification = forms.ChoiceField(
        label=_("Qualification"),
        choices=[("", _("— Choose —")), *Qualification.choices],
        required=False,
    )
    major = forms.CharField(label=_("Major"), max_length=100, required=False)
    university = forms.CharField(label=_("University"), max_length=150, required=False)
    graduation_year = LazyChoiceField(
        label=_("Graduation year"), choices_fn=_year_choices, required=False
    )
    experience_years = DigitsField(
        label=_("Teaching experience (years)"),
        max_length=4,
        required=False,
        widget=_text(**{"class": "short"}),
    )
    employment = forms.ChoiceField(
        label=_("Employment"),
        choices=[("", _("— Choose —")), *Employment.choices],
        required=False,
        help_text=_("Choose where you teach now, or that you do not work as a teacher."),
    )

    def clean_experience_years(self) -> int | None:
        value = self.cleaned_data.get("experience_years", "")
        if value in ("", None):
            return None
        if not (value.isascii() and value.isdigit()) or int(value) > 60:
            raise ValidationError(_("Enter the number of years, from 0 to 60."))
        return int(value)

    def clean_graduation_year(self) -> int | None:
        value = self.cleaned_data.get("graduation_year")
        return int(value) if value else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("name_en_first", "name_en_father", "name_en_grandfather", "name_en_family"):
            if data.get(name):
                try:
                    data[name] = identity.clean_english_name(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        for name in ("major", "university"):
            if name in data:
                data[name] = " ".join(data[name].split())
        return data


class ChangeMobileForm(Form):
    new_value = forms.CharField(
        label=_("New mobile number"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=_("Current password"), strip=False, widget=PasswordInput("current-password")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_value(self) -> str:
        return identity.clean_mobile(self.cleaned_data["new_value"], self.user.identity_type)


class ChangeEmailForm(Form):
    new_value = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=_("Current password"), strip=False, widget=PasswordInput("current-password")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_value(self) -> str:
        return str(self.cleaned_data["new_value"]).strip()


def normalise_code(raw: str) -> str:
    return normalize_digits(raw or "").strip()
