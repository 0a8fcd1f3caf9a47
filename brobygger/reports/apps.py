from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """The table the reports are kept in (settings.CACHES["reports"], Django's database
    cache) is not a model: `migrate` creates it, so every database that is migrated has it
    (Django's test databases get it from the test runner too). The signal comes once per
    app with models (this app has none); the command does nothing once the table is
    there."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class ReportsConfig(AppConfig):
    name = "brobygger.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, dispatch_uid="reports-cache-table")
