"""An operator cancels a session with a reason; its candidates are told and may re-book."""

from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render
from tests.booking.booking_helpers import confirmed
from tests.booking.conftest import cat  # noqa: F401 - the small bookable catalogue


def test_cancel_action_asks_for_a_reason_then_tells_the_candidates(
    cat,  # noqa: F811 - the fixture imported above
    make_user,
    staff_client,
):
    candidate = make_user()
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = staff_client("Catalogue manager")
    url = "/admin/catalog/session/"
    page = client.post(url, {"action": "cancel_sessions", "_selected_action": [cat.slot.pk]})
    assert page.status_code == 200 and b'name="reason"' in page.content
    assert Session.objects.get(pk=cat.slot.pk).status == SessionStatus.OPEN  # not yet

    done = client.post(
        url,
        {
            "action": "cancel_sessions",
            "_selected_action": [cat.slot.pk],
            "reason": "The centre is closed for maintenance.",
        },
    )
    assert done.status_code == 302
    assert Session.objects.get(pk=cat.slot.pk).status == SessionStatus.CANCELLED
    registration.refresh_from_db()
    assert registration.displaced_at is not None
    sent = Message.objects.filter(recipient=candidate, kind="session_cancelled")
    assert sent.count() == 2
    assert any("maintenance" in message_render(m).body for m in sent)

    support = staff_client("Support")  # support follows up on who has not yet acted
    waiting = support.get("/admin/booking/registration/?displaced=waiting")
    assert registration.reference in waiting.content.decode()
    assert Registration.objects.filter(displaced_at__isnull=False).count() == 1
