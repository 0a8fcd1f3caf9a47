from typing import Any

from django.core.management.base import BaseCommand

from brobygger.jobs.heartbeat import beat
from brobygger.scheduling.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the reminders due for conversations in the next 24 hours. Safe to run as "
        "often as you like (e.g. every 10 minutes from cron): nothing is sent twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("send_reminders"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        count = send_due_reminders()
        self.stdout.write(f"Sent {count} reminder(s).")
