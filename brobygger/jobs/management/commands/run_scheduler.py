"""Enqueue each scheduled job at its interval, for `manage.py db_worker` to run."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.db.utils import InterfaceError, OperationalError

from brobygger.jobs.tasks import enqueue_due


class Command(BaseCommand):
    help = (
        "Enqueue every scheduled job (brobygger/jobs/schedule.py) whose interval has passed, "
        "every --tick seconds; `manage.py db_worker` runs them. Two schedulers enqueue each "
        "job once. --once: one tick, then exit (for cron or a test)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then exit")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between ticks")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tick"] <= 0:
            raise CommandError("--tick must be more than 0.")
        while True:
            try:
                names = enqueue_due()
            except (OperationalError, InterfaceError) as error:
                if options["once"]:
                    raise CommandError(
                        f"The database is unreachable ({type(error).__name__})."
                    ) from None
                # The database is down: say so, and try again next tick.
                self.stderr.write(f"The database is unreachable ({type(error).__name__}).")
            else:
                if names:
                    self.stdout.write(f"Enqueued: {', '.join(names)}.")
            if options["once"]:
                return
            time.sleep(options["tick"])
            # Drop a connection the database closed meanwhile (restart, failover).
            close_old_connections()
