from __future__ import annotations

import datetime

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdentityCheck(models.TextChoices):
    """How the requester was shown to be the person (or to act for them)."""

    MITID = "mitid", _("Signed with MitID or sent by Digital Post")
    PHOTO_ID = "photo_id", _("Photo ID shown in person")
    POWER_OF_ATTORNEY = "attorney", _("Written power of attorney and the proxy's photo ID")
    CUSTODY = "custody", _("Holder of parental custody, checked against the CPR register")


class ExportFormat(models.TextChoices):
    PDF = "pdf", _("PDF (readable)")
    JSON = "json", _("JSON (machine-readable)")


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class RequestForm(forms.Form):
    """The request being answered: stated before anything is produced or erased."""

    received_on = forms.DateField(
        label=_("Request received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    identity_check = forms.ChoiceField(
        label=_("How the requester's identity was checked"), choices=IdentityCheck.choices
    )

    def clean_received_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ExportForm(RequestForm):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.PDF,
    )


class ErasureForm(RequestForm):
    # Required where the erasure is allowed (the view checks it); a refusal needs none.
    confirm = forms.BooleanField(
        label=_("I have checked that this is the right person, and the erasure cannot be undone"),
        required=False,
    )
