"""Referrals (the way in) and courses of support (forløb)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.accounts.models import Unit
from brobygger.lib import choices
from brobygger.people.models import (
    AgeBand,
    ExperienceTag,
    Gender,
    Language,
    PeerWorker,
    Person,
    Relationship,
)


class ReferralSource(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    SELF = "self", _("Self-referral")
    RELATIVE = "relative", _("Relative on behalf of the person")
    COORDINATOR = "coordinator", _("Entered by the coordinator")


class ReferralStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    MATCHED = "matched", _("Matched")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_CONTACT = "no_contact", _("No contact")


OPEN_STATUSES = (ReferralStatus.NEW, ReferralStatus.TRIAGED, ReferralStatus.MATCHED)


class TreatmentSetting(models.TextChoices):
    INPATIENT = "inpatient", _("Admitted")
    OUTPATIENT = "outpatient", _("Outpatient")
    NONE = "none", _("Not in treatment")


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user: Any) -> ReferralQuerySet:
        """Coordinators: their units'; clinicians: their own; peers: matches proposed to
        them (accounts/policy.py)."""
        return self.filter(policy.referral_q(user))


class Referral(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(_("source"), max_length=12, choices=ReferralSource.choices)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    treatment_setting = models.CharField(
        _("treatment"),
        max_length=12,
        choices=TreatmentSetting.choices,
        default=TreatmentSetting.NONE,
    )
    expected_discharge = models.DateField(_("expected discharge date"), null=True, blank=True)
    reason = models.TextField(
        _("what the person would like help with"), max_length=2000, blank=True
    )
    wanted_tags = models.ManyToManyField(
        ExperienceTag,
        verbose_name=_("experience the person would like to meet"),
        blank=True,
        related_name="+",
    )
    gender_wish = models.CharField(
        _("wished gender of the peer"), max_length=10, choices=Gender.choices, blank=True
    )
    gender_required = models.BooleanField(_("the gender is a must"), default=False)
    age_band_wish = models.CharField(
        _("wished age of the peer"), max_length=5, choices=AgeBand.choices, blank=True
    )
    age_band_required = models.BooleanField(_("the age is a must"), default=False)
    language_wish = models.CharField(
        _("language of the conversations"),
        max_length=5,
        choices=Language.choices,
        default=Language.DA,
    )
    language_required = models.BooleanField(_("the language is a must"), default=False)
    wishes = models.CharField(_("other wishes"), max_length=500, blank=True)
    peer = models.ForeignKey(
        PeerWorker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("peer"),
    )
    # Set when the referral may concern a person already on file (name, birth date, phone).
    possible_duplicate = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    referrer_name = models.CharField(_("referred by (name)"), max_length=200, blank=True)
    # A relative's attachment to the person they are close to, who may not be on file
    # (DOMAIN.md §4); a patient on file is linked with a RelativeLink instead.
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, blank=True
    )
    received_at = models.DateTimeField(_("received"))
    status_changed_at = models.DateTimeField(_("status changed"))

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["status", "received_at"], name="referral_status_received"),
            models.Index(fields=["unit", "status"], name="referral_unit_status"),
            models.Index(fields=["referred_by", "received_at"], name="referral_by_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="clinician", referred_by__isnull=False) | ~Q(source="clinician"),
                name="referral_clinician_named",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    # get_status_display() and get_source_display() for the queue's rows (lib/choices.py).
    @property
    def status_label(self) -> str:
        return choices.label(ReferralStatus, self.status)

    @property
    def source_label(self) -> str:
        return choices.label(ReferralSource, self.source)


class Phase(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    DISCHARGE_SOON = "discharge_soon", _("About to be discharged")
    DISCHARGED = "discharged", _("Discharged")
    FOLLOW_UP = "follow_up", _("Follow-up")


class SupportModel(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual conversations")
    GROUP = "group", _("Recovery group")
    RELATIVE = "relative", _("Relatives' support")
    BRIDGE = "bridge", _("Bridge after discharge")


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Completed as planned")
    PERSON_ENDED = "person_ended", _("The person ended it")
    NO_CONTACT = "no_contact", _("No contact")
    PEER_LEFT = "peer_left", _("The peer left")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    DIED = "died", _("The person has passed away")
    MOVED = "moved", _("The person moved from the region or cannot be reached")
    OTHER = "other", _("Other")


class CourseQuerySet(models.QuerySet["Course"]):
    def active(self) -> CourseQuerySet:
        return self.filter(ended_on__isnull=True)

    def visible_to(self, user: Any, *, glass: bool = False) -> CourseQuerySet:
        """Coordinators: their units'; a peer: their own, while active and for
        PEER_READ_AFTER_END_DAYS after the end (accounts/policy.py). `glass`: and the
        courses of the persons of the user's break-the-glass grants (read-only pages)."""
        return self.filter(policy.course_q(user, glass=glass))


class Course(models.Model):
    """Forløb: one person with one peer over time."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="courses")
    peer = models.ForeignKey(
        PeerWorker, on_delete=models.PROTECT, related_name="courses", db_index=False
    )
    referral = models.OneToOneField(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="course"
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        db_index=False,
    )
    support_model = models.CharField(
        _("support model"),
        max_length=12,
        choices=SupportModel.choices,
        default=SupportModel.INDIVIDUAL,
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True)
    started_on = models.DateField(_("start"))
    admitted_on = models.DateField(_("admitted"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged"), null=True, blank=True)
    follow_up_until = models.DateField(_("follow-up until"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    closing_summary = models.TextField(
        _("closing summary, written with the person"), blank=True, max_length=3000
    )
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            models.Index(fields=["peer", "ended_on"], name="course_peer_ended"),
            models.Index(fields=["unit", "ended_on"], name="course_unit_ended"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="course_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                name="course_end_has_reason",
            ),
            models.UniqueConstraint(
                fields=["person", "peer"],
                condition=Q(ended_on__isnull=True),
                name="course_one_active_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class RelativePlan(models.Model):
    """The plan agreed with a relative on their course: what support, by whom, the next
    step. Each save is a new version; earlier versions are kept, never changed."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="relative_plans", db_index=False
    )
    version = models.PositiveIntegerField()
    support = models.TextField(_("what support"), max_length=1000)
    by_whom = models.CharField(_("by whom"), max_length=200)
    next_step = models.CharField(_("next step"), max_length=500)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written"))

    class Meta:
        ordering = ["course", "-version"]
        verbose_name = _("plan agreed with the relative")
        verbose_name_plural = _("plans agreed with relatives")
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="relativeplan_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="relativeplan_version_1"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} v{self.version}"
