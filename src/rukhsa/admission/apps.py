from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "rukhsa.admission"
    verbose_name = _("Waiting room")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from rukhsa.admission import services

        user_logged_out.connect(services.on_logged_out, dispatch_uid="admission_logout")
