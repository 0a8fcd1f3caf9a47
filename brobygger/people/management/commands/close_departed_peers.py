from typing import Any

from django.core.management.base import BaseCommand

from brobygger.jobs.heartbeat import beat
from brobygger.people.workforce_services import close_departed_peers


class Command(BaseCommand):
    help = (
        "Close the accounts of peers who have left and whose last working day has passed. "
        "Run daily (e.g. just after midnight); running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("close_departed_peers"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        count = close_departed_peers()
        self.stdout.write(f"Closed {count} account(s).")
