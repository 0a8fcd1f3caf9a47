"""Persons supported by the programme, and the peer workers who support them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from brobygger.accounts import policy
from brobygger.accounts.models import Role, Unit
from brobygger.lib import choices, cpr


class PersonKind(models.TextChoices):
    PATIENT = "patient", _("Patient")
    RELATIVE = "relative", _("Relative")


class Gender(models.TextChoices):
    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    A18_29 = "18-29", _("18-29 years")
    A30_44 = "30-44", _("30-44 years")
    A45_59 = "45-59", _("45-59 years")
    A60 = "60+", _("60 years or older")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")


class Language(models.TextChoices):
    DA = "da", _("Danish")
    EN = "en", _("English")
    AR = "ar", _("Arabic")
    TR = "tr", _("Turkish")
    PL = "pl", _("Polish")
    UK = "uk", _("Ukrainian")
    SO = "so", _("Somali")
    DE = "de", _("German")
    FA = "fa", _("Persian")
    UR = "ur", _("Urdu")


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any, *, glass: bool = False) -> PersonQuerySet:
        """The persons `user` has a current purpose to look at: accounts/policy.py.
        `glass`: and those of the user's break-the-glass grants (read-only pages only)."""
        return self.filter(policy.person_q(user, glass=glass))

    def search(self, text: str) -> PersonQuerySet:
        """Every word must match a name or a phone number. A number is told apart by its
        digits: 10 digits (with or without the dash) is a CPR number; a number with +45 or
        0045 is a phone number; 6 to 9 digits may be a Danish phone number (8 digits) or
        the start of a CPR number, so both are searched; fewer digits search the phone.
        Phone numbers match however they were typed in ("30 40 50 60")."""
        text = " ".join(text.split())
        if not text:
            return self
        compact = text.replace(" ", "").replace("-", "")
        if compact.lstrip("+").isdigit():
            return self.annotate(phone_digits=_phone_digits()).filter(_number_q(compact))
        condition = Q()
        for word in text.split(" "):
            match = Q(given_name__icontains=word) | Q(family_name__icontains=word)
            digits = word.replace("-", "")
            if digits.lstrip("+").isdigit():
                match |= Q(phone_digits__contains=digits.lstrip("+"))
            else:
                match |= Q(phone__icontains=word)
            condition &= match
        return self.annotate(phone_digits=_phone_digits()).filter(condition)


def _phone_digits() -> Func:
    """The phone as typed, without spaces, dashes and the plus: "+45 30 40-50 60" → 4530405060."""
    value: Func = Replace(F("phone"), Value(" "), Value(""))
    for mark in ("-", "+", "(", ")"):
        value = Replace(value, Value(mark), Value(""))
    return value


def _number_q(compact: str) -> Q:
    """What a number alone searches: CPR, phone or both (see PersonQuerySet.search)."""
    international = compact.startswith("+") or compact.startswith("00")
    digits = compact.lstrip("+")
    if digits.startswith("0045"):
        digits = digits[4:]
    elif international and digits.startswith("45"):
        digits = digits[2:]
    if international:
        return Q(phone_digits__contains=digits)
    if len(digits) == 10:
        return Q(cpr=digits)
    phone = Q(phone_digits__contains=digits)
    if len(digits) >= 6:
        return phone | Q(cpr__startswith=digits)
    return phone


