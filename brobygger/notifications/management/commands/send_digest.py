"""The daily digest of new notifications, by e-mail, with no personal data.

Run it once a day from cron (more often does no harm: one e-mail per user per day).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.jobs.heartbeat import beat
from brobygger.notifications.digest import send_digests


class Command(BaseCommand):
    help = (
        "E-mail each staff user with new unread notifications the count per kind and a "
        "link to their inbox; at most once a day. No names or references in the e-mail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's public address, e.g. https://... (default: the BASE_URL setting).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("send_digest"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        base_url = options["base_url"] or settings.BROBYGGER_BASE_URL
        if not base_url:
            raise CommandError("Give --base-url or set BASE_URL: the e-mail links to the inbox.")
        sent = send_digests(base_url=base_url)
        self.stdout.write(f"{sent} notification digest(s) sent.")
