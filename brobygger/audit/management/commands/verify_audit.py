from typing import Any

from django.core.management.base import BaseCommand, CommandError

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check that the access log and the audit trail are intact (hash chains)."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_chain(AccessLogEntry) + verify_chain(AuditEvent)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) found in the audit chains.")
        self.stdout.write(
            f"OK: access log ({AccessLogEntry.objects.count()} rows) and audit trail "
            f"({AuditEvent.objects.count()} rows) are intact."
        )
