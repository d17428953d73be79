from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "rukhsa.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from rukhsa.accounts.models import User
        from rukhsa.accounts.services import sessions_end_when_deactivated
        from rukhsa.accounts.usercache import forget_on_write

        post_save.connect(forget_on_write, sender=User, dispatch_uid="rukhsa-user-cache-save")
        post_delete.connect(forget_on_write, sender=User, dispatch_uid="rukhsa-user-cache-delete")
        post_save.connect(
            sessions_end_when_deactivated, sender=User, dispatch_uid="rukhsa-user-deactivated"
        )
