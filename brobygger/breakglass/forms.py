from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from brobygger.lib import cpr

from .models import GlassReason

REFERENCE = re.compile(r"^[Pp]-?\s*(\d{1,10})$")


class GlassForm(forms.Form):
    """Who and why, in one form: nothing is looked up before a reason is given, so the
    page says the same about a known and an unknown identifier until then."""

    identifier = forms.CharField(
        label=_("CPR number or reference"),
        help_text=_("The full CPR number (DDMMYY-SSSS) or the person's reference, e.g. P-123."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.ChoiceField(
        label=_("Reason for access"), choices=GlassReason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Explanation"),
        help_text=_("What happened and why you need to read this person now."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_identifier(self) -> tuple[str, str]:
        """("pk", digits) or ("cpr", ten digits)."""
        value = self.cleaned_data["identifier"].strip()
        found = REFERENCE.match(value)
        if found:
            return ("pk", found.group(1))
        try:
            return ("cpr", cpr.validate(value))
        except ValidationError as error:
            raise ValidationError(
                _("Write the full CPR number (DDMMYY-SSSS) or a reference such as P-123."),
                code="identifier",
            ) from error

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise ValidationError(_("Describe why you need access."), code="text")
        return text


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Review comment"),
        help_text=_("What you found: the access was justified, or what you have done about it."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        choices=[("unreviewed", _("Not reviewed")), ("reviewed", _("Reviewed"))],
        required=False,
    )


class WeekForm(forms.Form):
    week = forms.DateField(
        label=_("A day in the week"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_week(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data["week"]
        if day is not None and not (2000 <= day.year <= 2100):
            raise ValidationError(_("Choose a week between 2000 and 2100."), code="range")
        return day
