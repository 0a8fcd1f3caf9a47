"""Delete the files of research exports whose 24 hours are up (cron, hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from brobygger.jobs.heartbeat import beat
from brobygger.research.services import purge_exports


class Command(BaseCommand):
    help = (
        "Delete the files of research exports whose download link has expired. The export "
        "rows stay (who exported what, when and why). Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("purge_research_exports"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        run = purge_exports()
        self.stdout.write(f"{run.deleted} research export(s) deleted.")
