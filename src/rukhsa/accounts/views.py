"""Account pages: each view parses the form, calls one service and renders."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature, TimestampSigner
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from rukhsa.accounts import services
from rukhsa.accounts.forms import (
    ChangeEmailForm,
    ChangeMobileForm,
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RecoverForm,
    SignupForm,
    VerifyCodeForm,
)
from rukhsa.accounts.middleware import CANDIDATE, LOGIN_AT, SEEN_AT
from rukhsa.accounts.models import CodePurpose, User
from rukhsa.accounts.services import AccountError, SignupData
from rukhsa.core import bidi, clock
from rukhsa.core.countries import country_name
from rukhsa.core.geo import city_name
from rukhsa.core.language import language_of
from rukhsa.core.net import client_ip
from rukhsa.core.views import remember_language

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
ViewFunc = Callable[..., HttpResponse]
PENDING_USER = "rukhsa_pending_user"
PENDING_CONTACT = "rukhsa_pending_contact"
RESET_KEY = "rukhsa_reset_key"
RESET_USER = "rukhsa_reset_user"
RESET_AT = "rukhsa_reset_at"
RESET_TRIES = "rukhsa_reset_tries"


CHALLENGE_PASSED_AT = "rukhsa_challenge_passed_at"
CHALLENGE_SALT = "rukhsa.accounts.challenge"


def _challenge_passed(request: HttpRequest) -> bool:
    passed = float(request.session.get(CHALLENGE_PASSED_AT, 0))
    return bool(_now_ts() - passed < settings.CODE_CHALLENGE_VALID.total_seconds())


def send_challenge(*, on_resend_only: bool = False) -> Callable[[ViewFunc], ViewFunc]:
    """For views that send codes: when many codes went to people behind this IP in the last
    hour (services.ip_send_tier), the person passes the challenge page before the form. With
    `on_resend_only`, only a POST asking for a new code is challenged."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            asks = request.method == "POST" and "resend" in request.POST
            if (
                (asks or not on_resend_only)
                and not _challenge_passed(request)
                and services.ip_send_tier(client_ip(request)) == "challenge"
            ):
                return redirect(
                    f"{reverse('accounts:challenge')}?{urlencode({'next': request.path})}"
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


@never_cache
def challenge(request: HttpRequest) -> HttpResponse:
    """The page people behind a busy IP pass before a code is sent: they confirm, and the form
    only counts when sent at least CODE_CHALLENGE_MIN_SECONDS after the page was shown."""
    target = _safe_next(request) or reverse("accounts:signup")
    signer = TimestampSigner(salt=CHALLENGE_SALT)
    error = ""
    if request.method == "POST":
        try:
            shown: float | None = float(
                signer.unsign(
                    request.POST.get("ticket", ""),
                    max_age=settings.CODE_CHALLENGE_VALID,
                )
            )
        except (BadSignature, ValueError):
            shown = None
        if shown is not None and _now_ts() - shown >= settings.CODE_CHALLENGE_MIN_SECONDS:
            request.session[CHALLENGE_PASSED_AT] = _now_ts()
            return redirect(target)
        error = _("Please wait a few seconds, then confirm again.")
    return render(
        request,
        "accounts/challenge.html",
        {
            "ticket": signer.sign(str(_now_ts())),
            "next": target,
            "error": error,
            "seconds": settings.CODE_CHALLENGE_MIN_SECONDS,
        },
    )


def _form_error(form: Any, exc: AccountError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _start_session(request: HttpRequest, user: User, *, target: str = "") -> HttpResponse:
    """Log in with a fresh session id, register it server-side, restore the user's language,
    and go to `target` (else the `next` page, else the dashboard)."""
    login(request, user, backend="rukhsa.accounts.backends.IdentityBackend")
    now = clock.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[CANDIDATE] = not (user.is_staff or user.is_superuser)
    # `login()` has already stored the new session under its new key; the times above are
    # written once with the response (SessionMiddleware), not here and again there.
    services.session_register(
        user=user,
        session_key=request.session.session_key or "",
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = redirect(target or _safe_next(request) or reverse("dashboard"))
    # The language the person chose on this device (the switch's cookie) wins and becomes the
    # stored preference; on a device where nothing was chosen, the stored preference applies.
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language in SUPPORTED_LANGUAGES:
        services.preferred_language_set(user=user, language=language)
    else:
        language = language_of(user)
    remember_language(response, language)
    return response


def _safe_next(request: HttpRequest) -> str | None:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def local_next(request: HttpRequest) -> str:
    """The `next` page to come back to, only when it is a path on this site ("" otherwise).

    Used after fixing a booking gap (profile, email): the candidate returns to the booking step
    they came from. Anything with a scheme, a host or a protocol-relative start is dropped, so
    the parameter can never send anyone to another site."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts=set())
    ):
        return target
    return ""


# --- Sign-up and verification ------------------------------------------------------------------


SIGNUP_STATE = "rukhsa_signup"
SIGNUP_URLS = ("accounts:signup", "accounts:signup_names", "accounts:signup_contact")
NOT_KEPT = ("password", "password_confirm")  # asked on the last step, never stored
KEPT_LENGTH = 254  # longer than any field allows: "Back" keeps unchecked input, within reason


def _signup_stored(request: HttpRequest) -> dict[str, dict[str, str]]:
    state = request.session.get(SIGNUP_STATE)
    return state if isinstance(state, dict) else {}


def _signup_store(request: HttpRequest, step: int, data: Any) -> None:
    """Keep what was typed on `step` (never a password) for the next steps and for "back"."""
    values = {
        name: str(data.get(name, ""))[:KEPT_LENGTH]
        for name in SignupForm.STEPS[step - 1]
        if name not in NOT_KEPT and data.get(name) not in (None, "")
    }
    request.session[SIGNUP_STATE] = {**_signup_stored(request), str(step): values}


def _signup_checked(request: HttpRequest, until: int) -> tuple[int, dict[str, Any]]:
    """How many of the steps before `until` have kept values that pass their checks again,
    and their checked values."""
    stored = _signup_stored(request)
    earlier: dict[str, Any] = {}
    for step in range(1, until):
        values = stored.get(str(step))
        if not isinstance(values, dict):
            return step - 1, earlier
        form = SignupForm(values, step=step, earlier=earlier)
        if not form.is_valid():
            return step - 1, earlier
        earlier.update(form.cleaned_data)
    return until - 1, earlier


def _signup_page(request: HttpRequest, step: int, form: SignupForm) -> HttpResponse:
    titles = (_("Identity"), _("Names and date of birth"), _("Contacts and password"))
    return render(
        request,
        "accounts/signup.html",
        {
            "form": form,
            "step": step,
            "steps": [
                {"number": n, "title": t, "state": _step_state(n, step)}
                for n, t in enumerate(titles, start=1)
            ],
            "step_title": titles[step - 1],
            "step_count": len(titles),
            "action": reverse(SIGNUP_URLS[step - 1]),
            "back_url": reverse(SIGNUP_URLS[step - 2]) if step > 1 else "",
            "number_labels": SignupForm.NUMBER_LABELS,
            "number_hints": SignupForm.NUMBER_HINTS,
            "terms_url": reverse("core:terms"),
            "privacy_url": reverse("core:privacy"),
        },
    )


def _step_state(number: int, current: int) -> str:
    return "done" if number < current else "current" if number == current else "todo"


def _signup_step(request: HttpRequest, step: int) -> HttpResponse:
    """One step of the sign-up: its fields are checked and kept in the session; the next step
    opens only when every step before it still passes its checks."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    done, earlier = _signup_checked(request, step)
    if done < step - 1:
        if request.method == "POST" or _signup_stored(request):
            messages.info(
                request,
                _(
                    "The sign-up continues from this step: what you typed on it was not "
                    "found or needs a correction."
                ),
            )
        return redirect(SIGNUP_URLS[done])
    if request.method == "POST" and "back" in request.POST and step > 1:
        _signup_store(request, step, request.POST)
        return redirect(SIGNUP_URLS[step - 2])
    if request.method != "POST":
        initial = _signup_stored(request).get(str(step), {})
        return _signup_page(request, step, SignupForm(initial=initial, step=step, earlier=earlier))
    form = SignupForm(request.POST, step=step, earlier=earlier)
    if not form.is_valid():
        return _signup_page(request, step, form)
    _signup_store(request, step, form.data)
    if step < len(SignupForm.STEPS):
        return redirect(SIGNUP_URLS[step])
    return _signup_finish(request, form)


def _signup_finish(request: HttpRequest, last: SignupForm) -> HttpResponse:
    """Every rule runs again on everything typed, then the account is created by the service."""
    stored = _signup_stored(request)
    typed = {**stored.get("1", {}), **stored.get("2", {}), **dict(last.data.items())}
    form = SignupForm(typed)
    if not form.is_valid():
        return _signup_show_errors(request, form, last)
    data = form.cleaned_data
    started = time.monotonic()
    try:
        user = services.user_signup(
            data=SignupData(
                identity_type=data["identity_type"],
                identity_number=data["identity_number"],
                nationality=data["nationality"],
                birth_date=data["birth_date"],
                gender=data["gender"],
                name_ar=tuple(data[n] for n in SignupForm.NAME_AR),  # type: ignore[arg-type]
                name_en=tuple(data[n] for n in SignupForm.NAME_EN),  # type: ignore[arg-type]
                mobile=data["mobile"],
                email=data["email"],
                password=data["password"],
                preferred_language=request.LANGUAGE_CODE,  # type: ignore[attr-defined]
            ),
            ip=client_ip(request),
        )
    except AccountError as exc:
        _form_error(form, exc)
        return _signup_show_errors(request, form, last)
    request.session.pop(SIGNUP_STATE, None)
    request.session.cycle_key()
    if user is None:
        # The email or mobile belongs to another account: the same code step follows,
        # and no code will ever match (see _PendingContact).
        request.session[PENDING_CONTACT] = {"mobile": data["mobile"], "sent": _now_ts()}
    else:
        request.session[PENDING_USER] = user.pk
    _pad(started, settings.SIGNUP_MIN_RESPONSE_SECONDS)
    messages.success(
        request,
        _("Your account was created. Enter the code we sent to your mobile to activate it."),
    )
    return redirect("accounts:verify_mobile")


def _signup_show_errors(request: HttpRequest, form: SignupForm, last: SignupForm) -> HttpResponse:
    """The first step with an error, shown with what was typed on it and the error."""
    for step, names in enumerate(SignupForm.STEPS, start=1):
        errors = {name: form.errors[name] for name in names if name in form.errors}
        if not errors:
            continue
        if step == len(SignupForm.STEPS):
            shown = last
        else:
            _done, earlier = _signup_checked(request, step)
            shown = SignupForm(
                _signup_stored(request).get(str(step), {}), step=step, earlier=earlier
            )
            shown.is_valid()
        for name, found in errors.items():
            for message in found:
                if message not in shown.errors.get(name, []):
                    shown.add_error(name if name in shown.fields else None, message)
        return _signup_page(request, step, shown)
    last.add_error(None, form.non_field_errors())
    return _signup_page(request, len(SignupForm.STEPS), last)


@never_cache
@send_challenge()
def signup(request: HttpRequest) -> HttpResponse:
    """Step 1 of 3: identity type, number and (for a passport) nationality."""
    return _signup_step(request, 1)


@never_cache
def signup_names(request: HttpRequest) -> HttpResponse:
    """Step 2 of 3: names, date of birth and gender."""
    return _signup_step(request, 2)


@never_cache
@sensitive_post_parameters("password", "password_confirm")
@send_challenge()
def signup_contact(request: HttpRequest) -> HttpResponse:
    """Step 3 of 3: mobile, email, password and consent; the account is created here."""
    return _signup_step(request, 3)


def _now_ts() -> float:
    return clock.now().timestamp()


def _pad(started: float, minimum: float) -> None:
    """Answer no sooner than `minimum` seconds after `started`, whatever happened in between."""
    remaining = minimum - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    if not user_id:
        return None
    return User.objects.filter(pk=user_id, mobile_verified_at__isnull=True).first()


def _pending_contact_step(request: HttpRequest, pending: dict[str, Any]) -> HttpResponse:
    """The code step after a sign-up whose email or mobile belongs to another account. It reads
    and answers like the real one (resend wait, wrong code, too many tries), but no account
    exists and no code was sent to this person, so none matches."""
    form = VerifyCodeForm(request.POST or None)
    left = pending["sent"] + settings.CODE_RESEND_AFTER.total_seconds() - _now_ts()
    wait = max(0, int(left + 0.999))  # rounded up, as services.code_resend_wait does
    if request.method == "POST" and "resend" in request.POST:
        form = VerifyCodeForm()
        if wait:
            messages.error(
                request,
                ngettext(
                    "A code was just sent. You can ask for a new one in %(seconds)d second.",
                    "A code was just sent. You can ask for a new one in %(seconds)d seconds.",
                    wait,
                )
                % {"seconds": wait},
            )
        else:
            request.session[PENDING_CONTACT] = {**pending, "sent": _now_ts(), "tries": 0}
            wait = int(settings.CODE_RESEND_AFTER.total_seconds())
            messages.success(request, _("A new code was sent to your mobile."))
    elif request.method == "POST" and form.is_valid():
        services.code_digest_work(code=form.cleaned_data["code"])
        tries = pending.get("tries", 0) + 1
        request.session[PENDING_CONTACT] = {**pending, "tries": tries}
        expired = _now_ts() - pending["sent"] >= settings.CODE_TTL.total_seconds()
        if tries > settings.CODE_MAX_TRIES or expired:
            sentence = _("The code has expired or was already used. Ask for a new code.")
        elif tries == settings.CODE_MAX_TRIES:
            sentence = _("Too many wrong tries. Ask for a new code.")
        else:
            sentence = _("The code is wrong or has expired.")
        form.add_error("code", sentence)
    return _verify_mobile_page(request, form, pending["mobile"], wait)


def _verify_mobile_page(request: HttpRequest, form: Any, mobile: str, wait: int) -> HttpResponse:
    return render(
        request,
        "accounts/verify_code.html",
        {
            "form": form,
            "next": local_next(request),
            "title": _("Verify your mobile"),
            "lead": bidi.sentence(
                _("We sent a 6-digit code by SMS to %(mobile)s. It is valid for 10 minutes."),
                mobile=mobile,
            ),
            "resend_wait": wait,
        },
    )


def _resend_or_verify(
    request: HttpRequest,
    *,
    resend: Callable[[], object],
    resent: str,
    verify: Callable[[str], object],
) -> tuple[VerifyCodeForm, bool]:
    """The code step of a contact: "send a new code" or check the typed one. Returns the form
    to show (with the refusal on its field) and whether the code was right."""
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        try:
            resend()
        except AccountError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, resent)
        return VerifyCodeForm(), False
    if request.method == "POST" and form.is_valid():
        try:
            verify(form.cleaned_data["code"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
            return form, True
    return form, False


@never_cache
@send_challenge(on_resend_only=True)
def verify_mobile(request: HttpRequest) -> HttpResponse:
    """The sign-up's SMS code. A `next` path on this site (a booking step sent the candidate
    here) is where the candidate lands once the mobile is verified."""
    after = local_next(request)
    user = _pending_user(request)
    if user is None and isinstance(request.user, User) and not request.user.mobile_verified_at:
        user = request.user  # signed in, mobile not verified yet (a booking step sent them)
    if user is None:
        pending = request.session.get(PENDING_CONTACT)
        if pending and not request.user.is_authenticated:
            return _pending_contact_step(request, pending)
        if request.user.is_authenticated:
            return redirect(after or reverse("dashboard"))
        messages.info(request, _("Log in to continue."))
        login_url = reverse("accounts:login")
        return redirect(f"{login_url}?{urlencode({'next': after})}" if after else login_url)
    form, verified = _resend_or_verify(
        request,
        resend=lambda: services.mobile_code_send(user=user, ip=client_ip(request)),
        resent=_("A new code was sent to your mobile."),
        verify=lambda code: services.mobile_verify(user=user, code=code),
    )
    if verified:
        request.session.pop(PENDING_USER, None)
        messages.success(request, _("Your mobile is verified and your account is active."))
        if request.user.is_authenticated:
            return redirect(after or reverse("dashboard"))
        return _start_session(request, user, target=after)
    return _verify_mobile_page(
        request,
        form,
        user.mobile,
        services.code_resend_wait(user=user, purpose=CodePurpose.SIGNUP_MOBILE),
    )


@never_cache
@login_required
@send_challenge(on_resend_only=True)
def verify_email(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.email_verified_at:
        messages.info(request, _("Your email is already verified."))
        return redirect(local_next(request) or reverse("dashboard"))
    form, verified = _resend_or_verify(
        request,
        resend=lambda: services.email_code_send(user=user, ip=client_ip(request)),
        resent=_("A new code and link were sent to your email."),
        verify=lambda code: services.email_verify(user=user, code=code),
    )
    if verified:
        messages.success(request, _("Your email is verified."))
        return redirect(local_next(request) or reverse("dashboard"))
    return render(
        request,
        "accounts/verify_code.html",
        {
            "form": form,
            "next": local_next(request),
            "title": _("Verify your email"),
            "lead": bidi.sentence(
                _(
                    "We sent a link and a 6-digit code to %(email)s. Open the link or enter the "
                    "code here."
                ),
                email=user.email,
            ),
            "resend_wait": services.code_resend_wait(user=user, purpose=CodePurpose.EMAIL),
        },
    )


@never_cache
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    user = services.email_verify_link(token=token)
    if user is None:
        messages.error(
            request, _("This link is not valid or has expired. Log in and ask for a new one.")
        )
    else:
        messages.success(request, _("Your email is verified."))
    return redirect("dashboard" if request.user.is_authenticated else "accounts:login")


# --- Login and logout --------------------------------------------------------------------------


def login_locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this when an account+IP pair is cooling off, for the candidate login
    and the back office's alike (each answers on its own page)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    sentence = _(
        "Too many failed attempts. For your protection, try again in "
        "%(minutes)d minutes, or recover your password."
    ) % {"minutes": minutes}
    if request.path == reverse("admin:login"):
        from django.contrib import admin

        site = admin.site
        # Unbound: validating would try the password again.
        staff_form = site.login_form(  # type: ignore[misc]
            request, initial={"username": request.POST.get("username", "")}
        )
        context = {
            "lockout": sentence,
            **site.each_context(request),
            "form": staff_form,
            "title": _("Log in"),
            "app_path": request.get_full_path(),
            "next": request.POST.get("next", ""),
        }
        return render(request, site.login_template or "admin/login.html", context, status=429)
    form = LoginForm(request.POST or None)
    form.is_valid()
    form.add_error(None, sentence)
    return render(request, "accounts/login.html", {"form": form}, status=429)


@never_cache
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["key"]
        user = authenticate(request, username=key, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return login_locked_out(request)
        if user is None:
            pending = services_pending_for(key, form.cleaned_data["password"])
            if pending is not None:
                request.session[PENDING_USER] = pending.pk
                messages.info(
                    request,
                    _(
                        "Your mobile is not verified yet. Enter the code we "
                        "sent, or ask for a new one."
                    ),
                )
                verify_url = reverse("accounts:verify_mobile")
                after = local_next(request)
                return redirect(
                    f"{verify_url}?{urlencode({'next': after})}" if after else verify_url
                )
            form.add_error(None, _("The identity number or password is not correct."))
        else:
            return _start_session(request, user)  # type: ignore[arg-type]
    return render(request, "accounts/login.html", {"form": form})


def services_pending_for(key: str, password: str) -> User | None:
    """An account that exists with this password but never verified its mobile."""
    from rukhsa.accounts.backends import find_user

    user = find_user(key)
    if (
        user
        and not user.is_active
        and user.mobile_verified_at is None
        and user.check_password(password)
    ):
        return user
    return None


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.session.session_key:
        services.session_forget(session_key=request.session.session_key)
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("core:home")


# --- Password recovery -------------------------------------------------------------------------


@never_cache
@send_challenge()
def recover(request: HttpRequest) -> HttpResponse:
    form = RecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = time.monotonic()
        key = form.cleaned_data["key"]
        services.recovery_request(key=key, ip=client_ip(request))
        request.session[RESET_KEY] = key
        request.session[RESET_TRIES] = 0
        # The same words in the same time whether or not an account matches.
        remaining = settings.RECOVERY_MIN_RESPONSE_SECONDS - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        messages.info(
            request,
            _(
                "If an account matches this identity, a code was sent to its "
                "registered mobile and a link to its registered email."
            ),
        )
        return redirect("accounts:recover_code")
    return render(request, "accounts/recover.html", {"form": form})


@never_cache
def recover_code(request: HttpRequest) -> HttpResponse:
    if RESET_KEY not in request.session:
        return redirect("accounts:recover")
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.recovery_check_code(
                key=request.session[RESET_KEY], code=form.cleaned_data["code"]
            )
        except AccountError as exc:
            # Wrong tries end this browser's attempt, never the account's codes or links.
            tries = request.session.get(RESET_TRIES, 0) + 1
            if tries >= settings.RECOVERY_TRIES_PER_ATTEMPT:
                for key in (RESET_KEY, RESET_TRIES):
                    request.session.pop(key, None)
                messages.error(request, _("Too many wrong tries. Ask for a new code."))
                return redirect("accounts:recover")
            request.session[RESET_TRIES] = tries
            _form_error(form, exc)
        else:
            return _grant_reset(request, user)
    return render(
        request,
        "accounts/verify_code.html",
        {
            "form": form,
            "title": _("Recover your password"),
            "lead": _(
                "Enter the 6-digit code sent to your registered mobile, or open the link sent "
                "to your registered email."
            ),
            "resend_url": reverse("accounts:recover"),
        },
    )


@never_cache
def recover_link(request: HttpRequest, token: str) -> HttpResponse:
    user = services.recovery_check_link(token=token)
    if user is None:
        messages.error(request, _("This link is not valid or has expired. Ask for a new one."))
        return redirect("accounts:recover")
    return _grant_reset(request, user)


def _grant_reset(request: HttpRequest, user: User) -> HttpResponse:
    if request.user.is_authenticated:
        logout(request)
    request.session.cycle_key()
    request.session[RESET_USER] = user.pk
    request.session[RESET_AT] = clock.now().timestamp()
    request.session.pop(RESET_KEY, None)
    request.session.pop(RESET_TRIES, None)
    return redirect("accounts:recover_new_password")


@never_cache
@sensitive_post_parameters("password", "password_confirm")
def recover_new_password(request: HttpRequest) -> HttpResponse:
    user_id, granted = request.session.get(RESET_USER), request.session.get(RESET_AT, 0)
    fresh = clock.now().timestamp() - granted < settings.CODE_TTL.total_seconds()
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id and fresh else None
    if user is None:
        messages.error(request, _("Your recovery step has expired. Please start again."))
        return redirect("accounts:recover")
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.password_set(
            user=user, password=form.cleaned_data["password"], ip=client_ip(request)
        )
        for key in (RESET_USER, RESET_AT):
            request.session.pop(key, None)
        messages.success(request, _("Your password was changed. You can log in with it now."))
        return redirect("accounts:login")
    return render(request, "accounts/new_password.html", {"form": form})


# --- Profile -----------------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    language = request.LANGUAGE_CODE  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "nationality_name": country_name(user.nationality, language),
            "city_name": city_name(user.city, language),
            "pending_mobile": services.pending_change(user=user, field="mobile"),
            "pending_email": services.pending_change(user=user, field="email"),
        },
    )


@never_cache
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {field: getattr(user, field) for field in services.PROFILE_FIELDS}
    initial["experience_years"] = (
        "" if user.experience_years is None else str(user.experience_years)
    )
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.profile_update(
            user=user, values=form.cleaned_data, actor=user, ip=client_ip(request)
        )
        if changed:
            messages.success(request, _("Your personal data was saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        response = redirect(local_next(request) or reverse("accounts:profile"))
        remember_language(response, user.preferred_language)
        return response
    return render(
        request, "accounts/profile_edit.html", {"form": form, "next": local_next(request)}
    )


@never_cache
@login_required
@sensitive_post_parameters("password")
@send_challenge()
def change_mobile(request: HttpRequest) -> HttpResponse:
    return _change_contact(request, "mobile", ChangeMobileForm)


@never_cache
@login_required
@sensitive_post_parameters("password")
@send_challenge()
def change_email(request: HttpRequest) -> HttpResponse:
    return _change_contact(request, "email", ChangeEmailForm)


def _change_contact(request: HttpRequest, field: str, form_class: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = form_class(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_change_request(
                user=user,
                field=field,
                new_value=form.cleaned_data["new_value"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            if field == "mobile":
                messages.info(
                    request,
                    _(
                        "We sent a code to the new mobile number. It takes "
                        "effect when you enter the code."
                    ),
                )
            else:
                messages.info(
                    request,
                    _(
                        "We sent a link and a code to the new email address. It "
                        "takes effect when you confirm it."
                    ),
                )
            return redirect("accounts:confirm_contact", field=field)
    title = _("Change mobile number") if field == "mobile" else _("Change email address")
    return render(
        request, "accounts/change_contact.html", {"form": form, "title": title, "field": field}
    )


@never_cache
@login_required
def confirm_contact(request: HttpRequest, field: str) -> HttpResponse:
    if field not in ("mobile", "email"):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    pending = services.pending_change(user=user, field=field)
    if pending is None:
        return redirect("accounts:profile")
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_change_confirm(
                user=user, field=field, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("Your mobile number was changed.")
                if field == "mobile"
                else _("Your email address was changed."),
            )
            return redirect("accounts:profile")
    lead = _("Enter the 6-digit code sent to %(value)s.") % {"value": pending.new_value}
    return render(
        request,
        "accounts/verify_code.html",
        {
            "form": form,
            "title": _("Confirm the new mobile number")
            if field == "mobile"
            else _("Confirm the new email address"),
            "lead": lead,
            "resend_url": reverse(
                "accounts:change_mobile" if field == "mobile" else "accounts:change_email"
            ),
        },
    )


@never_cache
@login_required
def change_email_link(request: HttpRequest, token: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        services.contact_change_confirm(
            user=user, field="email", token=token, ip=client_ip(request)
        )
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your email address was changed."))
    return redirect("accounts:profile")


@never_cache
@login_required
@sensitive_post_parameters("current_password", "password", "password_confirm")
def change_password(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ChangePasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["password"],
                session_key=request.session.session_key,
                ip=client_ip(request),
            )
        except AccountError as exc:
            _form_error(form, exc)
        else:
            old_key = request.session.session_key
            update_session_auth_hash(request, user)
            services.session_forget(session_key=old_key or "")
            services.session_register(
                user=user,
                session_key=request.session.session_key or "",
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
            messages.success(
                request, _("Your password was changed. Your other sessions were ended.")
            )
            return redirect("accounts:profile")
    return render(request, "accounts/change_password.html", {"form": form})
