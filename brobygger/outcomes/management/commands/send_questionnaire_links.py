"""Questionnaires that have fallen due: the link to the person, a daily e-mail to the peer.

Run it daily (or more often) from cron; it is idempotent. See the README's scheduled jobs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.jobs.heartbeat import beat
from brobygger.outcomes.reminders import send_due_links, send_peer_digests


class Command(BaseCommand):
    help = (
        "Send links to questionnaires that have fallen due (to people with consent) and "
        "remind peers, at most once a day, of the questionnaires due in their caseload."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's public address, e.g. https://... (default: the BASE_URL setting).",
        )
        parser.add_argument(
            "--no-peer-reminders",
            action="store_true",
            help="Send only the links to persons, not the peers' daily e-mail.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("send_questionnaire_links"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        base_url = options["base_url"] or settings.BROBYGGER_BASE_URL
        if not base_url:
            raise CommandError("Give --base-url or set BASE_URL: the messages link to the site.")
        sent = send_due_links(base_url=base_url)
        self.stdout.write(f"{sent} questionnaire link(s) sent.")
        if not options["no_peer_reminders"]:
            reminded = send_peer_digests(base_url=base_url)
            self.stdout.write(f"{reminded} peer reminder(s) sent.")
