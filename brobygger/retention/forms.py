from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .registry import BY_KEY, RECORD_TYPES
from .services import MAX_REASON


class PeriodForm(forms.Form):
    record_type = forms.ChoiceField(choices=[(t.key, t.label) for t in RECORD_TYPES])
    days = forms.IntegerField(label=_("Period in days"), min_value=0, max_value=100_000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        t = BY_KEY.get(data.get("record_type", ""))
        days = data.get("days")
        if t is not None and days is not None and not t.validate(days):
            self.add_error(
                "days",
                _("The period must be between %(min)s and %(max)s days.")
                % {"min": t.min_days, "max": t.max_days},
            )
        return data


class HoldForm(forms.Form):
    person = forms.IntegerField(
        label=_("Person number"),
        required=False,
        min_value=1,
        max_value=2**62,
        help_text=_("The number shown in the access log. Give either a person or a course."),
    )
    course = forms.IntegerField(
        label=_("Course number"), required=False, min_value=1, max_value=2**62
    )
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=MAX_REASON,
        help_text=_("For instance a complaint or a claim that is not settled. No names."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("person") is None) == (data.get("course") is None):
            raise forms.ValidationError(_("Give either a person number or a course number."))
        return data


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason for lifting"), max_length=MAX_REASON)
