"""The messages about a registration (SMS and email through the notifications app)."""

from typing import Any

from rukhsa.booking.models import Registration
from rukhsa.core.language import language_of
from rukhsa.notifications.services import message_send


def registration_notify(
    registration: Registration,
    kind: str,
    *,
    extra: dict[str, Any] | None = None,
    dedupe: str | None = None,
) -> list[Any]:
    candidate = registration.candidate
    session = registration.session
    return message_send(
        kind=kind,
        language=language_of(candidate),
        recipient=candidate,
        sms_to=candidate.mobile if candidate.mobile_verified_at else None,
        email_to=candidate.email if candidate.email_verified_at else None,
        dedupe_key=dedupe or f"{kind}:{registration.pk}:{registration.ticket_version}",
        context={
            "reference": registration.reference,
            "test_ar": registration.test.name_ar,
            "test_en": registration.test.name_en,
            "specialization_ar": registration.specialization.name_ar,
            "specialization_en": registration.specialization.name_en,
            "centre_ar": session.centre.name_ar,
            "centre_en": session.centre.name_en,
            "date": session.date,
            "start_time": session.start_time,
            "held_until": registration.held_until,
            "path": f"/registrations/{registration.reference}/",
            **(extra or {}),
        },
    )
