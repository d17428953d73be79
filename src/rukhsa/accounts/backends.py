"""Log in by identity number, email, or passport number with nationality."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models.functions import Lower
from django.http import HttpRequest

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


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The login key django-axes throttles on, with the IP: from the credentials when given,
    else from the login form as posted (so failures and lockouts name the same account)."""
    from rukhsa.accounts.identity import login_key

    if credentials and credentials.get("username"):
        return str(credentials["username"])
    data = getattr(request, "POST", {})
    return login_key(data.get("identifier", ""), data.get("nationality", "")) if data else None
