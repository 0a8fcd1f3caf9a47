from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from brobygger.accounts.models import Unit
from brobygger.groups.forms import TimeInput
from brobygger.people.forms import DateInput
from brobygger.people.models import PeerKind, PeerWorker
from brobygger.scheduling.forms import OverrideMixin

from .models import (
    MAX_SESSION_MINUTES,
    MAX_TARGET_DAYS,
    MIN_SESSION_MINUTES,
    MIN_TARGET_DAYS,
    EducationRecordStatus,
    ProviderKind,
)
from .services import MAX_COST, MAX_HOURS


class EducationForm(forms.Form):
    title = forms.CharField(
        label=pgettext_lazy("education", "Course"),
        max_length=200,
        help_text=_("For example: Peer education, modules 1 to 3."),
    )
    provider = forms.CharField(
        label=_("Provider"),
        max_length=200,
        help_text=_("Who runs the course, for example the region's peer education."),
    )
    starts_on = forms.DateField(label=_("Starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=EducationRecordStatus.choices)
    hours = forms.DecimalField(
        label=_("Hours of teaching"),
        min_value=Decimal(0),
        max_value=MAX_HOURS,
        decimal_places=1,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
        help_text=_("Counted as working time on the timesheet while it runs."),
    )
    cost = forms.DecimalField(
        label=_("Cost in kroner"),
        min_value=Decimal(0),
        max_value=MAX_COST,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    paid_by_employer = forms.BooleanField(
        label=_("Paid by the employer"),
        required=False,
        initial=True,
        help_text=_("The employer pays when a new peer has no peer education."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The course must end on or after the day it starts."))
        return data


class PeerFilterForm(forms.Form):
    """The overview's filters; kept in the URL (ids and codes only, never names)."""

    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *PeerKind.choices]
    )
    flags = forms.BooleanField(label=_("Only peers with a flag"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class SupervisionGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    provider_kind = forms.ChoiceField(label=_("Kind of provider"), choices=ProviderKind.choices)
    provider_name = forms.CharField(
        label=_("Provider"),
        max_length=150,
        help_text=_("The user organisation, peer network or supervisor's firm."),
    )
    supervisor_name = forms.CharField(label=_("Supervisor"), required=False, max_length=150)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Across units"),
    )
    target_days = forms.IntegerField(
        label=_("Each member at least every (days)"),
        min_value=MIN_TARGET_DAYS,
        max_value=MAX_TARGET_DAYS,
        initial=28,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_(
            "28 days is every four weeks. A member who has not attended within it is "
            "flagged as overdue."
        ),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        required=False,
        queryset=PeerWorker.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, units: QuerySet[Unit], peers: QuerySet[PeerWorker], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["members"].queryset = peers  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.name} ({p.get_kind_display()})"
        )


class SupervisionGroupEditForm(OverrideMixin, SupervisionGroupForm):
    """Changing the group: who joins takes part in its coming sessions, so "Book anyway"
    and why, when one of those times does not suit them."""


class SessionForm(OverrideMixin):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    minutes = forms.IntegerField(
        label=_("Length in minutes"),
        min_value=MIN_SESSION_MINUTES,
        max_value=MAX_SESSION_MINUTES,
        initial=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "15"}),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    themes = forms.CharField(
        label=_("Themes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "In general words, for example: boundaries in conversations, using one's own "
            "experience. No names and nothing that points to one person."
        ),
    )
    confirm = forms.BooleanField(
        label=_("The themes are in general words and point to nobody"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "Book anyway" shows once the service asked for it, and stays while ticked.
        self.outside = self.show_override()
