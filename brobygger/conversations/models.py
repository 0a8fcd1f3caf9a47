"""The peer's note of each conversation, and the discharge guide walked with the person.

Peers are not authorised health persons: these are peer notes written with the person,
not the hospital record (DOMAIN.md §3).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from brobygger.referrals.models import Course
from brobygger.scheduling.models import Appointment


class Audience(models.TextChoices):
    PATIENT = "patient", _("Patients")
    RELATIVE = "relative", _("Relatives")


class GuidePhase(models.TextChoices):
    ADMITTED = "admitted", _("While admitted")
    DISCHARGE_SOON = "discharge_soon", _("Before discharge")
    AFTER = "after", _("After discharge")
    RELATIVE = "relative", _("For relatives")


class Topic(models.Model):
    """One topic of the discharge guide (or the relatives' list): editable data."""

    key = models.SlugField(unique=True)
    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    phase = models.CharField(_("phase"), max_length=16, choices=GuidePhase.choices)
    title_da = models.CharField(_("title (Danish)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150)
    prompts_da = models.TextField(_("questions to talk about (Danish), one per line"), blank=True)
    prompts_en = models.TextField(_("questions to talk about (English), one per line"), blank=True)
    link = models.URLField(_("link"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["audience", "order", "pk"]
        indexes = [models.Index(fields=["audience", "active", "order"], name="topic_list")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "da").startswith("en") else self.title_da

    @property
    def prompts(self) -> list[str]:
        text = self.prompts_en if (get_language() or "da").startswith("en") else self.prompts_da
        return [line.strip() for line in text.splitlines() if line.strip()]


class TopicStatus(models.TextChoices):
    NOT_DISCUSSED = "not_discussed", _("Not discussed")
    DISCUSSED = "discussed", _("Discussed")
    DONE = "done", _("Done")
    NOT_RELEVANT = "not_relevant", _("Not relevant")
    NEEDS_STAFF = "needs_staff", _("Needs follow-up by staff")


class CourseTopic(models.Model):
    """Where one course stands with one topic, and what the person wants to follow up."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="guide", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=TopicStatus.choices, default=TopicStatus.NOT_DISCUSSED
    )
    follow_up = models.CharField(
        _("what the person wants to follow up"), max_length=300, blank=True
    )
    first_covered_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "topic"], name="coursetopic_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.topic_id}: {self.status}"


class Chime(models.TextChoices):
    """The five recovery processes (Leamy et al. 2011): optional coding of a note."""

    CONNECTEDNESS = "connectedness", _("Connectedness")
    HOPE = "hope", _("Hope and optimism")
    IDENTITY = "identity", _("Identity")
    MEANING = "meaning", _("Meaning in life")
    EMPOWERMENT = "empowerment", _("Empowerment")


NOTE_FIELDS = ("purpose", "expectations", "how_doing", "meaningful", "next_steps", "agreements")


class ConversationRecord(models.Model):
    """The note of one held conversation, written with the person."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="record")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    minutes = models.PositiveSmallIntegerField(_("minutes, actually"))
    topics = models.ManyToManyField(
        Topic, verbose_name=_("talked about"), blank=True, related_name="+"
    )
    chime = models.JSONField(_("recovery processes"), default=list, blank=True)
    purpose = models.TextField(_("Purpose of the conversation"), blank=True, max_length=2000)
    expectations = models.TextField(
        _(
            "Expectations and wishes: what the person wants, what the peer can offer, who else "
            "can help"
        ),
        blank=True,
        max_length=2000,
    )
    how_doing = models.TextField(_("How the person is doing"), blank=True, max_length=2000)
    meaningful = models.TextField(
        _("What was meaningful, and what takes up most room now"), blank=True, max_length=2000
    )
    next_steps = models.TextField(
        _("Next step for the person, next joint step, and what the person takes away"),
        blank=True,
        max_length=2000,
    )
    agreements = models.TextField(_("Agreements for next time"), blank=True, max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-appointment__starts_at"]
        indexes = [models.Index(fields=["course", "created_at"], name="record_course")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=480), name="record_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"note {self.appointment_id} v{self.version}"

    def note_data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NOTE_FIELDS} | {
            "minutes": self.minutes,
            "chime": list(self.chime),
        }


class RecordVersion(models.Model):
    """An earlier wording of a note: edits keep history."""

    record = models.ForeignKey(
        ConversationRecord,
        on_delete=models.PROTECT,
        related_name="versions",
        db_index=False,
    )
    version = models.PositiveIntegerField()
    data = models.JSONField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["record", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="recordversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"
