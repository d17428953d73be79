from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "rukhsa.booking"
    label = "booking"
    verbose_name = _("Registrations")

    def ready(self) -> None:
        from rukhsa.booking import handlers

        handlers.connect()
