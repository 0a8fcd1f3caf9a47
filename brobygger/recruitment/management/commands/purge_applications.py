"""Delete applications not hired a while after their posting closed (cron, daily)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.recruitment.retention import purge_applications


class Command(BaseCommand):
    help = (
        "Delete applications that were not hired, with their CVs, interviews and notes, "
        "once their posting closed more than RECRUITMENT_RETENTION_DAYS ago. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Override the retention time (default {settings.RECRUITMENT_RETENTION_DAYS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] is not None and options["days"] < 0:
            raise CommandError("--days cannot be negative.")
        run = purge_applications(days=options["days"])
        self.stdout.write(f"{run.deleted} application(s) deleted.")
