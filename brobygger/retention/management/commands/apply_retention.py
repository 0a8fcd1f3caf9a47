"""Delete or anonymise what the retention policies say is due (cron, nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from brobygger.jobs.heartbeat import beat
from brobygger.retention.registry import RECORD_TYPES
from brobygger.retention.services import apply_retention


class Command(BaseCommand):
    help = (
        "Delete or anonymise every record whose retention period has run, in the order of "
        "the registry, sparing legal holds; one audit event per record type with its count. "
        "Safe to repeat. --dry-run prints what would go and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            self._run(**options)  # a dry run is not a run of the job
            return
        with beat("apply_retention"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        outcome = apply_retention(dry_run=options["dry_run"])
        verb = "would go" if outcome.dry_run else "went"
        width = max(len(t.key) for t in RECORD_TYPES)
        for t in RECORD_TYPES:
            self.stdout.write(f"{t.key:<{width}}  {outcome.counts[t.key]:>7}  {t.action}")
        total = sum(outcome.counts.values())
        self.stdout.write(f"{total} record(s) {verb}" + (" (dry run)." if outcome.dry_run else "."))
