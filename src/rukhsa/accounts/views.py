"""Account pages: each view parses the form, calls one service and renders."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
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
from rukhsa.accounts.middleware import LOGIN_AT, SEEN_AT
from rukhsa.accounts.models import CodePurpose, User
from rukhsa.accounts.services import AccountError, SignupData
from rukhsa.core import bidi, clock
from rukhsa.core.countries import country_name
from rukhsa.core.geo import city_name
from rukhsa.core.net import client_ip
from rukhsa.core.views import remember_language

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
PENDING_USER = "rukhsa_pending_user"
RESET_KEY = "rukhsa_reset_key"
RESET_USER = "rukhsa_reset_user"
RESET_AT = "rukhsa_reset_at"


def _form_error(form: Any, exc: AccountError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _start_session(request: HttpRequest, user: User) -> HttpResponse:
    """Log in with a fresh session id, register it server-side, restore the user's language."""
    login(request, user, backend="rukhsa.accounts.backends.IdentityBackend")
    now = clock.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session.save()
    services.session_register(
        user=user,
        session_key=request.session.session_key or "",
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = redirect(_safe_next(request) or reverse("dashboard"))
    # The language the person chose on this device (the switch's cookie) wins and becomes the
    # stored preference; on a device where nothing was chosen, the stored preference applies.
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language in SUPPORTED_LANGUAGES:
        services.preferred_language_set(user=user, language=language)
    else:
        language = user.preferred_language or settings.LANGUAGE_CODE
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


@never_cache
@sensitive_post_parameters("password", "password_confirm")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
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
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            messages.success(
                request,
                _(
                    "Your account was created. Enter the code we sent to "
                    "your mobile to activate it."
                ),
            )
            return redirect("accounts:verify_mobile")
    return render(
        request,
        "accounts/signup.html",
        {
            "form": form,
            "terms_url": reverse("core:terms"),
            "privacy_url": reverse("core:privacy"),
        },
    )


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    if not user_id:
        return None
    return User.objects.filter(pk=user_id, mobile_verified_at__isnull=True).first()


@never_cache
def verify_mobile(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect("dashboard")
        messages.info(request, _("Log in to continue."))
        return redirect("accounts:login")
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        form = VerifyCodeForm()
        try:
            services.mobile_code_send(user=user, ip=client_ip(request))
            messages.success(request, _("A new code was sent to your mobile."))
        except AccountError as exc:
            messages.error(request, exc.message)
    elif request.method == "POST" and form.is_valid():
        try:
            services.mobile_verify(user=user, code=form.cleaned_data["code"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
            del request.session[PENDING_USER]
            messages.success(request, _("Your mobile is verified and your account is active."))
            return _start_session(request, user)
    return render(
        request,
        "accounts/verify_code.html",
        {
            "form": form,
            "title": _("Verify your mobile"),
            "lead": bidi.sentence(
                _("We sent a 6-digit code by SMS to %(mobile)s. It is valid for 10 minutes."),
                mobile=user.mobile,
            ),
            "resend_wait": services.code_resend_wait(user=user, purpose=CodePurpose.SIGNUP_MOBILE),
        },
    )


@never_cache
@login_required
def verify_email(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.email_verified_at:
        messages.info(request, _("Your email is already verified."))
        return redirect(local_next(request) or reverse("dashboard"))
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        form = VerifyCodeForm()
        try:
            services.email_code_send(user=user, ip=client_ip(request))
            messages.success(request, _("A new code and link were sent to your email."))
        except AccountError as exc:
            messages.error(request, exc.message)
    elif request.method == "POST" and form.is_valid():
        try:
            services.email_verify(user=user, code=form.cleaned_data["code"])
        except AccountError as exc:
            _form_error(form, exc)
        else:
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
    """django-axes calls this when an account+IP pair is cooling off."""
    form = LoginForm(request.POST or None)
    form.is_valid()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form.add_error(
        None,
        _(
            "Too many failed attempts. For your protection, try again in "
            "%(minutes)d minutes, or recover your password."
        )
        % {"minutes": minutes},
    )
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
                return redirect("accounts:verify_mobile")
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
def recover(request: HttpRequest) -> HttpResponse:
    form = RecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = time.monotonic()
        key = form.cleaned_data["key"]
        services.recovery_request(key=key, ip=client_ip(request))
        request.session[RESET_KEY] = key
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
        services.password_set(user=user, password=form.cleaned_data["password"], request=request)
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
            user=user, values=form.cleaned_data, actor=user, request=request
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
def change_mobile(request: HttpRequest) -> HttpResponse:
    return _change_contact(request, "mobile", ChangeMobileForm)


@never_cache
@login_required
@sensitive_post_parameters("password")
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
                user=user, field=field, code=form.cleaned_data["code"], request=request
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
        services.contact_change_confirm(user=user, field="email", token=token, request=request)
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
                request=request,
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
