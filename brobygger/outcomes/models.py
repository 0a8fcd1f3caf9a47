"""Questionnaires as data (instruments and their versions) and the scores computed from them.

DOMAIN.md §6: an instrument is data (items, scale, reverse items, scoring rule, recall
period, languages, licence, copyright, "may be shipped"), loaded from a file by
`manage.py load_instrument`. A version is never edited: a changed file makes a new
version, so a stored score always points at the exact text and rule it came from.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.lib.language import text_language

from . import scoring


class Instrument(models.Model):
    """A questionnaire, e.g. QPR-15; its content lives in its versions."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name_da = models.CharField(_("name (Danish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return self.name_en if text_language(language) == "en" else self.name_da

    def latest_version(self) -> InstrumentVersion | None:
        return self.versions.order_by("-version").first()


class InstrumentVersionQuerySet(models.QuerySet["InstrumentVersion"]):
    def latest_of(self, key: str) -> InstrumentVersion | None:
        return self.filter(instrument__key=key).order_by("-version").first()


class InstrumentVersion(models.Model):
    """One immutable edition of an instrument.

    `items`: [{"key", "text_da", "text_en", "reverse", "subscale"}]; `scale`: {"min",
    "max", "labels_da", "labels_en"}; `rule`: {"method", "max_missing", "prorate",
    "lookup", "subscales", "subscale_max_missing"} (see scoring.py). `locked` is set once
    anything has been answered or scored with this version.
    """

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField(_("version"))
    items = models.JSONField(_("items"))
    scale = models.JSONField(_("response scale"))
    rule = models.JSONField(_("scoring rule"))
    recall_da = models.CharField(_("recall period (Danish)"), max_length=200, blank=True)
    recall_en = models.CharField(_("recall period (English)"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    licence_note = models.TextField(_("licence note"), blank=True)
    copyright = models.CharField(_("copyright"), max_length=300, blank=True)
    may_ship = models.BooleanField(_("may be shipped with Brobygger"), default=False)
    validated = models.BooleanField(_("validated scale"), default=False)
    loaded_from = models.CharField(_("loaded from file"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    locked = models.BooleanField(_("locked (answered)"), default=False)

    objects = InstrumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["instrument", "version"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrumentversion_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="instrumentversion_from_1"),
            # Third-party scales are loaded under the installation's licence: say which.
            models.CheckConstraint(
                condition=Q(may_ship=True) | ~Q(licence_note=""),
                name="instrumentversion_licence_noted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.key} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A stored score must keep meaning what it meant: changed content is a new version.
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or set(fields) - {"locked"}):
            raise PermissionError("An instrument version is never edited; load a new version.")
        super().save(*args, **kwargs)

    def specs(self) -> tuple[list[scoring.ItemSpec], scoring.ScaleSpec, scoring.RuleSpec]:
        return scoring.specs_from_json(self.items, self.scale, self.rule)

    def item_texts(self, language: str | None = None) -> list[tuple[str, str]]:
        """(key, text) in the asked language, falling back to the other one."""
        lang = text_language(language)
        other = "da" if lang == "en" else "en"
        return [
            (item["key"], item.get(f"text_{lang}") or item.get(f"text_{other}", ""))
            for item in self.items
        ]

    def labels(self, language: str | None = None) -> list[tuple[int, str]]:
        """(value, label) for every point of the scale."""
        lang = text_language(language)
        other = "da" if lang == "en" else "en"
        labels: list[str] = self.scale.get(f"labels_{lang}") or self.scale.get(
            f"labels_{other}", []
        )
        low, high = int(self.scale["min"]), int(self.scale["max"])
        return [
            (value, labels[i] if i < len(labels) else "")
            for i, value in enumerate(range(low, high + 1))
        ]

    def recall(self, language: str | None = None) -> str:
        if text_language(language) == "en":
            return self.recall_en or self.recall_da
        return self.recall_da or self.recall_en


class ScoreQuerySet(models.QuerySet["Score"]):
    def for_course(self, course: Any) -> ScoreQuerySet:
        return self.filter(course=course)

    def of_instrument(self, key: str) -> ScoreQuerySet:
        return self.filter(version__instrument__key=key)


class Score(models.Model):
    """A score computed by scoring.score, kept with the exact version it was computed by."""

    version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        on_delete=models.PROTECT,
        related_name="scores",
        db_index=False,
    )
    course = models.ForeignKey(
        "referrals.Course",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scores",
        db_index=False,
    )
    administered_on = models.DateField(_("answered on"))
    total = models.FloatField(_("total score"), null=True, blank=True)
    subscales = models.JSONField(_("subscale scores"), default=dict, blank=True)
    answered = models.PositiveSmallIntegerField(_("items answered"))
    missing = models.PositiveSmallIntegerField(_("items missing"))
    prorated = models.BooleanField(_("prorated"), default=False)
    # Why there is no total (scoring.TOO_MANY_MISSING); empty when there is one.
    reason = models.CharField(_("why no score"), max_length=30, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["administered_on", "id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        indexes = [
            models.Index(fields=["course", "administered_on"], name="score_course_day"),
            models.Index(fields=["version", "administered_on"], name="score_version_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True, reason__gt="") | Q(total__isnull=False, reason=""),
                name="score_total_or_reason",
            ),
            models.CheckConstraint(
                condition=Q(answered__gt=0) | Q(total__isnull=True), name="score_needs_answers"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.administered_on}: {self.total}"


class Timepoint(models.TextChoices):
    START = "start", _("At the start")
    DISCHARGE = "discharge", _("At discharge")
    AFTER_3_MONTHS = "after_3_months", _("3 months after discharge")
    END = "end", _("At the end")
    AFTER_CONVERSATION = "after_conversation", _("After a conversation")


class AdministrationStatus(models.TextChoices):
    DUE = "due", _("Due")
    SENT = "sent", _("Link sent")
    PARTIAL = "partial", _("Partly answered")
    COMPLETED = "completed", _("Answered")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = (
    AdministrationStatus.DUE,
    AdministrationStatus.SENT,
    AdministrationStatus.PARTIAL,
)


class AnsweredBy(models.TextChoices):
    PERSON_LINK = "person_link", _("The person, through a link")
    WITH_PEER = "with_peer", _("The person, with the peer")


class AdministrationQuerySet(models.QuerySet["Administration"]):
    def open(self) -> AdministrationQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def for_course(self, course: Any) -> AdministrationQuerySet:
        return self.filter(course=course)

    def visible_to(self, user: Any) -> AdministrationQuerySet:
        """Through the course: accounts/policy.py."""
        return self.filter(policy.course_q(user, "course__"))


class Administration(models.Model):
    """One planned answering of one questionnaire by the person of one course."""

    course = models.ForeignKey(
        "referrals.Course",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="administrations",
        db_index=False,
    )
    version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        on_delete=models.PROTECT,
        related_name="administrations",
    )
    timepoint = models.CharField(_("when"), max_length=20, choices=Timepoint.choices)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AdministrationStatus.choices,
        default=AdministrationStatus.DUE,
    )
    # sha256 of the link token: a copy of the database cannot be used to answer.
    token_hash = models.CharField(max_length=64, blank=True, default="")
    link_expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    completed_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.CharField(
        _("answered by"), max_length=12, choices=AnsweredBy.choices, blank=True
    )
    score = models.OneToOneField(
        Score,
        verbose_name=_("score"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="administration",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("questionnaire administration")
        verbose_name_plural = _("questionnaire administrations")
        indexes = [
            models.Index(fields=["status", "due_on"], name="administration_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "version", "timepoint"], name="administration_unique"
            ),
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~Q(token_hash=""),
                name="administration_token_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="administration_completed_at",
            ),
            models.CheckConstraint(
                condition=Q(token_hash="") | Q(link_expires_at__isnull=False),
                name="administration_link_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.timepoint} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Answer(models.Model):
    """One item's answer; an empty value is a skipped item (kept, so partial work survives)."""

    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="answers",
        db_index=False,
    )
    item_key = models.CharField(max_length=50)
    value = models.SmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["administration", "id"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "item_key"], name="answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.administration_id} {self.item_key}"


class PeerDigest(models.Model):
    """One e-mail to a peer about the questionnaires due in their caseload, one a day.

    The row is the claim: it is inserted in the transaction that sends the e-mail, and the
    unique (user, day) makes a second run that day send nothing (see reminders.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questionnaire_digests",
        db_index=False,
    )
    day = models.DateField(_("day"))
    overdue = models.PositiveIntegerField(_("overdue"))
    due_today = models.PositiveIntegerField(_("due today"))
    coming = models.PositiveIntegerField(_("due within a week"))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "id"]
        verbose_name = _("questionnaire reminder to a peer")
        verbose_name_plural = _("questionnaire reminders to peers")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="peerdigest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
