"""Job postings for peer workers and the applications they receive."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Role, Unit
from brobygger.people.models import PeerKind


class JobPostingQuerySet(models.QuerySet["JobPosting"]):
    def open(self, today: datetime.date | None = None) -> JobPostingQuerySet:
        """Published, not closed, and the deadline is today or later."""
        today = today or timezone.localdate()
        return self.filter(published=True, closed_at__isnull=True, deadline__gte=today)

    def visible_to(self, user: Any) -> JobPostingQuerySet:
        """Coordinators: postings of their units and those with no unit."""
        if getattr(user, "role", None) == Role.COORDINATOR:
            return self.filter(Q(unit__in=user.units.all()) | Q(unit__isnull=True))
        return self.none()


class JobPosting(models.Model):
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_postings",
    )
    peer_kind = models.CharField(_("kind of peer"), max_length=20, choices=PeerKind.choices)
    title_da = models.CharField(_("title (Danish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    hours_min = models.DecimalField(_("hours per week, from"), max_digits=4, decimal_places=1)
    hours_max = models.DecimalField(_("hours per week, to"), max_digits=4, decimal_places=1)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    work_da = models.TextField(_("what the work is (Danish)"))
    work_en = models.TextField(_("what the work is (English)"))
    looking_for_da = models.TextField(_("what we look for (Danish)"))
    looking_for_en = models.TextField(_("what we look for (English)"))
    how_to_apply_da = models.TextField(_("how to apply (Danish)"))
    how_to_apply_en = models.TextField(_("how to apply (English)"))
    deadline = models.DateField(_("application deadline"))
    published = models.BooleanField(_("published"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        indexes = [models.Index(fields=["published", "deadline"], name="jobposting_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_min__gt=0) & Q(hours_min__lte=models.F("hours_max")),
                name="jobposting_hours_range",
                violation_error_message=_("The hours 'to' must be at least the hours 'from'."),
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="jobposting_period_range",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(peer_kind__in=PeerKind.values), name="jobposting_peer_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title_da

    def _localized(self, field: str) -> str:
        language = (get_language() or "da")[:2]
        suffix = "en" if language == "en" else "da"
        return str(getattr(self, f"{field}_{suffix}") or getattr(self, f"{field}_da"))

    @property
    def title(self) -> str:
        return self._localized("title")

    @property
    def work(self) -> str:
        return self._localized("work")

    @property
    def looking_for(self) -> str:
        return self._localized("looking_for")

    @property
    def how_to_apply(self) -> str:
        return self._localized("how_to_apply")

    def is_open(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.published and self.closed_at is None and self.deadline >= today


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    INTERVIEW = "interview", _("Interview")
    OFFERED = "offered", _("Offered")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StatusReason(models.TextChoices):
    """Codes only: the audit trail and the list never hold free text about an applicant."""

    NOT_QUALIFIED = "not_qualified", _("Does not meet what we look for")
    POSITION_FILLED = "position_filled", _("The position is filled")
    NO_RESPONSE = "no_response", _("No response from the applicant")
    APPLICANT_WITHDREW = "applicant_withdrew", _("The applicant withdrew")
    OTHER = "other", _("Other reason")


class CvKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"


def cv_upload_to(instance: Application, filename: str) -> str:
    # Never the applicant's own file name: it can hold a name or a diagnosis.
    suffix = f".{instance.cv_kind}" if instance.cv_kind else ""
    return f"recruitment/cv/{uuid.uuid4().hex}{suffix}"


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """Only the coordinator of the posting's unit (or of a posting with no unit)."""
        if getattr(user, "role", None) == Role.COORDINATOR:
            return self.filter(
                Q(posting__unit__in=user.units.all()) | Q(posting__unit__isnull=True)
            )
        return self.none()


class Application(models.Model):
    posting = models.ForeignKey(JobPosting, on_delete=models.PROTECT, related_name="applications")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    motivation = models.TextField(_("motivation"))
    experience = models.TextField(_("own experience"))
    cv = models.FileField(_("CV"), upload_to=cv_upload_to, blank=True, max_length=200)
    cv_kind = models.CharField(max_length=4, choices=CvKind.choices, blank=True)
    consent_at = models.DateTimeField(_("consent given"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.RECEIVED,
    )
    status_reason = models.CharField(
        _("reason"), max_length=20, choices=StatusReason.choices, blank=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["posting", "received_at"], name="application_posting_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""), name="application_has_contact"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
                | ~Q(status_reason=""),
                name="application_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(cv="", cv_kind="") | (~Q(cv="") & Q(cv_kind__in=CvKind.values)),
                name="application_cv_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Application')} {self.pk}"
