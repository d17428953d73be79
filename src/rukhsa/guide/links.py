"""Which guide pages a product page links to ("how does this work?").

One table from the page (its URL name) to the services it is part of; the registration pages
that serve several services (a held seat is paid, a confirmed one is seen or changed) pick by
the registration's status and mode.
"""

from typing import Any, Protocol

from rukhsa.guide.content import BY_SLUG, Service


class Values(Protocol):
    """What a page's guide link looks at: a template context, or any mapping of its values."""

    def get(self, key: str, default: Any = None, /) -> Any: ...


BOTH_REGISTRATIONS = ("register-paper", "register-digital")

BY_PAGE: dict[str, tuple[str, ...]] = {
    "accounts:signup": ("create-account",),
    "accounts:signup_names": ("create-account",),
    "accounts:signup_contact": ("create-account",),
    "accounts:verify_mobile": ("create-account",),
    "accounts:verify_email": ("create-account",),
    "accounts:login": ("password-recovery",),
    "accounts:recover": ("password-recovery",),
    "accounts:recover_code": ("password-recovery",),
    "accounts:recover_new_password": ("password-recovery",),
    "accounts:profile": ("edit-personal-data",),
    "accounts:profile_edit": ("edit-personal-data",),
    "booking:start": BOTH_REGISTRATIONS,
    "booking:notes": BOTH_REGISTRATIONS,
    "booking:registrations": ("confirmed-test",),
    "booking:waitlist": ("waiting-list",),
    "booking:waitlist_join": ("waiting-list",),
    "tickets:ticket": ("confirmed-test",),
    "results:list": ("view-result",),
    "results:detail": ("result-details",),
}


def _mode(context: Values) -> str:
    session = context.get("session")
    registration = context.get("registration")
    if session is None and registration is not None:
        session = registration.session
    if session is not None:
        return str(session.centre.mode)
    choice = context.get("choice")
    return str(getattr(choice, "mode", "") or "")


def slugs_for(view_name: str, context: Values) -> tuple[str, ...]:
    if view_name in BY_PAGE:
        return BY_PAGE[view_name]
    mode = _mode(context)
    if view_name in ("booking:choose", "booking:review"):
        return (f"register-{mode}",) if mode in ("paper", "digital") else BOTH_REGISTRATIONS
    if view_name == "booking:change":
        return (f"change-{mode}",) if mode in ("paper", "digital") else ()
    if view_name in ("booking:registration", "booking:pay"):
        registration = context.get("registration")
        status = str(getattr(registration, "status", ""))
        if status == "held":
            return ("payment",)
        if status == "confirmed" and mode in ("paper", "digital"):
            return ("confirmed-test", f"change-{mode}")
        return ("confirmed-test",) if status else ()
    return ()


def services_for(view_name: str, context: Values) -> list[Service]:
    return [BY_SLUG[slug] for slug in slugs_for(view_name, context) if slug in BY_SLUG]
