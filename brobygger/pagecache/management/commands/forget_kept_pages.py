"""Make every kept page stale in every process, after a repair made outside Django."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from brobygger.pagecache.tracking import bump_all


class Command(BaseCommand):
    help = (
        "Make every page kept by the web processes stale (brobygger/pagecache), after a "
        "change made outside Django (psql, another program): such a change is not counted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        bump_all(connection)
        self.stdout.write("Every kept page is stale now; each is built again when next asked.")
