from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from brobygger.accounts.models import Role, Unit
from brobygger.people.models import EducationStatus, ExperienceTag, PeerKind

from .models import Responsible

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HireForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(
        label=_("User name"),
        max_length=30,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Proposed from the name; the new peer signs in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("The invitation is sent here. Without an address, give the link by hand."),
    )
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)
    kind = forms.ChoiceField(label=_("Kind of peer"), choices=PeerKind.choices)
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one unit.")},
    )
    hours_min = forms.DecimalField(
        label=_("Contract hours per week, from"),
        min_value=Decimal("0.5"),
        max_value=Decimal(37),
        max_digits=4,
        decimal_places=1,
    )
    hours_max = forms.DecimalField(
        label=_("Contract hours per week, to"),
        min_value=Decimal("0.5"),
        max_value=Decimal(37),
        max_digits=4,
        decimal_places=1,
    )
    contract_start = forms.DateField(label=_("Contract start"), widget=DATE)
    contract_end = forms.DateField(label=_("Contract end"), required=False, widget=DATE)
    education_status = forms.ChoiceField(
        label=_("Peer education"),
        choices=EducationStatus.choices,
        help_text=_("Completed or planned ticks off that step of the checklist."),
    )
    experience_tags = forms.ModelMultipleChoiceField(
        label=_("Experience the peer chooses to share (optional)"),
        queryset=ExperienceTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    introduction_by = forms.CharField(
        label=_("Who introduces the peer to the ward or team (optional)"),
        max_length=120,
        required=False,
        help_text=_("For example the ward's charge nurse. Empty: the coordinator."),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["units"]
        assert isinstance(unit_field, forms.ModelMultipleChoiceField)
        unit_field.queryset = units
        if not ExperienceTag.objects.exists():
            del self.fields["experience_tags"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("hours_min"), data.get("hours_max")
        if low is not None and high is not None and low > high:
            self.add_error("hours_max", _("The upper limit must be at least the lower limit."))
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            self.add_error("contract_end", _("The contract must end after it starts."))
        return data


class ItemForm(forms.Form):
    due_on = forms.DateField(label=pgettext_lazy("onboarding", "Due"), widget=DATE)
    responsible = forms.ChoiceField(label=_("Responsible"), choices=Responsible.choices)
    responsible_name = forms.CharField(
        label=_("Name of the responsible person"),
        max_length=120,
        required=False,
        help_text=_("Only when a named person is responsible."),
    )


class InvitationPasswordForm(SetPasswordForm):
    """Django's own password rules (AUTH_PASSWORD_VALIDATORS), with our labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password1"].help_text = _(
            "At least 12 characters; not like your name, not a common password, not only digits."
        )
        self.fields["new_password2"].label = _("Type the password again")
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs.update({"autocomplete": "new-password"})


class AccountFilterForm(forms.Form):
    """The setup-link page's search and role filter, read from the query string (staff
    names and roles only: no person's data goes in the URL)."""

    q = forms.CharField(
        label=_("Name or user name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *Role.choices]
    )
