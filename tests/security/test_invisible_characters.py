"""Item 10: names and free text lose invisible direction marks and zero-width characters, and
are refused with a clear sentence when they hold a direction override."""

import pytest
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import User
from tests.accounts.helpers import sign_up, signup_data

pytestmark = pytest.mark.django_db
RLO, PDF, RLM, ZWSP, ZWJ = "\u202e", "\u202c", "\u200f", "\u200b", "\u200d"


def en_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_sign_up_strips_marks_and_zero_width_characters_from_names() -> None:
    data = signup_data(
        name_ar_first=f"{RLM}محمد{ZWJ}",
        name_en_first=f"Moh{ZWSP}ammed",
        name_en_family=f"Alqahtani{RLM}",
    )
    response = sign_up(en_client(), data)
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get()
    assert (user.name_ar_first, user.name_en_first, user.name_en_family) == (
        "محمد",
        "Mohammed",
        "Alqahtani",
    )


def test_sign_up_refuses_a_direction_override_with_a_clear_sentence() -> None:
    response = sign_up(en_client(), signup_data(name_en_family=f"Al{RLO}inathaq{PDF}"))
    assert response.status_code == 200
    errors = response.context["form"].errors["name_en_family"]
    assert errors == [
        "This field contains invisible characters that change the direction of the text. "
        "Type it again instead of pasting it."
    ]
    assert not User.objects.exists()


def test_profile_free_text_is_cleaned_and_overrides_refused(candidate_client: Client) -> None:
    candidate_client.cookies["django_language"] = "en"
    user = User.objects.get()
    edit = reverse("accounts:profile_edit")
    values = {
        "city": user.city or "",
        "name_en_first": "Mohammed",
        "name_en_father": "Abdullah",
        "name_en_grandfather": "Salem",
        "name_en_family": "Alqahtani",
        "preferred_language": "en",
        "qualification": user.qualification,
        "major": f"Math{ZWSP}ematics",
        "university": f"King Saud University{RLM}",
        "graduation_year": "2012",
        "experience_years": "4",
        "employment": user.employment,
    }
    response = candidate_client.post(edit, values)
    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert (user.major, user.university) == ("Mathematics", "King Saud University")
    refused = candidate_client.post(edit, {**values, "university": f"{RLO}ytisrevinU"})
    assert refused.status_code == 200
    assert "change the direction of the text" in str(refused.context["form"].errors["university"])
