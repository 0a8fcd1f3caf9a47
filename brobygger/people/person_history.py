"""A person's history beyond the row itself: corrections of their data (GDPR art. 16)
and stops of processing (death, a move away, a restriction: GDPR art. 18).

Models of the people app; `people/models.py` imports them, so they are registered there
and reached as `brobygger.people.models.PersonCorrection` and so on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.lib import cpr

from .models import Person


class PersonCorrection(models.Model):
    """One corrected field of a person, with the value it had: correction keeps history
    (GDPR art. 16; the record shows what was on file and when it changed).

    Only identifying and contact fields are kept here (CORRECTED_FIELDS in services);
    the value is shown masked where the field is the CPR number. Erasing the person
    erases these rows too: they hold the old name.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("old value"), max_length=200, blank=True)
    new_value = models.CharField(_("new value"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [models.Index(fields=["person", "changed_at"], name="correction_person_at")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.field}"

    @property
    def field_label(self) -> str:
        field = Person._meta.get_field(self.field)
        return str(getattr(field, "verbose_name", self.field))

    @property
    def is_address(self) -> bool:
        return self.field in ("street", "postal_code", "city")

    def shown_value(self, value: str) -> str:
        """CPR numbers masked, as everywhere on screen (DOMAIN.md §5)."""
        return cpr.mask(value) if self.field == "cpr" and value else value

    @property
    def old_shown(self) -> str:
        return self.shown_value(self.old_value)

    @property
    def new_shown(self) -> str:
        return self.shown_value(self.new_value)


class StopKind(models.TextChoices):
    """Why nothing new may start with a person (issues 17 and 18)."""

    DIED = "died", _("Deceased")
    MOVED = "moved", _("Moved from the region or no longer reachable")
    RESTRICTED = "restricted", _("Processing restricted")


class ProcessingStopQuerySet(models.QuerySet["ProcessingStop"]):
    def current(self) -> ProcessingStopQuerySet:
        return self.filter(lifted_at__isnull=True)


class ProcessingStop(models.Model):
    """This person may not start anything new: a death, a move away, or a restriction of
    processing (GDPR art. 18). One mechanism for all three: `people.services.ensure_may_start`
    is the guard every path that starts something calls. Rows are never deleted: lifting
    a move or a restriction keeps the row as history. A death is not lifted.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="stops", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=StopKind.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.CharField(_("reason for lifting"), max_length=500, blank=True)

    objects = ProcessingStopQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "id"]
        verbose_name = _("stop of processing")
        verbose_name_plural = _("stops of processing")
        indexes = [models.Index(fields=["person", "lifted_at"], name="stop_person_lifted")]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(kind="died"),
                name="stop_death_not_lifted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.person_id})"
