from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.audit.sealing import SEAL_BATCH, seal
from brobygger.jobs.heartbeat import beat


class Command(BaseCommand):
    help = (
        "Seal the access-log and audit-trail rows appended since the last run into the "
        "keyed chain and write a signed checkpoint to AUDIT_CHECKPOINT_DIR. A scheduled "
        "job (README: every minute); safe to run while the app writes, and twice at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=30.0,
            help="seconds to wait for open transactions that may still append (default 30)",
        )
        parser.add_argument("--batch", type=int, default=SEAL_BATCH, help="rows per seal")

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("seal_audit"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        try:
            result = seal(wait=max(options["wait"], 0.0), batch=options["batch"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                f"The rows were sealed, but the checkpoint could not be written ({exc}); "
                "the next run writes it."
            ) from exc
        sealed = ", ".join(f"{n} {chain}" for chain, n in result.sealed.items())
        self.stdout.write(f"Sealed: {sealed or 'nothing'}.")
        for chain in result.waiting:
            self.stdout.write(
                f"The newest {chain} rows wait for transactions still open; "
                "the next run seals them."
            )
        if result.checkpoint is not None:
            self.stdout.write(f"Checkpoint written: {result.checkpoint}")
