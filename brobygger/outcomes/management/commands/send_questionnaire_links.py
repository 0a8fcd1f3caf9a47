"""Send the questionnaire link to everyone whose questionnaire has fallen due (cron, daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from brobygger.outcomes.reminders import send_due_links


class Command(BaseCommand):
    help = "Send links to questionnaires that have fallen due (to people with consent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", required=True, help="The site's public address, e.g. https://..."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_links(base_url=options["base_url"])
        self.stdout.write(f"{sent} questionnaire link(s) sent.")
