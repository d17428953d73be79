import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/recover/",
        "/healthz",
        "/terms/",
        "/privacy/",
    ],
)
def test_public_pages_answer(client, db, url):
    response = client.get(url)
    assert response.status_code == 200


def test_home_is_arabic_rtl_by_default(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


@pytest.mark.parametrize("url", ["/dashboard/", "/accounts/profile/", "/accounts/profile/edit/"])
def test_logged_in_pages(candidate_client, url):
    assert candidate_client.get(url).status_code == 200
