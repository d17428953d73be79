"""The operator back office: an admin site that needs a password **and** a TOTP code.

- ``RukhsaAdminSite`` replaces Django's default admin site (through ``RukhsaAdminConfig`` in
  INSTALLED_APPS), so every app's ``@admin.register`` lands behind the second factor.
- Staff log in with identity number (or email), password and the 6-digit code of their
  authenticator app. A staff account without a confirmed TOTP device cannot get in; an
  administrator enrols one with ``manage.py enrol_totp <identity number or email>``.
- ``ROLES`` is the one list of staff roles and their permissions (``manage.py setup_roles``).
- ``dashboard`` is a small registry of dashboard panels: each app plugs in its own numbers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from rukhsa.core.digits import normalize_digits

# --- Roles ------------------------------------------------------------------------------------

CATALOG_MODELS = (
    "test", "specialization", "domain", "period", "prioritywindow", "region", "city", "centre",
    "session",
)  # fmt: skip


def _perms(app: str, models: tuple[str, ...], actions: tuple[str, ...]) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


@dataclass(frozen=True)
class Role:
    name: str  # the Group name (stable, English)
    label: Any  # translated label
    permissions: tuple[
        str, ...
    ]  # "app_label.codename"; ones whose model does not exist yet are skipped


ALL = ("add", "change", "delete", "view")
ROLES: tuple[Role, ...] = (
    Role(
        "Catalogue manager",
        _("Catalogue manager"),
        (
            *_perms("catalog", CATALOG_MODELS, ALL),
            *_perms("admission", ("queuesettings",), ALL),
            *_perms("admission", ("shufflerecord",), ("view",)),
        ),
    ),
    Role(
        "Support",
        _("Support"),
        (
            *_perms("catalog", CATALOG_MODELS, ("view",)),
            "accounts.view_user",
            "accounts.change_user",
            "core.view_auditlog",
            "notifications.view_message",
            "notifications.change_message",
            *_perms("booking", ("registration",), ("view", "change")),
        ),
    ),
    Role(
        "Results officer",
        _("Results officer"),
        (
            *_perms(
                "catalog", ("test", "specialization", "domain", "period", "session"), ("view",)
            ),
            *_perms("results", ("result", "importbatch", "domainscore"), ALL),
        ),
    ),
    Role(
        "Finance",
        _("Finance"),
        (
            *_perms("catalog", ("test", "period"), ("view",)),
            *_perms(
                "payments",
                ("order", "payment", "invoice", "creditnote", "webhookevent"),
                ("view",),
            ),
        ),
    ),
)


# --- Dashboard panels -------------------------------------------------------------------------


@dataclass
class Panel:
    """A titled table; the cells of ``meter_column`` (percentages 0 to 100) are drawn as bars."""

    title: Any
    columns: list[Any]
    rows: list[list[Any]] = field(default_factory=list)
    meter_column: int | None = None
    empty: Any = ""
    note: Any = ""


PanelProvider = Callable[[HttpRequest], Panel]


class DashboardRegistry:
    """Panels by key, in registration order; registering a key again replaces the panel."""

    def __init__(self) -> None:
        self._panels: dict[str, tuple[int, PanelProvider]] = {}

    def register(self, key: str, provider: PanelProvider, *, order: int = 100) -> None:
        self._panels[key] = (order, provider)

    def panels(self, request: HttpRequest) -> list[Panel]:
        ordered = sorted(self._panels.items(), key=lambda item: item[1][0])
        return [provider(request) for _key, (_order, provider) in ordered]


dashboard = DashboardRegistry()


def _registrations_per_day_placeholder(request: HttpRequest) -> Panel:
    return Panel(
        title=_("Registrations per day"),
        columns=[_("Day"), _("Registrations")],
        empty=_("No registrations yet: the booking service supplies these numbers."),
    )


# The booking app registers "registrations_per_day" again with its real numbers.
dashboard.register("registrations_per_day", _registrations_per_day_placeholder, order=10)


# --- Home charts -----------------------------------------------------------------------------


@dataclass
class Bar:
    """One bar of a chart: its label, its length (``value``), an optional darker first part
    (``part``, e.g. the confirmed share of the registrations) and the figure written beside it."""

    label: Any
    value: float
    text: Any
    part: float = 0


@dataclass
class Chart:
    """A picture for the back-office home page, drawn server-side as SVG (no script).

    ``columns`` draws vertical columns (a series over time); otherwise horizontal bars, one per
    line, each with its label and figure in words so colour is never the only carrier. Lengths
    are scaled to ``maximum`` (100 for percentages) or to the largest value.
    """

    key: str
    title: Any
    bars: list[Bar] = field(default_factory=list)
    summary: Any = ""
    legend: list[Any] = field(default_factory=list)  # [full bar, darker part]
    columns: bool = False
    maximum: float | None = None
    empty: Any = ""
    link: str = ""
    link_text: Any = ""

    @property
    def scale(self) -> float:
        largest = max((bar.value for bar in self.bars), default=0)
        return float(self.maximum or largest or 1)

    @property
    def drawn(self) -> list[dict[str, Any]]:
        """Each bar with its lengths in percent of the scale (one decimal, for SVG attributes)."""
        scale = self.scale
        out = []
        for index, bar in enumerate(self.bars):
            length = min(max(bar.value / scale * 100, 0), 100)
            part = min(max(bar.part / scale * 100, 0), length)
            out.append(
                {
                    "bar": bar,
                    "length": f"{length:.1f}",
                    "part": f"{part:.1f}",
                    "rest_y": f"{100 - length:.1f}",
                    "part_y": f"{100 - part:.1f}",
                    "x": index * 10 + 1,
                    "x_rtl": (len(self.bars) - 1 - index) * 10 + 1,
                    "end": f"{100 - length:.1f}",
                    "part_end": f"{100 - part:.1f}",
                }
            )
        return out

    @property
    def width(self) -> int:
        return max(len(self.bars), 1) * 10


ChartProvider = Callable[[HttpRequest], "Chart | None"]


class ChartRegistry:
    """Home-page charts by key, ordered; a provider returns None when the user may not see it."""

    def __init__(self) -> None:
        self._charts: dict[str, tuple[int, ChartProvider]] = {}

    def register(self, key: str, provider: ChartProvider, *, order: int = 100) -> None:
        self._charts[key] = (order, provider)

    def charts(self, request: HttpRequest) -> list[Chart]:
        ordered = sorted(self._charts.items(), key=lambda item: item[1][0])
        return [c for _key, (_order, provider) in ordered if (c := provider(request)) is not None]


charts = ChartRegistry()


# --- The back office's list of apps: operator work first, in the page's language -------------

# Operator work, in this order; any app not named here comes after them, technical apps last.
APP_ORDER = ("booking", "results", "payments", "catalog", "accounts", "notifications", "core")
TECHNICAL_APPS = ("auth", "axes", "otp_totp", "django_tasks_database")
APP_NAMES: dict[str, Any] = {
    "auth": _("Staff roles (groups)"),
    "axes": _("Login attempts"),
    "otp_totp": _("Authenticator apps (second factor)"),
    "django_tasks_database": _("Background tasks"),
}
MODEL_NAMES: dict[tuple[str, str], Any] = {
    ("otp_totp", "totpdevice"): _("Authenticator devices (TOTP)"),
    ("django_tasks_database", "dbtaskresult"): _("Background task results"),
}


def _app_rank(app: dict[str, Any]) -> tuple[int, int, str]:
    label = app["app_label"]
    if label in APP_ORDER:
        return (0, APP_ORDER.index(label), "")
    if label in TECHNICAL_APPS:
        return (2, TECHNICAL_APPS.index(label), "")
    return (1, 0, str(app["name"]))


# --- Login ------------------------------------------------------------------------------------


class StaffLoginForm(forms.Form):
    """Identity number (or email) + password + the current 6-digit TOTP code, in one step.

    A plain form (not AuthenticationForm) so this module stays importable while the app
    registry loads: it names the admin app's config below.
    """

    username = forms.CharField(
        label=_("Identity number or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Authenticator code"),
        max_length=8,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    # One sentence for every refusal (unknown account, wrong password, no authenticator, wrong
    # or throttled code): nobody learns that a guessed password was right before the second
    # factor passes.
    error_messages = {
        "invalid_login": _(
            "The identity number (or email), password or authenticator code is not correct, or "
            "the account is not an active staff account. Staff without an authenticator ask an "
            "administrator to run “manage.py enrol_totp <your identity number>”."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: Any = None
        super().__init__(*args, **kwargs)

    def clean_username(self) -> str:
        return normalize_digits(self.cleaned_data.get("username") or "").strip()

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import authenticate
        from django_otp.plugins.otp_totp.models import TOTPDevice

        cleaned = super().clean() or {}
        username, password = cleaned.get("username"), cleaned.get("password")
        if not username or not password:
            return cleaned
        user = authenticate(self.request, username=username, password=password)
        if getattr(self.request, "axes_locked_out", False):
            # django-axes answers with its lockout page; refuse here as well.
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        if user is None or not (user.is_active and user.is_staff):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        token = normalize_digits(cleaned.get("otp_token") or "").replace(" ", "")
        passed = (
            device is not None
            and device.verify_is_allowed()[0]
            and token.isdigit()
            and device.verify_token(token)
        )
        if not passed:
            self._second_factor_failed(username)
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        user.otp_device = device  # type: ignore[attr-defined]  # stored in the session at login
        self.user_cache = user
        return cleaned

    def _second_factor_failed(self, username: str) -> None:
        """A wrong, missing or throttled code is a failed login like a wrong password: django-axes
        counts it towards the account's lockout."""
        from django.contrib.auth.signals import user_login_failed

        user_login_failed.send(
            sender=type(self), credentials={"username": username}, request=self.request
        )

    def get_user(self) -> Any:
        return self.user_cache


