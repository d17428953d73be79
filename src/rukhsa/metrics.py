"""The Prometheus endpoint, `/metrics` (prometheus-client, text exposition format).

Two kinds of figures:

- **per process, summed over the gunicorn workers**: the request latency histogram by view
  (`rukhsa.core.observability`). With several workers, `PROMETHEUS_MULTIPROC_DIR` names a folder
  the workers share (prometheus-client's multiprocess mode; `deploy/gunicorn.conf.py` marks dead
  workers); without it (one process) the default registry is used.
- **read from the database at scrape time**, so every instance reports the same exact figures
  and nothing is lost when a process dies: holds and confirmations in the last minute,
  payments by status, the task queue's length and the age of its oldest ready task, and the
  waiting room's length (from the function named by `METRICS_WAITING_ROOM_LENGTH`, which the
  waiting room provides; omitted while it is empty).

Access: the endpoint is not public. It answers only a request carrying
`Authorization: Bearer <METRICS_TOKEN>`; with no token configured it does not exist (404), and a
wrong or missing token gets the same 404. nginx also refuses `/metrics` from outside; Prometheus
scrapes each app instance directly on its private address.
"""

import hmac
import os
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from rukhsa.booking.models import Registration
from rukhsa.core import clock
from rukhsa.payments.models import Payment, PaymentStatus


class DatabaseCollector(Collector):
    """Business figures counted in the database when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        minute_ago = now - timedelta(minutes=1)

        holds = GaugeMetricFamily(
            "rukhsa_holds_last_minute", "Seats held (registrations created) in the last minute."
        )
        holds.add_metric([], Registration.objects.filter(created_at__gte=minute_ago).count())
        yield holds

        confirmations = GaugeMetricFamily(
            "rukhsa_confirmations_last_minute", "Registrations confirmed in the last minute."
        )
        confirmations.add_metric(
            [], Registration.objects.filter(confirmed_at__gte=minute_ago).count()
        )
        yield confirmations

        payments = GaugeMetricFamily(
            "rukhsa_payments", "Payments by status (all time).", labels=["status"]
        )
        counts = dict(
            Payment.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        for status in PaymentStatus.values:
            payments.add_metric([status], counts.get(status, 0))
        yield payments

        ready = DBTaskResult.objects.ready().aggregate(n=Count("id"), oldest=Min("enqueued_at"))
        queue = GaugeMetricFamily("rukhsa_task_queue_length", "Background tasks ready to run.")
        queue.add_metric([], ready["n"])
        yield queue
        age = GaugeMetricFamily(
            "rukhsa_task_queue_oldest_age_seconds",
            "How long the oldest ready background task has waited (0 when none).",
        )
        oldest = ready["oldest"]
        age.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield age

        provider = getattr(settings, "METRICS_WAITING_ROOM_LENGTH", "")
        if provider:
            room = GaugeMetricFamily(
                "rukhsa_waiting_room_length", "Candidates waiting in the waiting room."
            )
            room.add_metric([], float(import_string(provider)()))
            yield room


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(DatabaseCollector())
    return registry


class _Default(Collector):
    """This process's own metrics (one-process servers and the test suite)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from REGISTRY.collect()  # type: ignore[misc]


def _authorised(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme == "Bearer" and hmac.compare_digest(given.encode(), token.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
