"""Delete the results of finished tasks after two weeks (daily).

Every job run and every report refresh leaves a row in django-tasks-db's table (the
audit seal alone 1,440 a day); django-tasks-db's own `prune_db_task_results` deletes the
finished ones. This runs it as a scheduled job, with its heartbeat.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from brobygger.jobs.heartbeat import beat


class Command(BaseCommand):
    help = (
        "Delete the results of finished tasks (scheduled jobs, report refreshes) older "
        "than --days (14). Tasks waiting or running stay. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=14, help="age in days (at least 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("prune_tasks"):
            days = max(1, int(options["days"]))
            cutoff = timezone.now() - datetime.timedelta(days=days)
            old = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).count()
            call_command(
                "prune_db_task_results",
                "--min-age-days",
                str(days),
                "--queue-name",
                "*",
                verbosity=0,
            )
            self.stdout.write(f"{old} finished task(s) deleted.")
