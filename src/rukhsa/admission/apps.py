from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "rukhsa.admission"
    verbose_name = _("Waiting room")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete, post_save

        from rukhsa.admission import services
        from rukhsa.admission.models import QueueSettings

        user_logged_out.connect(services.on_logged_out, dispatch_uid="admission_logout")
        # An operator's change applies at once in this process (in others within seconds).
        for signal in (post_save, post_delete):
            signal.connect(
                services.on_settings_changed,
                sender=QueueSettings,
                dispatch_uid=f"admission_{signal}",
            )
