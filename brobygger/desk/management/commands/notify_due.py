"""The scheduled notifications: referrals left waiting, contracts ending, supervision due.

Run it daily from cron (any number of times: each notification is made once, by its
dedupe key). The checks live with their apps (`notices.py`); this command sits at the
top (desk), the one place that may call them all.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from brobygger.jobs.heartbeat import beat
from brobygger.referrals.notices import notify_waiting
from brobygger.workforce.notices import notify_contracts, notify_supervision


class Command(BaseCommand):
    help = (
        "Make the notifications that fall due by date (referrals waiting, contracts "
        "ending, supervision due). Idempotent: run it daily, or as often as you like."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with beat("notify_due"):
            self._run(**options)

    def _run(self, **options: Any) -> None:
        waiting = notify_waiting()
        contracts = notify_contracts()
        supervision = notify_supervision()
        self.stdout.write(
            f"Notifications made: {waiting} referral(s) waiting, {contracts} contract(s) "
            f"ending, {supervision} supervision due."
        )
