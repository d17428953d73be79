from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from rukhsa import metrics, views
from rukhsa.core.views import healthz, readyz

urlpatterns = [
    path("", include("rukhsa.core.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/", include("rukhsa.accounts.urls")),
    path("dev/", include("rukhsa.notifications.urls")),
    path("payments/", include("rukhsa.payments.urls")),
    path("", include("rukhsa.admission.urls")),
    path("", include("rukhsa.booking.urls")),
    path("", include("rukhsa.booking.ticket_urls")),
    path("", include("rukhsa.results.urls")),
    path("guide/", include("rukhsa.guide.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

# The database unreachable for a moment is a 503 "try again" page (core.views.server_error).
handler500 = "rukhsa.core.views.server_error"
