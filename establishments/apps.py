from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _open_current_school_year(sender: AppConfig, **kwargs: Any) -> None:
    from establishments.services_years import school_year_open_current

    school_year_open_current()


class EstablishmentsConfig(AppConfig):
    name = "establishments"
    verbose_name = "Académies et établissements"

    def ready(self) -> None:
        # Pages read the current school year and never create it: it exists once migrated.
        post_migrate.connect(_open_current_school_year, sender=self)
