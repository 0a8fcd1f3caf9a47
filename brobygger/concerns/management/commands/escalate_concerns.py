from typing import Any

from django.core.management.base import BaseCommand

from brobygger.concerns.services import escalate_due
from brobygger.jobs.heartbeat import beat


class Command(BaseCommand):
    help = (
        "Alert the coordinators of every concern nobody has acknowledged within the time "
        "its urgency allows (settings.BROBYGGER_CONCERN_ESCALATE_MINUTES). Safe to run as "
        "often as you like (e.g. every 5 minutes from cron): no concern is escalated twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("escalate_concerns"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        escalated = escalate_due()
        # Numbers only: no person, no text of the concern in a log line.
        self.stdout.write(f"Escalated {len(escalated)} concern(s).")
