"""The state of every scheduled job, for the administrator's page and /health/."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import Heartbeat, Outcome
from .schedule import JOBS, Job


@dataclass(frozen=True)
class JobState:
    job: Job
    beat: Heartbeat | None

    @property
    def failed(self) -> bool:
        return self.beat is not None and self.beat.last_outcome == Outcome.FAILED

    @property
    def running(self) -> bool:
        b = self.beat
        return (
            b is not None
            and b.last_started_at is not None
            and (b.last_finished_at is None or b.last_finished_at < b.last_started_at)
        )

    def overdue(self, now: datetime.datetime) -> bool:
        """No success within the interval plus its grace (never succeeded counts too)."""
        last = self.beat.last_succeeded_at if self.beat else None
        return last is None or now - last > self.job.late_after

    def healthy(self, now: datetime.datetime) -> bool:
        return not self.failed and not self.overdue(now)


def job_states() -> list[JobState]:
    """Every job in the schedule's order, with its heartbeat if it has one (one query)."""
    beats = {b.name: b for b in Heartbeat.objects.filter(name__in=[j.name for j in JOBS])}
    return [JobState(job=job, beat=beats.get(job.name)) for job in JOBS]
