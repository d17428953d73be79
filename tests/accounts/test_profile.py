"""Profile (PRODUCT §2.2): editable fields, locked identity, verified contact changes, audit."""

from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import User
from rukhsa.core.models import AuditLog
from rukhsa.notifications.models import Message
from tests.accounts.helpers import latest_code, latest_link
from tests.conftest import PASSWORD

EDIT = reverse("accounts:profile_edit")


def profile_data(**overrides):
    data = {
        "city": "riyadh",
        "name_en_first": "Mohammed",
        "name_en_father": "Abdullah",
        "name_en_grandfather": "Salem",
        "name_en_family": "Al-Qahtani",
        "preferred_language": "ar",
        "qualification": "master",
        "major": "Mathematics",
        "university": "King Saud University",
        "graduation_year": "2012",
        "experience_years": "٩",
        "employment": "public_school",
    }
    data.update(overrides)
    return data


def test_edit_saves_the_editable_fields_and_audits_each(candidate_client, candidate):
    response = candidate_client.post(EDIT, profile_data())
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (
        candidate.city,
        candidate.qualification,
        candidate.experience_years,
        candidate.name_en_family,
        candidate.graduation_year,
    ) == ("riyadh", "master", 9, "Al-Qahtani", 2012)
    fields = set(
        AuditLog.objects.filter(subject=candidate, action="profile.updated").values_list(
            "field", flat=True
        )
    )
    assert {"city", "qualification", "experience_years", "name_en_family"} <= fields
    row = AuditLog.objects.get(subject=candidate, field="experience_years")
    assert (row.old_value, row.new_value, row.actor_id) == ("4", "9", candidate.pk)


def test_identity_fields_cannot_be_changed_even_when_posted(candidate_client, candidate):
    before = User.objects.values().get(pk=candidate.pk)
    candidate_client.post(
        EDIT,
        profile_data(
            identity_number="1000000008",
            identity_type="visitor",
            nationality="EG",
            birth_date="2000-01-01",
            gender="female",
            name_ar_first="خالد",
            mobile="+966559999999",
            email="evil@example.com",
            is_staff="on",
            mobile_verified_at="",
        ),
    )
    after = User.objects.values().get(pk=candidate.pk)
    for field in (
        "identity_number",
        "identity_type",
        "nationality",
        "birth_date",
        "gender",
        "name_ar_first",
        "mobile",
        "email",
        "is_staff",
        "mobile_verified_at",
    ):
        assert after[field] == before[field], field


def test_bad_profile_input_keeps_what_was_typed(candidate_client):
    response = candidate_client.post(
        EDIT, profile_data(experience_years="lots", name_en_first="محمد")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"experience_years", "name_en_first"} <= set(form.errors)
    assert 'value="King Saud University"' in response.content.decode()


def test_mobile_changes_only_after_the_code_sent_to_the_new_number(candidate_client, candidate):
    old = candidate.mobile
    response = candidate_client.post(
        reverse("accounts:change_mobile"), {"new_value": "0559876543", "password": PASSWORD}
    )
    assert response["Location"] == reverse("accounts:confirm_contact", args=["mobile"])
    candidate.refresh_from_db()
    assert candidate.mobile == old  # nothing changed yet
    code = latest_code("+966559876543")
    response = candidate_client.post(
        reverse("accounts:confirm_contact", args=["mobile"]), {"code": code}
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.mobile == "+966559876543" and candidate.mobile_verified_at
    row = AuditLog.objects.get(subject=candidate, action="profile.mobile_changed")
    assert old not in row.old_value and "+966559876543" not in row.new_value  # masked
    assert row.new_value.endswith("543")
    assert Message.objects.filter(to=old, kind="contact_changed").exists()


def test_mobile_change_needs_the_current_password(candidate_client, candidate):
    response = candidate_client.post(
        reverse("accounts:change_mobile"), {"new_value": "0559876543", "password": "not-it-at-all"}
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not Message.objects.filter(to="+966559876543").exists()


def test_mobile_change_refuses_a_number_verified_elsewhere(candidate_client, make_user):
    make_user(mobile="+966559876543")
    response = candidate_client.post(
        reverse("accounts:change_mobile"), {"new_value": "0559876543", "password": PASSWORD}
    )
    assert "new_value" in response.context["form"].errors


def test_email_change_by_link(candidate_client, candidate):
    candidate_client.post(
        reverse("accounts:change_email"),
        {"new_value": "new.address@example.com", "password": PASSWORD},
    )
    candidate.refresh_from_db()
    assert candidate.email != "new.address@example.com"
    link = latest_link("new.address@example.com")
    candidate_client.get(link)
    candidate.refresh_from_db()
    assert candidate.email == "new.address@example.com"


def test_another_candidate_cannot_use_my_email_link(candidate_client, candidate, stranger):
    candidate_client.post(
        reverse("accounts:change_email"),
        {"new_value": "new.address@example.com", "password": PASSWORD},
    )
    link = latest_link("new.address@example.com")
    other = Client()
    other.force_login(stranger)
    other.get(link)
    stranger.refresh_from_db()
    candidate.refresh_from_db()
    assert stranger.email != "new.address@example.com"
    assert candidate.email != "new.address@example.com"
    candidate_client.get(link)  # still usable by its owner
    candidate.refresh_from_db()
    assert candidate.email == "new.address@example.com"


def test_change_password_keeps_this_session_and_ends_the_others(candidate):
    mine, other = Client(), Client()
    for client in (mine, other):
        client.post(
            reverse("accounts:login"),
            {"identifier": candidate.identity_number, "password": PASSWORD},
        )
    new = "Palm-Grove-Lantern-77"
    response = mine.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password": new, "password_confirm": new},
    )
    assert response.status_code == 302
    assert mine.get(reverse("dashboard")).status_code == 200
    assert other.get(reverse("dashboard")).status_code == 302
    assert AuditLog.objects.filter(subject=candidate, action="account.password_changed").exists()


def test_change_password_needs_the_current_one(candidate_client):
    new = "Palm-Grove-Lantern-77"
    response = candidate_client.post(
        reverse("accounts:change_password"),
        {"current_password": "wrong-one-here", "password": new, "password_confirm": new},
    )
    assert "current_password" in response.context["form"].errors


def test_profile_shows_only_my_data(candidate_client, candidate, stranger):
    html = candidate_client.get(reverse("accounts:profile")).content.decode()
    assert candidate.email in html
    assert stranger.email not in html and stranger.mobile not in html
    assert candidate.identity_number not in html  # masked
    assert candidate.identity_number[-4:] in html


def test_profile_pages_need_login(client, db):
    for name in ("profile", "profile_edit", "change_mobile", "change_email", "change_password"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_switching_language_saves_the_preference(candidate_client, candidate):
    response = candidate_client.post(
        reverse("core:set_language"), {"language": "en", "next": "/accounts/profile/"}
    )
    assert response["Location"] == "/accounts/profile/"
    candidate.refresh_from_db()
    assert candidate.preferred_language == "en"
