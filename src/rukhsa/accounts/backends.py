"""Log in by identity number, email, or passport number with nationality."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models.functions import Lower
from django.http import HttpRequest

from rukhsa.accounts import usercache
from rukhsa.accounts.models import User


def find_user(login: str) -> User | None:
    """The user a normalised login key names: an email, a national ID/iqama, or P:CC:PASSPORT."""
    if "@" in login:
        return User.objects.annotate(email_ci=Lower("email")).filter(email_ci=login.lower()).first()
    return User.objects.filter(identity_key=login).first()


class IdentityBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work whether or not the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, from the cache when it is there (accounts/usercache.py)."""
        user = usercache.user_cached(user_id)
        if user is None:
            try:
                user = User._default_manager.get(pk=user_id)
            except User.DoesNotExist:
                return None
            usercache.user_keep(user)
        return user if self.user_can_authenticate(user) else None


def _typed_login(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The login key as typed, from the credentials when given, else from whichever login form
    was posted: the candidate form (`identifier` + `nationality`) or the back office's
    (`username`)."""
    from rukhsa.accounts.identity import login_key

    if credentials and credentials.get("username"):
        return str(credentials["username"])
    data = getattr(request, "POST", None)
    if not data:
        return None
    if data.get("identifier"):
        return login_key(data.get("identifier", ""), data.get("nationality", ""))
    if data.get("username"):
        return login_key(str(data.get("username", ""))) or str(data["username"]).strip().lower()
    return None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The name django-axes counts failures under, with the IP: one name per account whatever
    identifier was typed (identity number, email, passport), so every login form and every
    identifier share one counter. A key that names no account is counted as typed."""
    typed = _typed_login(request, credentials)
    if not typed:
        return typed
    # django-axes asks several times per login POST (the lockout check, the failure or success
    # handler): one user lookup per request and typed key, not one per question.
    memo: dict[str, str] = request.__dict__.setdefault("_rukhsa_axes_usernames", {})
    if typed not in memo:
        user = find_user(typed)
        memo[typed] = user.identity_key if user is not None else typed
    return memo[typed]
