"""The short concern form, the acknowledgement's close form, the crisis card."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConcernOutcome, Urgency


class ConcernForm(forms.Form):
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"), choices=Urgency.choices, widget=forms.RadioSelect
    )
    what_happened = forms.CharField(
        label=_("What happened, in a few words"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you saw or heard. No diagnoses; the unit will call you if needed."),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What came of it"), choices=ConcernOutcome.choices)
    outcome_note = forms.CharField(
        label=_("What was done, in a few words"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CrisisCardForm(forms.Form):
    warning_signs = forms.CharField(
        label=_("My warning signs"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, in the person's own words."),
    )
    what_helps = forms.CharField(
        label=_("What helps me"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    who_to_call = forms.CharField(
        label=_("Whom I call first"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. the contact person on the ward."),
    )
    own_contacts = forms.CharField(
        label=_("My own contacts (name and number)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    agreed = forms.BooleanField(
        label=_("The person has agreed to what the card says"),
        required=True,
    )
