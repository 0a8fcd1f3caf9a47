import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.audit.services import record_check
from brobygger.audit.verification import verify_all
from brobygger.jobs.heartbeat import beat


class Command(BaseCommand):
    help = (
        "Check the access log and the audit trail: every row's keyed MAC, the sealed chain "
        "and the signed checkpoints in AUDIT_CHECKPOINT_DIR. Exit status 1 on any problem. "
        "A scheduled job (README); it reads every row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-unsealed-hours",
            type=float,
            default=24.0,
            help="report rows left unsealed longer than this (default 24; 0: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("verify_audit"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        hours = options["max_unsealed_hours"]
        report = verify_all(max_unsealed_age=datetime.timedelta(hours=hours) if hours > 0 else None)
        record_check(report=report)
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(report.problems)} problem(s) found in the audit log.")
        parts = [
            f"{chain.model.__name__}: {chain.rows} rows, "
            f"{chain.sealed_rows} sealed, {chain.unsealed} not yet sealed"
            for chain in report.chains
        ]
        self.stdout.write(f"OK: {'; '.join(parts)}; {report.good_checkpoints} checkpoint(s) match.")