class Person(models.Model):
    """A patient or a relative. A relative may be supported with no patient on file."""

    kind = models.CharField(_("kind"), max_length=10, choices=PersonKind.choices)
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    cpr = models.CharField(_("CPR number"), max_length=10, null=True, blank=True, unique=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.DA
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    street = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Navne- og adressebeskyttelse: the address is never shown, printed or exported.
    protected_address = models.BooleanField(_("protected address"), default=False)
    contact_channel = models.CharField(
        _("preferred contact"),
        max_length=10,
        choices=ContactChannel.choices,
        default=ContactChannel.PHONE,
    )
    contact_times = models.CharField(_("when to contact"), max_length=200, blank=True)
    preferred_times = models.CharField(
        _("preferred time of day"),
        max_length=10,
        blank=True,
        choices=[
            ("morning", _("Morning")),
            ("afternoon", _("Afternoon")),
            ("evening", _("Evening")),
        ],
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["unit", "kind"], name="person_unit_kind"),
            models.Index(fields=["family_name", "given_name"], name="person_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cpr__isnull=True) | Q(cpr__regex=r"^[0-9]{10}$"),
                name="person_cpr_ten_digits",
            ),
            models.CheckConstraint(
                condition=Q(postal_code="") | Q(postal_code__regex=r"^[0-9]{4}$"),
                name="person_postal_code_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def kind_label(self) -> str:
        """get_kind_display() for the rows of lists (lib/choices.py)."""
        return choices.label(PersonKind, self.kind)

    @property
    def masked_cpr(self) -> str:
        return cpr.mask(self.cpr)

    @property
    def address_lines(self) -> list[str]:
        """The address for display; empty when it is protected."""
        if self.protected_address:
            return []
        city = f"{self.postal_code} {self.city}".strip()
        return [line for line in (self.street, city) if line]


class Relationship(models.TextChoices):
    PARENT = "parent", _("Parent")
    PARTNER = "partner", _("Partner or spouse")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    FRIEND = "friend", _("Friend")
    OTHER = "other", _("Other close relation")


class RelativeLinkQuerySet(models.QuerySet["RelativeLink"]):
    def visible_to(self, user: Any) -> RelativeLinkQuerySet:
        """Links shown with the patient's consent (and to the coordinator): policy.py."""
        return self.filter(policy.relative_link_q(user))


class RelativeLink(models.Model):
    """A relative's real attachment to a patient (a good friend counts)."""

    relative = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="patient_links", db_index=False
    )
    patient = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relative_links")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)

    objects = RelativeLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["relative", "patient"], name="relativelink_unique"),
            models.CheckConstraint(
                condition=~Q(relative=models.F("patient")), name="relativelink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relative_id} -> {self.patient_id}"


class MergedPerson(models.Model):
    """A person record merged into another: the old id stays findable.

    The access log names persons by id and is append-only; after a merge the report of
    who looked at the kept person must also show the looks at the merged id (a person's
    right to know who looked at them). A later merge of `into`
    moves these rows on as well, so a chain of merges stays whole.
    """

    merged_id = models.BigIntegerField(_("merged person id"), unique=True)
    into = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merged_ids")
    merged_at = models.DateTimeField(_("merged"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["merged_at", "id"]
        verbose_name = _("merged person")
        verbose_name_plural = _("merged persons")

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.into_id}"


class AccessRequestQuerySet(models.QuerySet["PersonAccessRequest"]):
    def open(self) -> AccessRequestQuerySet:
        return self.filter(answered_at__isnull=True)

    def for_coordinator(self, user: Any) -> AccessRequestQuerySet:
        """Requests about persons of `user`'s units: their coordinators answer them."""
        if getattr(user, "role", None) != Role.COORDINATOR:
            return self.none()
        return self.filter(person__unit__in=user.units.all())


class PersonAccessRequest(models.Model):
    """A coordinator asks to work with a person registered outside their units.

    Made from the registration form when a CPR number cannot be used there (issue 16).
    The coordinators of the person's unit see it and contact the requester; the
    requester is told nothing about the person.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="access_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    reason = models.CharField(_("why you need access"), max_length=300)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        constraints = [
            # One open request per requester and person: asking twice adds nothing.
            models.UniqueConstraint(
                fields=["person", "requested_by"],
                condition=Q(answered_at__isnull=True),
                name="accessrequest_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requested_by_id} -> {self.person_id}"


class ExperienceTag(models.Model):
    """A kind of lived experience a peer may choose to share (for recognition)."""

    slug = models.SlugField(unique=True)
    name_da = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)

    class Meta:
        ordering = ["name_da"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "da").startswith("en") else self.name_da


class PeerKind(models.TextChoices):
    PATIENT_PEER = "patient_peer", _("Peer worker")
    RELATIVE_PEER = "relative_peer", _("Relative peer")
    PARENT_PEER = "parent_peer", _("Parent peer")


class EducationStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PLANNED = "planned", _("Planned")
    NONE = "none", _("None")


class PeerWorkerQuerySet(models.QuerySet["PeerWorker"]):
    def active(self) -> PeerWorkerQuerySet:
        return self.filter(user__is_active=True)

    def visible_to(self, user: Any) -> PeerWorkerQuerySet:
        """Coordinators: the peers of their own units; peers: themselves (policy.py)."""
        return self.filter(policy.peer_worker_q(user))


class PeerWorker(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer_profile"
    )
    kind = models.CharField(_("kind of peer"), max_length=20, choices=PeerKind.choices)
    experience_tags = models.ManyToManyField(
        ExperienceTag, verbose_name=_("experience shared"), blank=True, related_name="peers"
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices, blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="peers")
    hours_min = models.DecimalField(
        _("contract hours per week, from"), max_digits=4, decimal_places=1
    )
    hours_max = models.DecimalField(
        _("contract hours per week, to"), max_digits=4, decimal_places=1
    )
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    education_status = models.CharField(
        _("peer education"),
        max_length=10,
        choices=EducationStatus.choices,
        default=EducationStatus.NONE,
    )

    objects = PeerWorkerQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "id"]
        verbose_name = _("peer worker")
        verbose_name_plural = _("peer workers")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_min__gt=0)
                & Q(hours_min__lte=models.F("hours_max"))
                & Q(hours_max__lte=37),
                name="peer_hours_band",
            ),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_end__gt=models.F("contract_start")),
                name="peer_contract_period",
            ),
        ]

    def __str__(self) -> str:
        return self.user.display_name

    @property
    def name(self) -> str:
        return self.user.display_name


class ConsentKind(models.TextChoices):
    CONTACT = "contact", _("To be contacted by a peer")
    STORE_NOTES = "store_notes", _("To keep notes from the conversations")
    QUESTIONNAIRES = "questionnaires", _("To be sent questionnaires")
    SHARE_WITH_RELATIVES = "share_relatives", _("To share information with relatives")


class SharedItem(models.TextChoices):
    """What a patient may let a relative's peer know (Sundhedsloven §§ 40, 43): each is
    shown on the relative's course page only while the consent naming it is current."""

    PHASE = "phase", _("The phase of the course (admitted, discharged ...)")
    APPOINTMENTS = "appointments", _("Coming appointments with the peer")
    GUIDE = "guide", _("Progress with the discharge guide")


class ConsentSource(models.TextChoices):
    VERBAL = "verbal", _("Given verbally")
    WRITTEN = "written", _("Given in writing")
    ONLINE = "online", _("Given on the public form")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def current(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """What a person has agreed to; withdrawal takes effect everywhere at once.

    Sharing with relatives names the recipient and the scope (Sundhedsloven §§ 40, 43):
    never the record itself.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consents", db_index=False
    )
    kind = models.CharField(_("consent to"), max_length=20, choices=ConsentKind.choices)
    recipient = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    scope = models.CharField(_("what may be shared"), max_length=300, blank=True)
    # The SharedItem values the relative's course page may show; empty: nothing of them.
    shared_items = models.JSONField(_("shared on the relative's page"), default=list, blank=True)
    source = models.CharField(_("how it was given"), max_length=10, choices=ConsentSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_note = models.CharField(_("note on the withdrawal"), max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "id"]
        indexes = [models.Index(fields=["person", "kind", "withdrawn_at"], name="consent_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.person_id})"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    @property
    def shared_item_labels(self) -> list[str]:
        return [str(SharedItem(v).label) for v in self.shared_items if v in SharedItem.values]


class PeerPauseQuerySet(models.QuerySet["PeerPause"]):
    def current(self) -> PeerPauseQuerySet:
        """Pauses not cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def on(self, day: Any) -> PeerPauseQuerySet:
        """Pauses in force on `day` (both ends included)."""
        return self.current().filter(starts_on__lte=day, ends_on__gte=day)

    def not_over(self, day: Any) -> PeerPauseQuerySet:
        """Pauses in force on `day` or still to come."""
        return self.current().filter(ends_on__gte=day)


class PeerPause(models.Model):
    """A period in which the peer takes no new courses; the courses they have go on.

    The reason is in general words ("holiday", "a break"): never health details.
    """

    peer = models.ForeignKey(
        PeerWorker, on_delete=models.CASCADE, related_name="pauses", db_index=False
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to and including"))
    reason = models.CharField(_("reason, in general words"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PeerPauseQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("pause from new courses")
        verbose_name_plural = _("pauses from new courses")
        indexes = [models.Index(fields=["peer", "ends_on"], name="peerpause_peer_ends")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="peerpause_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer_id}: {self.starts_on} to {self.ends_on}"


class PeerDeparture(models.Model):
    """A peer leaves the programme: planned with a last working day, completed by the
    coordinator's handover of every active course (nothing is left without a peer)."""

    peer = models.OneToOneField(PeerWorker, on_delete=models.CASCADE, related_name="departure")
    last_day = models.DateField(_("last working day"))
    note = models.CharField(_("note, in general words"), max_length=200, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    planned_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        indexes = [models.Index(fields=["completed_at", "last_day"], name="departure_done_day")]

    def __str__(self) -> str:
        return f"{self.peer_id} leaves {self.last_day}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def has_left(self) -> bool:
        """Handed over and past the last working day."""
        from django.utils import timezone

        return self.is_completed and self.last_day < timezone.localdate()


# Corrections and stops of processing live in their own module; imported here so Django
# registers them with the app (and callers keep importing them from people.models).
from .person_history import (  # noqa: E402, F401
    PersonCorrection,
    ProcessingStop,
    ProcessingStopQuerySet,
    StopKind,
)
