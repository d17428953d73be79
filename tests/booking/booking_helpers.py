"""Getting a registration to a state quickly, through the real services and sandbox gateway."""

import re
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

from rukhsa.booking import services
from rukhsa.booking.models import Registration

MADA_OK = "4201320111111010"
DECLINED = "4201321234411220"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pay_at_gateway(
    client: Client, gateway_url: str, number: str = MADA_OK, authenticate: bool = True
):
    """Fill the sandbox card page and the 3-D Secure step; follow back to our site."""
    card_url = path_of(gateway_url)
    response = client.post(
        card_url, {"name": "MOHAMMED ALQAHTANI", "number": number, "expiry": "12/39", "cvc": "123"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(path_of(response["Location"])).content.decode()
    action = re.search(r'action="([^"]+/3ds/submit/)"', page).group(1)
    back = client.post(action, {"result": "authenticate" if authenticate else "fail"})
    return client.get(path_of(back["Location"]), follow=True)


def confirmed(candidate, session, spec) -> Registration:
    """Hold a seat and pay for it with the mada success card."""
    registration = services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=spec.pk
    )
    client = client_for(candidate)
    response = client.post(reverse("booking:pay", args=[registration.reference]))
    pay_at_gateway(client, response["Location"])
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    return registration