# --- The site ---------------------------------------------------------------------------------


class RukhsaAdminSite(admin.AdminSite):
    site_header = _("Rukhsa back office")
    site_title = _("Rukhsa back office")
    index_title = _("Back office")
    login_form = StaffLoginForm  # type: ignore[assignment]  # a plain Form with the same API
    login_template = "admin/rukhsa_login.html"
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff who proved their second factor in this session."""
        user = request.user
        return bool(
            user.is_active and user.is_staff and getattr(user, "is_verified", lambda: False)()
        )

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        """Operator work first (registrations, results, payments, catalogue…), technical apps
        (roles, login attempts, authenticator devices, background tasks) last, every name in
        the page's language."""
        apps = super().get_app_list(request, app_label)
        for app in apps:
            label = app["app_label"]
            app["name"] = APP_NAMES.get(label, app["name"])
            app["technical"] = label in TECHNICAL_APPS
            for model in app["models"]:
                key = (label, str(model["object_name"]).lower())
                model["name"] = MODEL_NAMES.get(key, model["name"])
        return sorted(apps, key=_app_rank)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        context = {"charts": charts.charts(request), **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self) -> list[Any]:
        urls: list[URLPattern] = [
            path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard"),
        ]
        return urls + super().get_urls()

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.each_context(request),
            "title": _("Dashboard"),
            "panels": dashboard.panels(request),
        }
        return TemplateResponse(request, "admin/dashboard.html", context)


