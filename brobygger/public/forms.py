from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.people.models import ContactChannel, Gender, Language, PersonKind, Relationship
from brobygger.referrals.models import TreatmentSetting


class SelfReferralForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Who is the peer for?"),
        widget=forms.RadioSelect,
        choices=[
            (PersonKind.PATIENT, _("For me: I am or have been in treatment")),
            (PersonKind.RELATIVE, _("For me as a relative of someone with mental illness")),
        ],
    )
    relationship = forms.ChoiceField(
        label=_("If you are a relative: how are you related? (optional)"),
        required=False,
        choices=[("", _("Choose")), *Relationship.choices],
    )
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = forms.DateField(
        label=_("Birth date (optional)"),
        required=False,
        help_text=_("Helps us see if we already know you."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.RegexField(
        label=_("Phone"),
        max_length=30,
        required=False,
        regex=r"^\+?[0-9 ]{8,20}$",
        error_messages={"invalid": _("Write a phone number with 8 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    contact_channel = forms.ChoiceField(
        label=_("How would you like us to contact you?"),
        choices=[c for c in ContactChannel.choices if c[0] != ContactChannel.LETTER],
    )
    contact_times = forms.CharField(
        label=_("When is a good time?"),
        required=False,
        max_length=200,
        help_text=_("For example: weekdays after 15."),
    )
    treatment_setting = forms.ChoiceField(
        label=_("Are you in treatment now?"),
        choices=TreatmentSetting.choices,
        initial=TreatmentSetting.NONE,
    )
    unit = forms.ModelChoiceField(
        label=_("If you are admitted: which ward?"),
        required=False,
        queryset=Unit.objects.filter(active=True),
        empty_label=_("Not admitted / do not know"),
    )
    gender_wish = forms.ChoiceField(
        label=_("Would you prefer a peer of a certain gender?"),
        required=False,
        choices=[("", _("It does not matter")), *Gender.choices],
    )
    language_wish = forms.ChoiceField(
        label=_("Language for the conversations"), choices=Language.choices, initial=Language.DA
    )
    reason = forms.CharField(
        label=_("What would you like to talk about? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent_contact = forms.BooleanField(
        label=_("A peer worker or the coordinator may contact me"),
        error_messages={"required": _("We can only contact you if you tick this box.")},
    )
    consent_store = forms.BooleanField(
        label=_("You may store what I write here, to arrange the support"),
        error_messages={"required": _("We can only take your request if we may store it.")},
    )
    # A field people never see; form-filling robots do. Anything in it: not stored.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_birth_date(self) -> datetime.date | None:
        born = self.cleaned_data.get("birth_date")
        if born and not (datetime.date(1900, 1, 1) <= born <= timezone.localdate()):
            raise forms.ValidationError(_("Write your birth date, for example 04-03-1970."))
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email"):
            self.add_error(
                "phone", _("Give a phone number or an e-mail address, so we can reach you.")
            )
        if data.get("contact_channel") in ("phone", "sms") and not data.get("phone"):
            self.add_error("phone", _("We need your phone number to call or text you."))
        if data.get("contact_channel") == "email" and not data.get("email"):
            self.add_error("email", _("We need your e-mail address to write to you."))
        return data

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))
