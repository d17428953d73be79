from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "rukhsa.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from rukhsa.catalog import dashboard

        dashboard.register()
        _invalidate_choices_on_writes()


def _invalidate_choices_on_writes() -> None:
    """Any save or delete of what the choose steps list makes their cached options stale
    (catalog/choices.py). Writers that bypass signals (bulk creation, status updates, seat
    counts) bump the version themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from rukhsa.catalog import choices
    from rukhsa.catalog.models import (
        Centre,
        City,
        Period,
        PriorityWindow,
        Region,
        Session,
        Specialization,
        Test,
    )

    def bump(**_kwargs: Any) -> None:
        choices.bump()

    for model in (Test, Period, PriorityWindow, Specialization, Region, City, Centre, Session):
        uid = f"rukhsa.catalog.choices.{model.__name__}"
        post_save.connect(bump, sender=model, weak=False, dispatch_uid=uid + ".save")
        post_delete.connect(bump, sender=model, weak=False, dispatch_uid=uid + ".delete")
    m2m_changed.connect(
        bump,
        sender=Session.specializations.through,
        weak=False,
        dispatch_uid="rukhsa.catalog.choices.session_specializations",
    )
