"""Masking of identity numbers and contacts for pages, logs and exports."""


def mask_identity(number: str) -> str:
    """Keep the last four characters: ******0008."""
    if not number:
        return ""
    visible = number[-4:] if len(number) > 4 else number[-1:]
    return "•" * (len(number) - len(visible)) + visible


def mask_phone(phone: str) -> str:
    """Keep the country code prefix and the last three digits: +9665•••••678."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "•" * len(phone)
    head = phone[:5] if phone.startswith("+") else phone[:2]
    return head + "•" * (len(phone) - len(head) - 3) + phone[-3:]


def mask_email(email: str) -> str:
    """Keep the first letter of the local part and the domain: a•••••@example.com."""
    if not email or "@" not in email:
        return "•" * len(email or "")
    local, _, domain = email.partition("@")
    return local[:1] + "•" * max(len(local) - 1, 3) + "@" + domain


MASKERS = {
    "identity_number": mask_identity,
    "mobile": mask_phone,
    "phone": mask_phone,
    "email": mask_email,
}


def mask_field(field: str, value: object) -> str:
    """Mask a value by the kind its field name says it is; other values pass unchanged."""
    text = "" if value is None else str(value)
    for key, masker in MASKERS.items():
        if key in field:
            return masker(text)
    return text
