"""The scheduled jobs: each a management command, how often it runs and how late it may be.

Pure data, low in the layering: the commands in every app import `beat` (heartbeat.py),
which reads this table, and nothing here imports an app. The scheduler enqueues each job
at its interval; a job is *overdue* when its last success is older than `every + grace`
(the administrator's page shows it red and /health/ answers 503).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Job:
    name: str  # the management command's name, also the heartbeat's key
    label: str | Promise
    every: timedelta
    grace: timedelta

    @property
    def late_after(self) -> timedelta:
        return self.every + self.grace

    @property
    def every_words(self) -> str:
        """ "5 minutes", "1 hour", "1 day": the interval in the active language."""
        minutes = int(self.every.total_seconds() // 60)
        if minutes % (24 * 60) == 0:
            days = minutes // (24 * 60)
            return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

JOBS: tuple[Job, ...] = (
    Job("seal_audit", _("Seal the audit log"), MINUTE, 10 * MINUTE),
    Job("escalate_concerns", _("Escalate unacknowledged concerns"), 5 * MINUTE, 10 * MINUTE),
    Job("send_reminders", _("Conversation reminders"), 10 * MINUTE, 20 * MINUTE),
    Job("send_questionnaire_links", _("Questionnaire links"), HOUR, HOUR),
    Job("purge_research_exports", _("Delete expired research exports"), HOUR, HOUR),
    Job("notify_due", _("Notifications that fall due"), HOUR, 2 * HOUR),
    Job("send_digest", _("Daily notification digest"), DAY, 6 * HOUR),
    Job("close_departed_peers", _("Close the accounts of departed peers"), DAY, 6 * HOUR),
    Job("apply_retention", _("Retention and deletion"), DAY, 6 * HOUR),
    Job("verify_audit", _("Verify the audit log"), DAY, 6 * HOUR),
    Job("prune_tasks", _("Delete the results of finished tasks"), DAY, 6 * HOUR),
)
BY_NAME = {job.name: job for job in JOBS}
