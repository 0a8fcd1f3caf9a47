"""What a region evaluating the demo sees first, in figures (issue 19): the bench prints
them and the demo's tests hold them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from brobygger.people.models import PeerWorker
from brobygger.timesheets import months
from brobygger.timesheets.selectors import month_summary


@dataclass(frozen=True)
class BandCount:
    year: int
    month: int
    active: int
    inside: int
    under: int
    over: int


def peers_in_band() -> BandCount:
    """The active peers whose contract ran the whole of the last full month, and how many
    of them worked inside their contract band then (the workforce overview's band)."""
    today = timezone.localdate()
    year, month = months.add_months(today.year, today.month, -1)
    first, last = months.first_day(year, month), months.last_day(year, month)
    ids = list(
        PeerWorker.objects.filter(user__is_active=True, contract_start__lte=first)
        .exclude(contract_end__lt=last)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summaries = month_summary(ids, year, month).values()
    under = sum(1 for s in summaries if s.under)
    over = sum(1 for s in summaries if s.over)
    return BandCount(year, month, len(ids), len(ids) - under - over, under, over)
