import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.breakglass import mailing, selectors


class Command(BaseCommand):
    help = (
        "Print the weekly report of unusual access (many persons opened by breaking the "
        "glass, much access outside working hours); --mail sends it to the administrators. "
        "Counts and user numbers only. Run weekly from cron, e.g. Monday morning."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", help="any day of the week (YYYY-MM-DD); default: last complete week"
        )
        parser.add_argument("--mail", action="store_true", help="e-mail the administrators")

    def handle(self, *args: Any, **options: Any) -> None:
        monday = selectors.last_week()
        if options["week"]:
            try:
                monday = datetime.date.fromisoformat(options["week"])
            except ValueError as error:
                raise CommandError("--week takes a date: YYYY-MM-DD") from error
        report = selectors.unusual_access(monday)
        self.stdout.write(mailing.report_text(report))
        if options["mail"]:
            sent = mailing.send_report(report)
            self.stdout.write(f"Sent to {sent} administrator(s).")