class RukhsaAdminConfig(AdminConfig):
    """Use in INSTALLED_APPS instead of "django.contrib.admin"."""

    default_site = "rukhsa.core.admin_site.RukhsaAdminSite"


# --- TOTP enrolment ---------------------------------------------------------------------------


class EnrolmentError(Exception):
    pass


def staff_totp_enrol(
    *, user: Any, key: str | None = None, replace: bool = False, name: str = "authenticator"
) -> Any:
    """Give a staff user a confirmed TOTP device; refuse a second one unless ``replace``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not user.is_staff:
        raise EnrolmentError(_("Only staff accounts use an authenticator for the back office."))
    existing = TOTPDevice.objects.filter(user=user)
    if existing.exists():
        if not replace:
            raise EnrolmentError(
                _(
                    "This account already has an authenticator. Use --replace to issue a new one "
                    "(the old codes stop working)."
                )
            )
        existing.delete()
    fields: dict[str, Any] = {"user": user, "name": name, "confirmed": True}
    if key:
        fields["key"] = key
    return TOTPDevice.objects.create(**fields)


def totp_secret_base32(device: Any) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def totp_current_code(device: Any) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def roles_setup() -> dict[str, tuple[int, list[str]]]:
    """Create or update one Group per role with exactly its permissions; idempotent.

    Returns, per role, how many permissions it got and which named ones do not exist yet (their
    app is not built or not migrated); run again after migrating to pick them up.
    """
    from django.contrib.auth.models import Group, Permission

    report: dict[str, tuple[int, list[str]]] = {}
    for role in ROLES:
        wanted = {tuple(p.split(".", 1)) for p in role.permissions}
        found = {
            (p.content_type.app_label, p.codename): p
            for p in Permission.objects.filter(
                content_type__app_label__in={app for app, _c in wanted},
                codename__in={codename for _a, codename in wanted},
            ).select_related("content_type")
        }
        perms = [found[key] for key in sorted(wanted) if key in found]
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set(perms)
        missing = sorted(
            f"{app}.{codename}" for app, codename in wanted if (app, codename) not in found
        )
        report[role.name] = (len(perms), missing)
    return report
