"""Months in Europe/Copenhagen and the contract's hours pro-rated over a month."""

from __future__ import annotations

import calendar
import datetime
import functools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import holidays

from brobygger.lib.dates import TZ

FIRST_YEAR, LAST_YEAR = 2000, 2100


def is_valid(year: int, month: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def first_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def days(year: int, month: int) -> list[datetime.date]:
    return [datetime.date(year, month, d) for d in range(1, last_day(year, month).day + 1)]


def bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[local midnight on the 1st, local midnight on the 1st of the next month) as aware
    moments. Midnight always exists in Copenhagen (the clocks change at 02:00/03:00), so
    March is an hour shorter and October an hour longer, as they really are."""
    next_year, next_month = add_months(year, month, 1)
    start = datetime.datetime(year, month, 1, tzinfo=TZ)
    end = datetime.datetime(next_year, next_month, 1, tzinfo=TZ)
    return start, end


@functools.cache
def _holidays(year: int) -> frozenset[datetime.date]:
    """Denmark's public holidays in `year` (fixed by law: computed once per year)."""
    return frozenset(holidays.Denmark(years=year))


def working_days(
    year: int,
    month: int,
    *,
    contract_start: datetime.date | None = None,
    contract_end: datetime.date | None = None,
) -> int:
    """Monday to Friday in the month, minus Danish public holidays, inside the contract.

    The contract is "hours per week"; a month's share is the week's hours times (these working
    days / 5). A public holiday on a weekday lowers the month's norm, as it does for
    salaried staff, and a contract starting or ending mid-month counts only its own days.
    """
    return working_days_between(
        first_day(year, month),
        last_day(year, month),
        contract_start=contract_start,
        contract_end=contract_end,
    )


def working_days_between(
    first: datetime.date,
    last: datetime.date,
    *,
    contract_start: datetime.date | None = None,
    contract_end: datetime.date | None = None,
) -> int:
    """Working days (as in `working_days`) from `first` to `last`, both included."""
    if contract_start is not None:
        first = max(first, contract_start)
    if contract_end is not None:
        last = min(last, contract_end)
    if last < first:
        return 0
    return sum(_working_days_of(year, m) for year, m in _months_touched(first, last)) - (
        _working_days_outside(first, last)
    )


def absent_working_days(
    away: Iterable[tuple[datetime.date, datetime.date]],
    first: datetime.date,
    last: datetime.date,
    *,
    contract_start: datetime.date | None = None,
    contract_end: datetime.date | None = None,
) -> int:
    """Working days (as in `working_days`) from `first` to `last` inside the contract that
    fall in one of the `away` ranges (first day, last day, both included). A day in two
    ranges counts once."""
    if contract_start is not None:
        first = max(first, contract_start)
    if contract_end is not None:
        last = min(last, contract_end)
    absent: set[datetime.date] = set()
    for starts_on, ends_on in away:
        day, end = max(starts_on, first), min(ends_on, last)
        while day <= end:
            if day.weekday() < 5 and day not in _holidays(day.year):
                absent.add(day)
            day += datetime.timedelta(days=1)
    return len(absent)


def _months_touched(first: datetime.date, last: datetime.date) -> list[tuple[int, int]]:
    count = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(first.year, first.month, i) for i in range(count + 1)]


@functools.cache
def _working_days_of(year: int, month: int) -> int:
    closed = _holidays(year)
    return sum(1 for day in days(year, month) if day.weekday() < 5 and day not in closed)


def _working_days_outside(first: datetime.date, last: datetime.date) -> int:
    """Working days of the first and last months that lie outside first..last."""
    count = 0
    for day in days(first.year, first.month):
        if day < first and day.weekday() < 5 and day not in _holidays(day.year):
            count += 1
    for day in days(last.year, last.month):
        if day > last and day.weekday() < 5 and day not in _holidays(day.year):
            count += 1
    return count


def contract_minutes(hours_per_week: Decimal, working_days: int) -> int:
    """Minutes the weekly hours come to over `working_days`, rounded to the minute."""
    minutes = Decimal(hours_per_week) * 60 * working_days / 5
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours(minutes: int | None) -> Decimal:
    """Minutes as hours with two decimals (for pages and the payroll file)."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
