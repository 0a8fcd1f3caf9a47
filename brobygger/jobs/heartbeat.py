"""`beat(name)`: the heartbeat around one run of a scheduled job.

Every scheduled management command runs its work inside `with beat("its_name"):`, so a run
from the task worker and a run from cron are recorded alike. The rows are written in
autocommit, outside the job's own transactions, so a job that fails and rolls back still
leaves its "failed" behind. Operational telemetry, not a change to anyone's data: no audit
event (the job writes its own for what it changes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.utils import timezone

from .models import Heartbeat, Outcome
from .schedule import BY_NAME

ERROR_LENGTH = 200


class JobFailed(Exception):
    """A job failed; the message is `short_error` of the cause: no personal data."""


def short_error(error: BaseException) -> str:
    """The exception's class, and the message only where our own code wrote it.

    A database error may quote a row ("Key (cpr)=(…) already exists") and a mail or SMS
    gateway's error the recipient: their messages stay out of the heartbeat and the log.
    """
    name = type(error).__name__
    if isinstance(error, CommandError | JobFailed) and str(error):
        return f"{name}: {error}"[:ERROR_LENGTH]
    return name[:ERROR_LENGTH]


def _row(name: str) -> Heartbeat:
    job = BY_NAME[name]  # KeyError for a job missing from schedule.py: a programming error
    row, _created = Heartbeat.objects.get_or_create(name=name, defaults={"every": job.every})
    return row


@contextmanager
def beat(name: str) -> Iterator[None]:
    """Record the start, then the end and outcome, of one run of the job `name`."""
    row = _row(name)
    row.every = BY_NAME[name].every
    row.last_started_at = timezone.now()
    row.save(update_fields=["every", "last_started_at"])
    try:
        yield
    except BaseException as error:
        row.last_finished_at = timezone.now()
        row.last_outcome = Outcome.FAILED
        row.last_error = short_error(error)
        row.save(update_fields=["last_finished_at", "last_outcome", "last_error"])
        raise
    finished = timezone.now()
    row.last_finished_at = finished
    row.last_succeeded_at = finished
    row.last_outcome = Outcome.OK
    row.last_error = ""
    row.save(update_fields=["last_finished_at", "last_succeeded_at", "last_outcome", "last_error"])
