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

from brobygger.accounts import policy
from brobygger.accounts.models import Role, Unit
from brobygger.lib.dates import elapsed_minutes
from brobygger.people.models import PeerKind
from brobygger.scheduling.models import Mode


class JobPostingQuerySet(models.QuerySet["JobPosting"]):
    def open(self, today: datetime.date | None = None) -> JobPostingQuerySet:
        """Published, not closed, and the deadline is today or later."""
        today = today or timezone.localdate()
        return self.filter(published=True, closed_at__isnull=True, deadline__gte=today)

    def visible_to(self, user: Any) -> JobPostingQuerySet:
        """Coordinators: postings of their units and those with no unit."""
        if policy.is_coordinator(user):
            return self.filter(policy.unit_q(user))
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


MAX_CRITERIA = 12


class PostingCriterion(models.Model):
    """One thing we look for, in order: the public posting lists them, interview notes
    rate the applicant against each."""

    posting = models.ForeignKey(
        JobPosting, on_delete=models.CASCADE, related_name="criteria", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    text_da = models.CharField(_("criterion (Danish)"), max_length=200)
    text_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "position"], name="postingcriterion_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        language = (get_language() or "da")[:2]
        return self.text_en if language == "en" and self.text_en else self.text_da


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


PANEL_ROLES = frozenset({Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER, Role.CLINICIAN})


def panel_posting_ids(user: Any) -> models.QuerySet[Any]:
    """Postings `user` sits on an interview panel for (cancelled interviews do not count)."""
    return (
        InterviewSeat.objects.filter(user=user, interview__status__in=ACTIVE_INTERVIEW)
        .values("interview__application__posting_id")
        .order_by()
    )


class ApplicationQuerySet(models.QuerySet["Application"]):
    def managed_by(self, user: Any) -> ApplicationQuerySet:
        """Only the coordinator of the posting's unit (or of a posting with no unit)."""
        if policy.is_coordinator(user):
            return self.filter(policy.unit_q(user, "posting__unit"))
        return self.none()

    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """The managing coordinator, and the interview panel of the posting: nobody else."""
        role = getattr(user, "role", None)
        if role not in PANEL_ROLES or not getattr(user, "is_active", False):
            return self.none()
        on_panel = Q(posting_id__in=panel_posting_ids(user))
        if role == Role.COORDINATOR:
            return self.filter(policy.unit_q(user, "posting__unit") | on_panel)
        return self.filter(on_panel)


class Application(models.Model):
    posting = models.ForeignKey(
        JobPosting, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
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
    # sha256 of the applicant's private withdraw link: a copy of the database cannot use it.
    withdraw_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = ApplicationQuerySet.as_manager()

    # The raw withdraw token, only on the object submit_application returns (never stored).
    withdraw_token: str = ""

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
            models.UniqueConstraint(
                fields=["withdraw_token_hash"],
                condition=~Q(withdraw_token_hash=""),
                name="application_withdraw_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Application')} {self.pk}"


class InterviewStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_INTERVIEW = (InterviewStatus.BOOKED, InterviewStatus.HELD)


class InterviewQuerySet(models.QuerySet["Interview"]):
    def active(self) -> InterviewQuerySet:
        return self.filter(status__in=ACTIVE_INTERVIEW)

    def overlapping(self, starts_at: Any, ends_at: Any) -> InterviewQuerySet:
        # Half-open ranges [start, end): back-to-back interviews do not clash.
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Interview(models.Model):
    """An interview with an applicant and a panel of staff (the coordinator and others)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="interviews"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InterviewStatus.choices,
        default=InterviewStatus.BOOKED,
    )
    panel: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="InterviewSeat", related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Booked anyway outside a panel peer's hours, on a day away or a public holiday: why
    # (scheduling.services.check_availability).
    override_reason = models.CharField(
        _("why outside the peer's hours"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="interview_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="interview_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InterviewStatus.values), name="interview_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def minutes(self) -> int:
        return elapsed_minutes(self.starts_at, self.ends_at)


class InterviewSeat(models.Model):
    """One panel member at one interview. The times are copied from the interview so the
    database can refuse to seat anyone in two interviews at once (an exclusion
    constraint on PostgreSQL, migration 0003; SQLite: immediate transactions + service)."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="seats", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interview_seats",
        db_index=False,
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["interview", "pk"]
        indexes = [models.Index(fields=["user", "starts_at"], name="interviewseat_user_start")]
        constraints = [
            models.UniqueConstraint(fields=["interview", "user"], name="interviewseat_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="interviewseat_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id}/{self.user_id}"


class Recommendation(models.TextChoices):
    HIRE = "hire", _("Recommend hiring")
    UNSURE = "unsure", _("Unsure")
    NOT_HIRE = "not_hire", _("Do not recommend hiring")


class Rating(models.TextChoices):
    NOT_SHOWN = "not_shown", _("Not shown")
    PARTLY = "partly", _("Partly")
    CLEARLY = "clearly", _("Clearly")


class InterviewNote(models.Model):
    """One panel member's note on one interview: part of the application, deleted with it."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommendation = models.CharField(
        _("overall recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    summary = models.TextField(_("overall impression"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["interview", "pk"]
        verbose_name = _("interview note")
        verbose_name_plural = _("interview notes")
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "author"], name="interviewnote_one_per_author"
            ),
            models.CheckConstraint(
                condition=Q(recommendation="") | Q(recommendation__in=Recommendation.values),
                name="interviewnote_recommendation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id}/{self.author_id}"


class CriterionNote(models.Model):
    """The rating and a short comment against one of the posting's criteria."""

    note = models.ForeignKey(
        InterviewNote, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    # PROTECT: a criterion someone has been rated against cannot silently disappear.
    criterion = models.ForeignKey(PostingCriterion, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices, blank=True)
    text = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["criterion__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "criterion"], name="criterionnote_unique"),
            models.CheckConstraint(
                condition=Q(rating="") | Q(rating__in=Rating.values),
                name="criterionnote_rating_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.note_id}/{self.criterion_id}"


class RemovalReason(models.TextChoices):
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    RETENTION = "retention", _("Deleted after the hiring")


class RemovedApplication(models.Model):
    """What is left of a deleted application: the hash of its withdraw link, so that a
    used link can say the application is gone. No personal data."""

    token_hash = models.CharField(max_length=64, unique=True)
    posting = models.ForeignKey(
        JobPosting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=10, choices=RemovalReason.choices)
    removed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.reason} {self.removed_at:%Y-%m-%d}"


class RetentionRun(models.Model):
    """One run of the retention job: how many applications it deleted, and from when."""

    ran_at = models.DateTimeField(default=timezone.now)
    closed_before = models.DateTimeField()
    retention_days = models.PositiveIntegerField()
    deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d} {self.deleted}"
