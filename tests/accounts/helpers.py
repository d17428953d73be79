import re
from typing import Any

from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render


def signup_data(**overrides: Any) -> dict[str, str]:
    data = {
        "identity_type": "citizen",
        "identity_number": "1000000008",
        "nationality": "",
        "birth_calendar": "gregorian",
        "birth_day": "17",
        "birth_month": "5",
        "birth_year": "1990",
        "gender": "male",
        "name_ar_first": "محمد",
        "name_ar_father": "عبدالله",
        "name_ar_grandfather": "سالم",
        "name_ar_family": "القحطاني",
        "name_en_first": "Mohammed",
        "name_en_father": "Abdullah",
        "name_en_grandfather": "Salem",
        "name_en_family": "Alqahtani",
        "mobile": "0551234567",
        "email": "teacher@example.com",
        "password": "Desert-Falcon-2931",
        "password_confirm": "Desert-Falcon-2931",
        "accept_terms": "on",
        "accept_privacy": "on",
    }
    data.update(overrides)
    return data


SIGNUP_STEPS = ("/accounts/signup/", "/accounts/signup/names/", "/accounts/signup/contact/")


def sign_up(client: Any, data: dict[str, str], **extra: Any) -> Any:
    """Send `data` through the three sign-up steps, each step its own fields; the answer of
    the first step that does not lead to the next one (an error, or the end)."""
    from rukhsa.accounts.forms import SignupForm

    response = None
    for step, (url, names) in enumerate(zip(SIGNUP_STEPS, SignupForm.STEPS, strict=True)):
        part = {name: data[name] for name in names if name in data}
        last = step + 1 == len(SIGNUP_STEPS)
        response = client.post(url, part, **(extra if last else {}))
        following = SIGNUP_STEPS[step + 1] if step + 1 < len(SIGNUP_STEPS) else None
        if response.status_code != 302 or response["Location"] != following:
            return response
    return response


def latest_code(to: str, kind: str | None = None) -> str:
    messages = Message.objects.filter(to=to)
    if kind:
        messages = messages.filter(kind=kind)
    message = messages.order_by("-created_at", "-id").first()
    assert message is not None, f"no message to {to}"
    message_render(message)  # as the delivery task does
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, message.body
    return match.group(1)


def latest_link(to: str) -> str:
    message = Message.objects.filter(to=to).order_by("-created_at", "-id").first()
    assert message is not None
    message_render(message)  # as the delivery task does
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)
