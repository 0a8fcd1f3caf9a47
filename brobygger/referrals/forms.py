from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.lib import cpr
from brobygger.lib.widgets import FastSelect
from brobygger.people.forms import DateInput
from brobygger.people.models import (
    AgeBand,
    ContactChannel,
    ExperienceTag,
    Gender,
    Language,
    PeerWorker,
    Person,
    PersonKind,
    Relationship,
    SharedItem,
)

from .models import EndReason, Phase, ReferralStatus, SupportModel, TreatmentSetting

WAITING_CHOICES = [
    ("", _("Any")),
    ("7", _("More than 7 days")),
    ("14", _("More than 14 days")),
    ("30", _("More than 30 days")),
]


class QueueFilterForm(forms.Form):
    # FastSelect: the unit filter lists every unit of the coordinator (lib/widgets.py).
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open referrals")), ("all", _("All")), *ReferralStatus.choices],
        widget=FastSelect,
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        widget=FastSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Patients and relatives")), *PersonKind.choices],
        widget=FastSelect,
    )
    waiting = forms.ChoiceField(
        label=_("Waiting"), required=False, choices=WAITING_CHOICES, widget=FastSelect
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    # No status is preselected: the first choice is "choose", never a rejection.
    to = forms.ChoiceField(
        label=_("New status"),
        choices=[("", _("Choose a status…")), *ReferralStatus.choices],
        error_messages={"required": _("Choose the new status.")},
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    confirm = forms.BooleanField(
        label=_("Yes, this ends the referral"),
        required=False,
        help_text=_("Needed when the referral is declined, withdrawn, closed or not reached."),
    )
    # The status the page showed: a click on a referral that has moved on since loses.
    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        from .services import REASON_REQUIRED

        if data.get("to") in REASON_REQUIRED and not data.get("confirm"):
            self.add_error(
                "confirm",
                _("Tick the box to confirm: this ends the referral and cannot be undone."),
            )
        return data


class AssignForm(forms.Form):
    peer = forms.ModelChoiceField(
        label=_("Peer"),
        queryset=PeerWorker.objects.none(),
        # The list offers only peers who can take the work now (a stale page may not).
        error_messages={
            "invalid_choice": _(
                "This peer cannot take a new course now (on pause, leaving, or not of the "
                "right kind). Choose another peer."
            )
        },
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args: Any, peers: QuerySet[PeerWorker], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = peers  # type: ignore[attr-defined]
        self.fields["peer"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.name} ({p.get_kind_display()}, {p.caseload})"
        )


class WishesMixin(forms.Form):
    """What the person wishes of the peer: a must only when the person says so."""

    gender_wish = forms.ChoiceField(
        label=_("Gender of the peer"), required=False, choices=[("", _("No wish")), *Gender.choices]
    )
    gender_required = forms.BooleanField(label=_("The gender is a must"), required=False)
    language_wish = forms.ChoiceField(
        label=_("Language of the conversations"), choices=Language.choices, initial=Language.DA
    )
    language_required = forms.BooleanField(label=_("The language is a must"), required=False)
    age_band_wish = forms.ChoiceField(
        label=_("Age of the peer"), required=False, choices=[("", _("No wish")), *AgeBand.choices]
    )
    age_band_required = forms.BooleanField(label=_("The age is a must"), required=False)
    wanted_tags = forms.ModelMultipleChoiceField(
        label=_("Experience the person would like to meet in a peer"),
        required=False,
        queryset=ExperienceTag.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    wishes = forms.CharField(
        label=_("Other wishes"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralForm(WishesMixin):
    """A clinician's (or the coordinator's) referral of a patient or a relative."""

    kind = forms.ChoiceField(
        label=_("The person is"),
        choices=PersonKind.choices,
        widget=forms.RadioSelect,
        initial=PersonKind.PATIENT,
    )
    relationship = forms.ChoiceField(
        label=_("A relative: their relationship to the person they are close to"),
        required=False,
        choices=[("", "—"), *Relationship.choices],
        help_text=_("Only for a relative. The person they are close to need not be on file."),
    )
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100)
    cpr = forms.CharField(
        label=_("CPR number"),
        required=False,
        max_length=20,
        help_text=_("Optional. DDMMYY-SSSS."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    phone = forms.RegexField(
        label=_("Phone"),
        max_length=30,
        required=False,
        regex=r"^\+?[0-9 ]{8,20}$",
        error_messages={"invalid": _("Write a phone number with 8 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    contact_channel = forms.ChoiceField(
        label=_("Preferred contact"), choices=ContactChannel.choices
    )
    contact_times = forms.CharField(label=_("When to contact"), required=False, max_length=200)
    treatment_setting = forms.ChoiceField(
        label=_("Treatment"), choices=TreatmentSetting.choices, initial=TreatmentSetting.INPATIENT
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    expected_discharge = forms.DateField(
        label=_("Expected discharge date"), required=False, widget=DateInput()
    )
    reason = forms.CharField(
        label=_("What the person would like help with, in plain words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent_contact = forms.BooleanField(
        label=_("The person has agreed to be contacted by a peer"),
        error_messages={
            "required": _(
                "A peer may only contact the person with their consent. Ask the person first."
            )
        },
    )
    consent_written = forms.BooleanField(
        label=_("The consent was given in writing"), required=False
    )

    field_order = [
        "kind",
        "relationship",
        "given_name",
        "family_name",
        "cpr",
        "phone",
        "email",
        "contact_channel",
        "contact_times",
        "treatment_setting",
        "unit",
        "expected_discharge",
        "reason",
    ]

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean_cpr(self) -> str | None:
        value = (self.cleaned_data.get("cpr") or "").strip()
        return cpr.validate(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("treatment_setting") == TreatmentSetting.INPATIENT and not data.get("unit"):
            self.add_error("unit", _("Choose the ward the person is admitted to."))
        if data.get("expected_discharge") and data.get("treatment_setting") != "inpatient":
            self.add_error(
                "expected_discharge",
                _("An expected discharge date only applies to admitted patients."),
            )
        if not data.get("phone") and not data.get("email"):
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        if data.get("kind") == PersonKind.RELATIVE and not data.get("relationship"):
            self.add_error("relationship", _("Choose the relative's relationship."))
        if data.get("kind") != PersonKind.RELATIVE:
            data["relationship"] = ""
        return data


class CourseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *Phase.choices])
    support_model = forms.ChoiceField(label=_("Support model"), choices=SupportModel.choices)
    admitted_on = forms.DateField(label=_("Admitted"), required=False, widget=DateInput())
    discharged_on = forms.DateField(label=_("Discharged"), required=False, widget=DateInput())
    follow_up_until = forms.DateField(
        label=_("Follow-up until"), required=False, widget=DateInput()
    )


# Ended elsewhere: a peer who leaves hands the course over (the workforce page); a death
# or a move is recorded on the person's page and ends every course of the person.
PERSON_PAGE_REASONS = frozenset({EndReason.PEER_LEFT, EndReason.DIED, EndReason.MOVED})


class EndCourseForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    # A peer who leaves hands the course over (the workforce page): the support goes on.
    reason = forms.ChoiceField(
        label=_("Why did it end?"),
        choices=[(k, v) for k, v in EndReason.choices if k not in PERSON_PAGE_REASONS],
        help_text=_(
            "Is the peer leaving? Then use “The peer leaves” on the peer's page instead: the "
            "courses are handed over to other peers, and the person's support goes on."
        ),
    )
    summary = forms.CharField(
        label=_("A short summary, written with the person"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What has changed, what helped, and what comes next. The person gets a copy."),
    )


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Consent to"), choices=())
    source = forms.ChoiceField(label=_("How it was given"), choices=())
    recipient = forms.ModelChoiceField(
        label=_("Relative who may be told"), required=False, queryset=Person.objects.none()
    )
    scope = forms.CharField(
        label=_("What may be shared"),
        required=False,
        max_length=300,
        help_text=_(
            "For example: that the person is admitted, discharge "
            "plans, appointments. Never the record itself."
        ),
    )
    shared_items = forms.MultipleChoiceField(
        label=_("What the relative's peer may see"),
        required=False,
        choices=SharedItem.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for sharing with a relative. Tick nothing to share none of these."),
    )

    def __init__(self, *args: Any, relatives: Any, **kwargs: Any) -> None:
        from brobygger.people.models import ConsentKind, ConsentSource

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ConsentKind.choices  # type: ignore[attr-defined]
        self.fields["source"].choices = [  # type: ignore[attr-defined]
            c for c in ConsentSource.choices if c[0] != ConsentSource.ONLINE
        ]
        self.fields["recipient"].queryset = relatives  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)


class StopForm(forms.Form):
    """A death, a move away or a restriction of processing (lifecycle.stopping)."""

    on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason and source"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example who told us, and when. Do not write health details here."),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].label = STOP_DATE_LABELS[kind]


STOP_DATE_LABELS = {
    "died": _("Date of death"),
    "moved": _("Moved or lost contact on"),
    "restricted": _("Restricted from"),
}


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why may work resume?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RelativePlanForm(forms.Form):
    """The plan agreed with the relative (referrals.relatives)."""

    support = forms.CharField(
        label=_("What support the relative wants"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In the relative's own words, about their own situation."),
    )
    by_whom = forms.CharField(
        label=_("By whom"),
        max_length=200,
        help_text=_("For example the relative peer, a relatives' group, the ward's staff."),
    )
    next_step = forms.CharField(
        label=_("Next step"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
