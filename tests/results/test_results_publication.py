"""Publication: hidden before the period's time, visible after; each candidate told once."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.notifications.models import Message
from rukhsa.results import services
from rukhsa.results.models import Result
from rukhsa.results.tasks import results_publish_due
from tests.results.conftest import english, header, row, run_import


def imported(setup, register, count: int = 3) -> list:
    regs = [register() for _ in range(count)]
    run_import(setup, [header(setup)] + [row(setup, r.reference) for r in regs], dry_run=False)
    return regs


def schedule(setup):
    period = setup.cat.period
    period.results_published_at = period.registration_closes_at + timedelta(days=30)
    period.save()
    return period


def test_hidden_before_the_publication_time_and_visible_after(
    setup, register, django_capture_on_commit_callbacks
) -> None:
    reg = imported(setup, register, 1)[0]
    period = schedule(setup)
    result = Result.objects.get(registration=reg)

    def client() -> Client:  # logged in now (sessions end after 12 hours)
        logged_in = Client()
        logged_in.force_login(reg.candidate)
        return logged_in

    detail = reverse("results:detail", args=[result.pk])
    verify = reverse("results:verify_code", args=[result.verification_code])
    with time_machine.travel(period.results_published_at - timedelta(minutes=1)):
        assert results_publish_due.enqueue().return_value == 0
        assert client().get(detail).status_code == 404
        assert reg.reference not in client().get(reverse("results:list")).content.decode()
        assert "Not valid" in english().get(verify).content.decode()
    with time_machine.travel(period.results_published_at + timedelta(seconds=1)):
        # Visible on time even before the periodic task has run...
        assert client().get(detail).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert results_publish_due.enqueue().return_value == 1
    result.refresh_from_db()
    assert result.published_at == period.results_published_at and result.notified_at


def test_each_candidate_is_told_once_even_if_the_task_runs_twice(
    setup, register, django_capture_on_commit_callbacks
) -> None:
    regs = imported(setup, register, 3)
    period = schedule(setup)
    with time_machine.travel(period.results_published_at + timedelta(minutes=5)):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                results_publish_due.enqueue()
        # a lost notification task is re-sent later by the periodic task — still once
        Result.objects.filter(registration=regs[0]).update(notified_at=None)
    with (
        time_machine.travel(period.results_published_at + timedelta(hours=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        results_publish_due.enqueue()
    messages = Message.objects.filter(kind="result_published")
    assert messages.count() == 6  # 3 candidates × SMS and email
    assert sorted(messages.values_list("recipient_id", flat=True)) == sorted(
        [r.candidate_id for r in regs] * 2
    )
    sms = messages.filter(channel="sms", recipient=regs[1].candidate).get()
    assert "/results/" in sms.body and sms.language == "ar"
    assert not Result.objects.filter(notified_at=None).exists()


def test_publish_now_by_an_operator_in_batches(
    setup, register, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr(services, "NOTIFY_BATCH", 2)
    imported(setup, register, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.results_publish(period=setup.cat.period) == 5
    notify = [c for c in callbacks if getattr(c, "func", None) is services._enqueue_notify]
    assert [len(c.args[0]) for c in notify] == [2, 2, 1]  # one notification task per batch
    assert Message.objects.filter(kind="result_published", channel="email").count() == 5
    assert services.results_publish(period=setup.cat.period) == 0
    english = Message.objects.filter(channel="email").first()
    assert english.subject


def test_candidate_english_message(setup, register, make_user, django_capture_on_commit_callbacks):
    reg = register(make_user(preferred_language="en"))
    run_import(setup, [header(setup), row(setup, reg.reference)], dry_run=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.results_publish(period=setup.cat.period)
    email = Message.objects.get(channel="email")
    assert email.subject == "Your test result is published"
    assert "Mathematics" in email.body and f"/results/{reg.result.pk}/" in email.body
