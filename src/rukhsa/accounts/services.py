"""Every write to a candidate's identity: sign-up, codes, verification, recovery, profile.

Services take keyword-only arguments, validate, write (with an audit row) and send their
messages after the commit. Errors a candidate can cause are raised as AccountError with a
sentence in the active language.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rukhsa.accounts import usercache
from rukhsa.accounts.models import (
    CodePurpose,
    PendingContactChange,
    SendLog,
    User,
    UserSession,
    VerificationCode,
    identity_key,
)
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.language import language_of
from rukhsa.notifications.services import message_send


class AccountError(Exception):
    """A refusal the candidate should read; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class CodeLimitError(AccountError):
    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


# --- Codes -------------------------------------------------------------------------------------


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_resend_wait(*, user: User, purpose: str) -> int:
    """Seconds until a new code for `purpose` may be sent (0 when it may be sent now)."""
    last = (
        VerificationCode.objects.filter(user=user, purpose=purpose)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    wait = (last + settings.CODE_RESEND_AFTER - clock.now()).total_seconds()
    return max(0, int(wait + 0.999))


def _recipient_key(target: str) -> str:
    return _digest("recipient", target.strip().lower())


def _limit_error(oldest: Any, now: Any, *, network: bool = False) -> CodeLimitError:
    retry = int((oldest + timedelta(hours=1) - now).total_seconds()) + 1
    minutes = max(1, (retry + 59) // 60)
    if network:
        message = ngettext(
            "Too many codes were requested from your network. Please try again in "
            "%(minutes)d minute.",
            "Too many codes were requested from your network. Please try again in "
            "%(minutes)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many codes were requested. Please try again in %(minutes)d minute.",
            "Too many codes were requested. Please try again in %(minutes)d minutes.",
            minutes,
        )
    return CodeLimitError(message % {"minutes": minutes}, retry_after=retry)


def _recent_sends(since: Any, limit: int, **filters: Any) -> list[Any]:
    return list(
        SendLog.objects.filter(created_at__gt=since, **filters)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )


def ip_send_tier(ip: str | None) -> str:
    """How freely codes may be sent to people behind `ip` in the last hour: "open", "challenge"
    (above CODE_IP_CHALLENGE_AFTER: the person first passes the challenge page) or "wait"
    (CODE_IP_MAX_SENDS_PER_HOUR reached). Many people share one address (a school network, a
    mobile carrier's NAT), so these limits are high; the strict ones are per account and per
    recipient."""
    if not ip:
        return "open"
    sends = SendLog.objects.filter(
        created_at__gt=clock.now() - timedelta(hours=1), ip_address=ip
    ).count()
    if sends >= settings.CODE_IP_MAX_SENDS_PER_HOUR:
        return "wait"
    if sends >= settings.CODE_IP_CHALLENGE_AFTER:
        return "challenge"
    return "open"


def _check_send_limits(*, user: User | None, ip: str | None, recipient: str = "") -> None:
    """At most CODE_MAX_SENDS_PER_HOUR codes an hour to one account and to one recipient, and
    CODE_IP_MAX_SENDS_PER_HOUR from one IP (see ip_send_tier)."""
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    limit = settings.CODE_MAX_SENDS_PER_HOUR
    for filters in (
        {"user": user} if user else None,
        {"recipient": recipient} if recipient else None,
    ):
        if filters is not None and len(sends := _recent_sends(hour_ago, limit, **filters)) >= limit:
            raise _limit_error(sends[-1], now)
    if ip:
        ip_limit = settings.CODE_IP_MAX_SENDS_PER_HOUR
        if len(sends := _recent_sends(hour_ago, ip_limit, ip_address=ip)) >= ip_limit:
            raise _limit_error(sends[-1], now, network=True)


def code_issue(
    *,
    user: User,
    purpose: str,
    target: str,
    ip: str | None,
    with_link: bool = False,
    revoke_earlier: bool = True,
) -> tuple[VerificationCode, str, str]:
    """Create a code for `purpose` sent to `target`, enforcing the resend and hourly limits.

    Returns (row, code, link_token); earlier live codes of the same purpose stop working unless
    `revoke_earlier` is False (recovery: a stranger's request must not kill a link already sent).
    """
    wait = code_resend_wait(user=user, purpose=purpose)
    if wait:
        raise CodeLimitError(
            ngettext(
                "A code was just sent. You can ask for a new one in %(seconds)d second.",
                "A code was just sent. You can ask for a new one in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait},
            retry_after=wait,
        )
    recipient = _recipient_key(target)
    _check_send_limits(user=user, ip=ip, recipient=recipient)
    now = clock.now()
    if revoke_earlier:
        VerificationCode.objects.filter(
            user=user, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
    code = _new_code()
    token = secrets.token_urlsafe(32) if with_link else ""
    row = VerificationCode.objects.create(
        user=user,
        purpose=purpose,
        target=target,
        code_hash=_digest("code", f"{purpose}:{code}"),
        token_hash=_digest("token", token) if token else "",
        created_at=now,
        expires_at=now + settings.CODE_TTL,
        ip_address=ip,
    )
    SendLog.objects.create(user=user, recipient=recipient, ip_address=ip, created_at=now)
    return row, code, token


def code_digest_work(*, code: str) -> None:
    """The hashing a code check does, for answers that must take as long as a real check."""
    _digest("code", f"{CodePurpose.SIGNUP_MOBILE}:{code}")


def code_check(*, user: User, purpose: str, code: str) -> VerificationCode:
    """Use the live code of `purpose` if `code` matches; count a wrong try against it.

    The try is committed before the refusal is raised, so call this outside any transaction
    that the refusal would roll back.
    """
    refusal: AccountError | None = None
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at__isnull=True, revoked_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = clock.now()
        if row is None or now >= row.expires_at:
            refusal = AccountError(
                _("The code has expired or was already used. Ask for a new code."),
                field="code",
                code="expired",
            )
        elif not hmac.compare_digest(row.code_hash, _digest("code", f"{purpose}:{code}")):
            row.attempts += 1
            if row.attempts >= settings.CODE_MAX_TRIES:
                row.revoked_at = now
                refusal = AccountError(
                    _("Too many wrong tries. Ask for a new code."),
                    field="code",
                    code="too_many_tries",
                )
            else:
                refusal = AccountError(
                    _("The code is wrong or has expired."), field="code", code="wrong_code"
                )
            row.save(update_fields=["attempts", "revoked_at"])
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if refusal is not None or row is None:
        raise refusal or AccountError(_("The code is wrong or has expired."), field="code")
    return row


def code_by_token(*, token: str, purpose: str, user: User | None = None) -> VerificationCode | None:
    """The live code a link token names, used up; None when unknown, used or expired."""
    if not token or len(token) > 100:
        return None
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .select_related("user")
            .filter(
                token_hash=_digest("token", token),
                purpose=purpose,
                **({"user": user} if user is not None else {}),
            )
            .first()
        )
        if row is None or not row.is_live():
            return None
        row.used_at = clock.now()
        row.save(update_fields=["used_at"])
        return row


# --- Sign-up -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupData:
    identity_type: str
    identity_number: str
    nationality: str
    birth_date: date
    gender: str
    name_ar: tuple[str, str, str, str]
    name_en: tuple[str, str, str, str]
    mobile: str
    email: str
    password: str
    preferred_language: str


STALE_UNVERIFIED = timedelta(hours=1)


def _purge_stale_unverified(*, key: str, email: str) -> None:
    """An identity or email held by an account whose mobile was never verified is freed after
    an hour, so nobody can block a teacher by signing up with their number."""
    cutoff = clock.now() - STALE_UNVERIFIED
    stale = User.objects.filter(
        mobile_verified_at__isnull=True, is_active=False, date_joined__lt=cutoff, is_staff=False
    )
    stale.filter(identity_key=key).delete()
    stale.annotate(email_ci=Lower("email")).filter(email_ci=email.lower()).delete()


# The one home of the "already has an account" sentences (sign-up, profile, verification).


def identity_taken_message() -> str:
    return _("An account with this identity already exists. Log in, or recover your password.")


def contact_taken_message(field: str) -> str:
    """The sentence for an email or mobile that belongs to another account."""
    if field == "mobile":
        return _("This mobile number is already verified on another account.")
    return _("This email address is already used by another account.")


def signup_conflicts(*, key: str, email: str, mobile: str) -> dict[str, str]:
    """Field → message for every uniqueness rule the new account would break."""
    errors: dict[str, str] = {}
    if User.objects.filter(identity_key=key).exists():
        errors["identity_number"] = identity_taken_message()
    if User.objects.annotate(email_ci=Lower("email")).filter(email_ci=email.lower()).exists():
        errors["email"] = contact_taken_message("email")
    if User.objects.filter(mobile=mobile, mobile_verified_at__isnull=False).exists():
        errors["mobile"] = contact_taken_message("mobile")
    return errors


def _signup_contact_taken(*, data: SignupData, taken: set[str], ip: str | None) -> None:
    """Someone signed up with an email or mobile that belongs to another account: nothing is
    created, the owner of that contact is told, and the same work is done (the password hashed,
    two sends counted against the IP) so the answer cannot tell the two cases apart."""
    User().set_password(data.password)
    now = clock.now()
    SendLog.objects.bulk_create(
        [SendLog(user=None, ip_address=ip, created_at=now) for _send in ("mobile", "email")]
    )
    owners = {
        "email": User.objects.annotate(email_ci=Lower("email"))
        .filter(email_ci=data.email.lower())
        .first(),
        "mobile": User.objects.filter(mobile=data.mobile, mobile_verified_at__isnull=False).first(),
    }
    for field in sorted(taken):
        owner = owners[field]
        if owner is None:
            continue
        message_send(
            kind="signup_contact_taken",
            language=language_of(owner),
            recipient=owner,
            sms_to=data.mobile if field == "mobile" else None,
            email_to=data.email if field == "email" else None,
            context={"field": field},
        )
    audit_log(action="account.signup_contact_taken", note=", ".join(sorted(taken)))


def user_signup(*, data: SignupData, ip: str | None) -> User | None:
    """Create an inactive account and send the mobile code and the email link/code.

    An identity that already has an account is refused (it is the login name; the sentence
    says how to log in or recover). An email or mobile that belongs to another account is not
    revealed: nothing is created, the contact's owner is told, and None is returned so that
    the caller continues exactly as for a new account (to the code step).
    """
    key = identity_key(data.identity_type, data.identity_number, data.nationality)
    now = clock.now()
    with transaction.atomic():
        _purge_stale_unverified(key=key, email=data.email)
        conflicts = signup_conflicts(key=key, email=data.email, mobile=data.mobile)
        if "identity_number" in conflicts:
            raise AccountError(
                conflicts["identity_number"], field="identity_number", code="duplicate"
            )
        if conflicts:
            _signup_contact_taken(data=data, taken=set(conflicts), ip=ip)
            return None
        user = User(
            identity_type=data.identity_type,
            identity_number=data.identity_number,
            nationality=data.nationality,
            identity_key=key,
            birth_date=data.birth_date,
            gender=data.gender,
            name_ar_first=data.name_ar[0],
            name_ar_father=data.name_ar[1],
            name_ar_grandfather=data.name_ar[2],
            name_ar_family=data.name_ar[3],
            name_en_first=data.name_en[0],
            name_en_father=data.name_en[1],
            name_en_grandfather=data.name_en[2],
            name_en_family=data.name_en[3],
            mobile=data.mobile,
            email=data.email,
            preferred_language=data.preferred_language,
            terms_accepted_at=now,
            privacy_accepted_at=now,
            is_active=False,
            date_joined=now,
        )
        user.set_password(data.password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise AccountError(
                _(
                    "An account with these details was just created. "
                    "Log in, or recover your password."
                ),
                field="identity_number",
                code="duplicate",
            ) from exc
        audit_log(action="account.created", actor=user, subject=user, obj=user)
        mobile_code_send(user=user, ip=ip)
        email_code_send(user=user, ip=ip)
    return user


def mobile_code_send(*, user: User, ip: str | None) -> None:
    _row, code, _token = code_issue(
        user=user, purpose=CodePurpose.SIGNUP_MOBILE, target=user.mobile, ip=ip
    )
    message_send(
        kind="mobile_code",
        language=language_of(user),
        recipient=user,
        sms_to=user.mobile,
        context={"code": code},
    )


def email_code_send(*, user: User, ip: str | None) -> None:
    _row, code, token = code_issue(
        user=user, purpose=CodePurpose.EMAIL, target=user.email, ip=ip, with_link=True
    )
    message_send(
        kind="email_code",
        language=language_of(user),
        recipient=user,
        email_to=user.email,
        context={
            "code": code,
            "path": f"/accounts/verify/email/{token}/",
            "name": user.first_name_in(language_of(user)),
        },
    )


def mobile_verify(*, user: User, code: str) -> User:
    """Enter the sign-up SMS code: the mobile is verified and the account becomes active."""
    code_check(user=user, purpose=CodePurpose.SIGNUP_MOBILE, code=code)
    with transaction.atomic():
        if (
            User.objects.filter(mobile=user.mobile, mobile_verified_at__isnull=False)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise AccountError(
                contact_taken_message("mobile"),
                field="code",
                code="duplicate",
            )
        user.mobile_verified_at = clock.now()
        user.is_active = True
        user.save(update_fields=["mobile_verified_at", "is_active"])
        audit_log(
            action="account.mobile_verified",
            actor=user,
            subject=user,
            changes={"mobile": ("", user.mobile)},
        )
    return user


def email_verify(*, user: User, code: str) -> User:
    code_check(user=user, purpose=CodePurpose.EMAIL, code=code)
    with transaction.atomic():
        return _mark_email_verified(user)


def email_verify_link(*, token: str) -> User | None:
    with transaction.atomic():
        row = code_by_token(token=token, purpose=CodePurpose.EMAIL)
        if row is None:
            return None
        if row.target.lower() != row.user.email.lower():
            return None
        return _mark_email_verified(row.user)


def _mark_email_verified(user: User) -> User:
    user.email_verified_at = clock.now()
    user.save(update_fields=["email_verified_at"])
    audit_log(
        action="account.email_verified",
        actor=user,
        subject=user,
        changes={"email": ("", user.email)},
    )
    return user


# --- Sessions ----------------------------------------------------------------------------------


def session_register(*, user: User, session_key: str, ip: str | None, user_agent: str) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "created_at": clock.now(),
            "ip_address": ip,
            "user_agent": user_agent[:200],
        },
    )


def session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_all(*, user: User, keep: str | None = None) -> int:
    """End every server-side session of `user` except `keep`; returns how many ended."""
    store: type[SessionBase] = import_string(settings.SESSION_ENGINE + ".SessionStore")
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)


def sessions_end_when_deactivated(sender: Any, instance: User, **kwargs: Any) -> None:
    """``post_save`` receiver: an account switched off is signed out everywhere at once (after
    the commit), not on each session's next page — so nothing that reads a session without
    loading the user (the waiting room's fast path) can act for it."""
    if instance.is_active or instance.pk is None:
        return
    user = instance
    transaction.on_commit(
        lambda: UserSession.objects.filter(user=user).exists() and sessions_end_all(user=user)
    )


# --- Password recovery -------------------------------------------------------------------------


def recovery_request(*, key: str | None, ip: str | None) -> None:
    """Send a reset code to the verified mobile and a link to the verified email, if an account
    matches. Says nothing either way; the caller answers with the same words in the same time."""
    from rukhsa.accounts.backends import find_user  # local: backends import models only

    user = find_user(key) if key and "@" not in key else None
    if user is None or not user.is_active:
        # Count the send against the IP all the same, so the limit cannot reveal anything.
        SendLog.objects.create(user=None, ip_address=ip, created_at=clock.now())
        return
    try:
        _row, code, token = code_issue(
            user=user,
            purpose=CodePurpose.RESET,
            target=user.mobile,
            ip=ip,
            with_link=True,
            revoke_earlier=False,
        )
    except CodeLimitError:
        return
    language = language_of(user)
    message_send(
        kind="reset_code",
        language=language,
        recipient=user,
        sms_to=user.mobile,
        context={"code": code},
    )
    message_send(
        kind="reset_link",
        language=language,
        recipient=user,
        email_to=user.email if user.email_verified_at else None,
        context={
            "code": code,
            "path": f"/accounts/recover/link/{token}/",
            "name": user.first_name_in(language),
        },
    )


def recovery_code_refusal() -> AccountError:
    """The one sentence every refused recovery code gets, whether or not an account matches:
    wrong, expired, already used, or no code at all."""
    return AccountError(_("The code is wrong or has expired."), field="code", code="wrong_code")


def recovery_check_code(*, key: str | None, code: str) -> User:
    """Use a live recovery code of the account `key` names.

    Every refusal is the same sentence after the same work. A wrong try counts against every
    live recovery code of the account but never revokes one (its emailed link keeps working);
    a code typed wrong RECOVERY_CODE_MAX_TRIES times can only be used through its link. The
    limit that ends a recovery attempt (5 wrong tries) belongs to the browser that started it:
    the view counts it in the session.
    """
    from rukhsa.accounts.backends import find_user

    user = find_user(key) if key else None
    digest = _digest("code", f"{CodePurpose.RESET}:{code}")
    with transaction.atomic():
        rows = list(
            VerificationCode.objects.select_for_update()
            .filter(
                user=user if user is not None and user.is_active else None,
                purpose=CodePurpose.RESET,
                used_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=clock.now(),
                attempts__lt=settings.RECOVERY_CODE_MAX_TRIES,
            )
            .order_by("-created_at")
        )
        match = next((row for row in rows if hmac.compare_digest(row.code_hash, digest)), None)
        if match is not None and user is not None:
            match.used_at = clock.now()
            match.save(update_fields=["used_at"])
            return user
        VerificationCode.objects.filter(pk__in=[row.pk for row in rows]).update(
            attempts=F("attempts") + 1
        )
    raise recovery_code_refusal()


def recovery_check_link(*, token: str) -> User | None:
    row = code_by_token(token=token, purpose=CodePurpose.RESET)
    return row.user if row and row.user.is_active else None


def password_set(
    *,
    user: User,
    password: str,
    keep_session: str | None = None,
    action: str = "account.password_reset",
    ip: str | None = None,
) -> None:
    """Set a new password, end every other session, tell the candidate by SMS and email."""
    password_validation.validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # Recovery codes and links still out there stop working once the password is new.
        VerificationCode.objects.filter(
            user=user, purpose=CodePurpose.RESET, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=clock.now())
        sessions_end_all(user=user, keep=keep_session)
        audit_log(
            action=action,
            actor=user,
            subject=user,
            ip=ip,
            changes={"password": ("••••", "••••")},
        )
        message_send(
            kind="password_changed",
            language=language_of(user),
            recipient=user,
            sms_to=user.mobile if user.mobile_verified_at else None,
            email_to=user.email if user.email_verified_at else None,
            context={"when": clock.local_now()},
        )


def password_change(
    *, user: User, current: str, new: str, session_key: str | None, ip: str | None = None
) -> None:
    if not user.check_password(current):
        raise AccountError(
            _("The current password is not correct."),
            field="current_password",
            code="wrong_password",
        )
    password_set(
        user=user,
        password=new,
        keep_session=session_key,
        action="account.password_changed",
        ip=ip,
    )


# --- Profile -----------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "city",
    "name_en_first",
    "name_en_father",
    "name_en_grandfather",
    "name_en_family",
    "preferred_language",
    "qualification",
    "major",
    "university",
    "graduation_year",
    "experience_years",
    "employment",
)
LOCKED_FIELDS = (
    "identity_type",
    "identity_number",
    "nationality",
    "birth_date",
    "gender",
    "name_ar_first",
    "name_ar_father",
    "name_ar_grandfather",
    "name_ar_family",
)


def profile_update(
    *, user: User, values: dict[str, Any], actor: User, ip: str | None = None
) -> int:
    """Change the editable profile fields only; returns how many changed (each audited)."""
    changes = {}
    for field in PROFILE_FIELDS:
        if field in values and getattr(user, field) != values[field]:
            changes[field] = (getattr(user, field), values[field])
    if not changes:
        return 0
    with transaction.atomic():
        for field, (_old, new) in changes.items():
            setattr(user, field, new)
        user.save(update_fields=list(changes))
        audit_log(action="profile.updated", actor=actor, subject=user, changes=changes, ip=ip)
    return len(changes)


def contact_change_request(
    *, user: User, field: str, new_value: str, password: str, ip: str | None
) -> None:
    """Send a code to the NEW mobile (or email); nothing changes until it is entered."""
    if not user.check_password(password):
        raise AccountError(
            _("The current password is not correct."), field="password", code="wrong_password"
        )
    if field == "mobile":
        if new_value == user.mobile:
            raise AccountError(_("This is already your mobile number."), field="new_value")
        if (
            User.objects.filter(mobile=new_value, mobile_verified_at__isnull=False)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise AccountError(
                contact_taken_message("mobile"),
                field="new_value",
                code="duplicate",
            )
        purpose = CodePurpose.MOBILE_CHANGE
    else:
        if new_value.lower() == user.email.lower():
            raise AccountError(_("This is already your email address."), field="new_value")
        if (
            User.objects.annotate(email_ci=Lower("email"))
            .filter(email_ci=new_value.lower())
            .exclude(pk=user.pk)
            .exists()
        ):
            raise AccountError(
                contact_taken_message("email"),
                field="new_value",
                code="duplicate",
            )
        purpose = CodePurpose.EMAIL_CHANGE
    with transaction.atomic():
        row, code, token = code_issue(
            user=user, purpose=purpose, target=new_value, ip=ip, with_link=(field == "email")
        )
        PendingContactChange.objects.filter(user=user, field=field).delete()
        PendingContactChange.objects.create(
            user=user, field=field, new_value=new_value, code=row, created_at=clock.now()
        )
        language = language_of(user)
        if field == "mobile":
            message_send(
                kind="mobile_change_code",
                language=language,
                recipient=user,
                sms_to=new_value,
                context={"code": code},
            )
        else:
            message_send(
                kind="email_change_code",
                language=language,
                recipient=user,
                email_to=new_value,
                context={
                    "code": code,
                    "path": f"/accounts/profile/email/{token}/",
                    "name": user.first_name_in(language),
                },
            )


def pending_change(*, user: User, field: str) -> PendingContactChange | None:
    return (
        PendingContactChange.objects.select_related("code")
        .filter(user=user, field=field)
        .order_by("-created_at")
        .first()
    )


def contact_change_confirm(
    *,
    user: User,
    field: str,
    code: str | None = None,
    token: str | None = None,
    ip: str | None = None,
) -> str:
    """Apply the pending change once its code (or email link) checks; returns the new value."""
    purpose = CodePurpose.MOBILE_CHANGE if field == "mobile" else CodePurpose.EMAIL_CHANGE
    if token is not None:
        row = code_by_token(token=token, purpose=purpose, user=user)
        if row is None:
            raise AccountError(_("This link is not valid or has expired."), code="bad_link")
    else:
        row = code_check(user=user, purpose=purpose, code=code or "")
    with transaction.atomic():
        change = PendingContactChange.objects.filter(code=row).first()
        if change is None:
            raise AccountError(_("The code is wrong or has expired."), field="code")
        old = getattr(user, field)
        now = clock.now()
        setattr(user, field, change.new_value)
        setattr(user, f"{field}_verified_at", now)
        try:
            with transaction.atomic():
                user.save(update_fields=[field, f"{field}_verified_at"])
        except IntegrityError as exc:
            raise AccountError(
                contact_taken_message(field),
                field="code",
                code="duplicate",
            ) from exc
        change.delete()
        audit_log(
            action=f"profile.{field}_changed",
            actor=user,
            subject=user,
            ip=ip,
            changes={field: (old, change.new_value)},
        )
        message_send(
            kind="contact_changed",
            language=language_of(user),
            recipient=user,
            sms_to=old if field == "mobile" else None,
            email_to=old if field == "email" else None,
            context={"field": field},
        )
    return change.new_value


def preferred_language_set(*, user: User, language: str) -> None:
    """Store the language the person chose (messages and the next login follow it)."""
    if user.preferred_language != language:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        usercache.user_forget(user.pk)
        user.preferred_language = language
