from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )
