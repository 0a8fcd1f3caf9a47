"""Services for deleting applications: the applicant's withdrawal, and the retention job.

Issue 9: applications not hired are deleted automatically a configurable time
(RECRUITMENT_RETENTION_DAYS, default 6 months) after the posting closes, with the count
in the audit log; the applicant can withdraw and have the data deleted at once. An
application is deleted with its CV file, interviews, panel seats and notes. Hired
applications are kept until the hire handling (onboarding) takes them over.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.services import record_event

from .models import (
    Application,
    ApplicationStatus,
    JobPosting,
    RemovalReason,
    RemovedApplication,
    RetentionRun,
)
from .services import hash_token

MAX_TOKEN_LENGTH = 100


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The row is gone either way; a file left behind is found by name by no one.
            continue


def _delete(applications: QuerySet[Application], *, reason: str) -> int:
    """Delete the applications with everything that hangs on them; files after commit."""
    rows = list(applications.values_list("pk", "cv", "withdraw_token_hash", "posting_id"))
    if not rows:
        return 0
    now = timezone.now()
    RemovedApplication.objects.bulk_create(
        [
            RemovedApplication(token_hash=token, posting_id=posting, reason=reason, removed_at=now)
            for _pk, _cv, token, posting in rows
            if token
        ],
        ignore_conflicts=True,
    )
    Application.objects.filter(pk__in=[pk for pk, *_rest in rows]).delete()
    files = [cv for _pk, cv, _token, _posting in rows if cv]
    if files:
        transaction.on_commit(lambda: _delete_files(files))
    return len(rows)


def applications_due(*, closed_before: datetime.datetime) -> QuerySet[Application]:
    """Applications not hired whose posting closed before the moment."""
    return Application.objects.filter(
        posting__closed_at__isnull=False, posting__closed_at__lt=closed_before
    ).exclude(status=ApplicationStatus.HIRED)


def delete_applications(applications: QuerySet[Application]) -> int:
    """Delete for retention (the retention app's job); call inside its transaction."""
    return _delete(applications, reason=RemovalReason.RETENTION)


def application_for_token(token: str) -> Application | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Application.objects.select_related("posting")
        .filter(withdraw_token_hash=hash_token(token))
        .first()
    )


def removal_for_token(token: str) -> RemovedApplication | None:
    """What a used or expired withdraw link led to, if it ever led anywhere."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return RemovedApplication.objects.filter(token_hash=hash_token(token)).first()


def withdraw_application(*, token: str) -> JobPosting:
    """The applicant withdraws through their private link; everything is deleted at once.

    The audit event says only that an application to the posting was withdrawn and
    deleted (the posting, the application's former id and status): no personal data.
    """
    with transaction.atomic():
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise ValidationError(_("The link is not valid."), code="gone")
        application = (
            Application.objects.select_for_update()
            .select_related("posting")
            .filter(withdraw_token_hash=hash_token(token))
            .first()
        )
        if application is None:
            raise ValidationError(_("The application has already been deleted."), code="gone")
        if application.status == ApplicationStatus.HIRED:
            raise ValidationError(
                _("You have been hired. Contact the coordinator about your data."), code="hired"
            )
        posting = application.posting
        pk, status = application.pk, application.status
        _delete(Application.objects.filter(pk=pk), reason=RemovalReason.WITHDRAWN)
        record_event(
            actor=None,
            verb="recruitment.application_withdrawn_deleted",
            obj=posting,
            data={"application": pk, "status": status},
        )
    return posting


def purge_applications(
    *, now: datetime.datetime | None = None, days: int | None = None, actor: Any = None
) -> RetentionRun:
    """Delete applications not hired whose posting closed more than `days` ago.

    Idempotent: a second run deletes nothing more. Always writes one audit event with
    the count, also when it is 0, so the log shows that the job ran.
    """
    now = now or timezone.now()
    days = settings.RECRUITMENT_RETENTION_DAYS if days is None else days
    if days < 0:
        raise ValueError("The retention time cannot be negative.")
    closed_before = now - datetime.timedelta(days=days)
    with transaction.atomic():
        deleted = delete_applications(applications_due(closed_before=closed_before))
        run = RetentionRun.objects.create(
            ran_at=now, closed_before=closed_before, retention_days=days, deleted=deleted
        )
        record_event(
            actor=actor,
            verb="recruitment.applications_purged",
            obj=run,
            data={"deleted": deleted, "retention_days": days},
        )
    return run
