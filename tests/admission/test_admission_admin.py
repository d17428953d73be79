"""The back office: settings per period, the live view, pause / resume / drain, the shuffle
record an operator can check; only staff with the waiting room's permissions."""

from collections.abc import Callable
from datetime import datetime, timedelta

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.catalog.models import Period
from rukhsa.core.digits import normalize_digits
from rukhsa.core.models import AuditLog
from tests.catalog.conftest import make_staff, verified_client  # noqa: F401 - the fixture

LIST = "/admin/admission/queuesettings/"


def test_an_operator_watches_pauses_and_resumes_the_line(
    queued_period: Period,
    opening: datetime,
    make_staff: Callable[..., User],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    config = services.config_for(period_id=queued_period.pk)
    assert config is not None
    early = [make_user() for _ in range(3)]
    for user in early:
        services.admission_enter(config=config, user_id=user.pk, now=opening - timedelta(minutes=1))
    client = verified_client(make_staff("Catalogue manager"))
    live = f"{LIST}{queued_period.pk}/live/"
    page = client.get(live).content.decode()
    assert "Not shuffled yet" in page
    assert queued_period.queue_settings.commitment in page
    assert queued_period.queue_settings.seed not in page  # secret until the opening
    response = client.post(f"{LIST}{queued_period.pk}/control/pause/")
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="waiting_room_pause").count() == 1
    page = client.get(live).content.decode()
    assert "Paused" in page
    client.post(f"{LIST}{queued_period.pk}/control/resume/")
    page = client.get(live).content.decode()
    assert "Admitting" in page
    assert client.post(f"{LIST}{queued_period.pk}/control/explode/").status_code == 404
    assert client.get(f"{LIST}{queued_period.pk}/control/pause/").status_code == 405


def test_the_shuffle_record_can_be_checked_after_the_opening(
    queued_period: Period,
    opening: datetime,
    make_staff: Callable[..., User],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    config = services.config_for(period_id=queued_period.pk)
    assert config is not None
    users = [make_user() for _ in range(4)]
    for user in users:
        services.admission_enter(config=config, user_id=user.pk, now=opening - timedelta(minutes=1))
    services.admission_enter(config=config, user_id=users[0].pk, now=opening + timedelta(seconds=1))
    client = verified_client(make_staff("Catalogue manager"))
    page = normalize_digits(client.get(f"{LIST}{queued_period.pk}/live/").content.decode())
    assert "4 candidates who arrived before the opening were put in a random order" in page
    assert queued_period.queue_settings.seed in page
    assert "matches the seed" in page
    assert "gives the recorded order" in page
    # The figures poll themselves (htmx); the whole-page refresh is only the no-script fallback,
    # so the page never reloads under a reader's feet.
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    assert 'id="live-figures" hx-get=' in page and 'hx-trigger="every 10s"' in page


def test_settings_are_edited_in_the_back_office_and_apply_at_once(
    queued_period: Period,
    make_staff: Callable[..., User],  # noqa: F811
) -> None:
    client = verified_client(make_staff("Catalogue manager"))
    assert client.get(LIST).status_code == 200
    data = {
        "period": queued_period.pk,
        "enabled": "on",
        "starts_before_minutes": 45,
        "rate_per_minute": 900,
        "max_active": 4000,
        "pass_minutes": 15,
        "rate_min": 200,
        "rate_max": 100,  # below the lowest: refused with a sentence
        "target_p95_ms": 700,
    }
    page = client.post(f"{LIST}{queued_period.pk}/change/", data)
    assert "The lowest automatic rate cannot be above the highest." in page.content.decode()
    data["rate_max"] = 2000
    assert client.post(f"{LIST}{queued_period.pk}/change/", data).status_code == 302
    config = services.config_for(period_id=queued_period.pk)
    assert config is not None
    assert config.limits.rate_per_minute == 900
    assert config.starts_at == config.opens_at - timedelta(minutes=45)


def test_staff_without_the_permission_are_refused(
    queued_period: Period,
    make_staff: Callable[..., User],  # noqa: F811
) -> None:
    client = verified_client(make_staff("Support"))
    assert client.get(f"{LIST}{queued_period.pk}/live/").status_code == 403
    assert client.post(f"{LIST}{queued_period.pk}/control/pause/").status_code == 403
    assert QueueSettings.objects.count() == 1
