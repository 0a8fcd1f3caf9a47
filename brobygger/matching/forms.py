from __future__ import annotations

from dataclasses import fields
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .engine import MAX_WEIGHT, Weights

WEIGHT_LABELS = {
    "base": _("Any peer who can take the course"),
    "shared_experience": _("Per shared experience the person would like to meet"),
    "gender": _("Gender as wished"),
    "age_band": _("Age as wished"),
    "language": _("Speaks the person's language"),
    "unit": _("Works on the person's unit"),
    "continuity": _("The person knows the peer already"),
    "free_hour": _("Per free hour a week"),
    "free_hours_cap": _("Free hours counted at most"),
    "waiting_week": _("Per week the referral has waited"),
    "waiting_weeks_cap": _("Weeks counted at most"),
}


class SettingsForm(forms.Form):
    hours_per_course = forms.DecimalField(
        label=_("Expected hours per week per course"),
        min_value=0.25,
        max_value=20,
        decimal_places=2,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in fields(Weights):
            self.fields[f.name] = forms.FloatField(
                label=WEIGHT_LABELS.get(f.name, f.name), min_value=0, max_value=MAX_WEIGHT
            )
        self.fields["base"].min_value = 0.001  # type: ignore[attr-defined]

    def weights(self) -> dict[str, float]:
        return {f.name: self.cleaned_data[f.name] for f in fields(Weights)}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
