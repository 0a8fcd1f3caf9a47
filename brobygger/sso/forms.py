from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit

from .models import SSO_ROLES


class MappingForm(forms.Form):
    group = forms.CharField(
        label=_("Group (as the identity provider names it)"),
        max_length=200,
        help_text=_("The exact value in the provider's group claim, e.g. PSY-PEER-KOORD-R1."),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Choose…")), *[(r.value, r.label) for r in SSO_ROLES]]
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label=_("No unit (the role only)"),
    )

    def clean_group(self) -> str:
        group = self.cleaned_data["group"].strip()
        if any(ord(c) < 32 for c in group):
            raise forms.ValidationError(_("The group name cannot hold control characters."))
        return group
