"""Staff users, their role, and the units they belong to."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brobygger.lib import choices


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PEER_WORKER = "peer_worker", _("Peer worker")
    RELATIVE_PEER = "relative_peer", _("Relative peer")
    CLINICIAN = "clinician", _("Referring clinician")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMINISTRATOR = "administrator", _("Administrator")


PEER_ROLES = frozenset({Role.PEER_WORKER, Role.RELATIVE_PEER})


# Employee numbers and unit codes from the region's systems: 1-20 letters, digits, hyphens.
CODE_LENGTH = 20
CODE_RE = r"^[0-9A-Za-z-]{1,20}$"


def code_validator() -> RegexValidator:
    return RegexValidator(
        CODE_RE, message=_("Use 1 to 20 letters (a-z), digits or hyphens, without spaces.")
    )


class UnitKind(models.TextChoices):
    WARD = "ward", _("Ward")
    CLINIC = "clinic", _("Clinic")
    OUTPATIENT_TEAM = "outpatient_team", _("Outpatient team")
    OTHER = "other", _("Other")


class Unit(models.Model):
    """A ward, clinic or outpatient team; optionally with its SOR code."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    # The region's own code for the unit (its HR export names units by it).
    code = models.CharField(
        _("unit code"),
        max_length=CODE_LENGTH,
        blank=True,
        validators=[code_validator()],
        help_text=_("The region's code for the unit, as in its HR export."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    # SOR (Sundhedsvæsenets Organisationsregister) identifiers are 15-18 digits.
    sor_code = models.CharField(_("SOR code"), max_length=18, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["sor_code"], condition=~Q(sor_code=""), name="unit_sor_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(sor_code="") | Q(sor_code__regex=r"^[0-9]{6,18}$"),
                name="unit_sor_code_digits",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="unit_code_unique",
                violation_error_message=_("Another unit already has this unit code."),
            ),
            models.CheckConstraint(
                condition=Q(code="") | Q(code__regex=CODE_RE), name="unit_code_form"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="da"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The region's employee number (lønnummer): the payroll file and the HR import know
    # staff by it. One region per installation, so unique across all units.
    employee_number = models.CharField(
        _("employee number"),
        max_length=CODE_LENGTH,
        blank=True,
        validators=[code_validator()],
        help_text=_("As in the region's payroll system: letters, digits and hyphens."),
    )
    units: models.ManyToManyField[Unit, Membership] = models.ManyToManyField(
        Unit, through="Membership", related_name="members", blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]) | Q(is_superuser=True),
                name="user_role_valid",
            ),
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="user_employee_number_unique",
                violation_error_message=_("Another user already has this employee number."),
            ),
            models.CheckConstraint(
                condition=Q(employee_number="") | Q(employee_number__regex=CODE_RE),
                name="user_employee_number_form",
            ),
        ]

    @property
    def is_peer(self) -> bool:
        return self.role in PEER_ROLES

    @property
    def role_label(self) -> str:
        """The role as `get_role_display()` shows it, without its dict of every choice
        (lib/choices.py): the header shows it on every page."""
        return choices.label(Role, self.role)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def needs_two_factor(self) -> bool:
        if not settings.DEMO_MODE:
            return True
        return self.role in settings.TWO_FACTOR_ALWAYS_ROLES or self.is_superuser


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class Session(AbstractBaseSession):
    """A signed-in (or anonymous) browser's session: Django's database session with the
    signed-in user's key in a column of its own (issue 19).

    Every signed-in request reads its session and then its user. With the user's key in
    the row, one statement reads both (accounts/sessions.py): the server answers once, not
    twice. The column is set from the session's data each time the session is saved
    (login sets the data; logout deletes the row), and a session whose user is deleted
    goes with it.
    """

    # No constraint in the database: a session saved by a request still under way when
    # its user is deleted must not fail that request; it is then simply nobody's (the
    # user's sessions are deleted with the user by Django).
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="sessions",
        verbose_name=_("user"),
    )

    class Meta(AbstractBaseSession.Meta):  # type: ignore[name-defined]
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from .sessions import SessionStore

        return SessionStore
