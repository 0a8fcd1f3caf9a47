"""The scheduled jobs as django-tasks tasks, and the scheduler that enqueues them.

A job is its management command (which records its heartbeat with `beat`), so cron and
the worker run exactly the same code. `enqueue_due` is what `manage.py run_scheduler`
calls every tick; `manage.py db_worker` (django-tasks-db) runs what it enqueued.
"""

from __future__ import annotations

import datetime
import io
import logging

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .heartbeat import JobFailed, short_error
from .models import Heartbeat
from .schedule import BY_NAME, JOBS

logger = logging.getLogger(__name__)

# A job enqueued but not started this long ago is enqueued again: its task row was lost
# (pruned, or the queue was emptied). While the worker is merely down, the job waits in
# the queue once, goes overdue and shows red; it does not pile up.
STALE_QUEUE = datetime.timedelta(days=1)


@task()
def run_job(name: str) -> str:
    """Run the scheduled job `name`; its output (counts only) is the task's result."""
    if name not in BY_NAME:
        raise JobFailed(f"Unknown job {name!r}.")
    out = io.StringIO()
    try:
        call_command(name, stdout=out, stderr=out)
    except Exception as error:
        # The task backend stores the traceback: keep the cause's message (which may
        # quote personal data) out of it; the heartbeat has the short form already.
        logger.error("Job %s failed (%s).", name, short_error(error))
        raise JobFailed(short_error(error)) from None
    return out.getvalue()[-2000:]


def _waiting(beat: Heartbeat, now: datetime.datetime) -> bool:
    """Enqueued, and not yet started since, not long ago."""
    enqueued = beat.last_enqueued_at
    if enqueued is None or now - enqueued > STALE_QUEUE:
        return False
    return beat.last_started_at is None or beat.last_started_at < enqueued


def enqueue_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose interval has passed since it was last enqueued or started;
    the names enqueued. Two schedulers at once enqueue each job once: the claim is a
    conditional UPDATE on the heartbeat's last_enqueued_at."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        beat, _created = Heartbeat.objects.get_or_create(
            name=job.name, defaults={"every": job.every}
        )
        last = max((t for t in (beat.last_enqueued_at, beat.last_started_at) if t), default=None)
        if (last is not None and now - last < job.every) or _waiting(beat, now):
            continue
        with transaction.atomic():
            claimed = Heartbeat.objects.filter(
                pk=beat.pk, last_enqueued_at=beat.last_enqueued_at
            ).update(last_enqueued_at=now)
            if not claimed:
                continue  # another scheduler was first
            # In the same transaction as the claim (the database backend writes the task
            # row here too): both or neither.
            run_job.enqueue(job.name)
        enqueued.append(job.name)
    return enqueued
