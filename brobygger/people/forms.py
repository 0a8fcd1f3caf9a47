from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import CODE_LENGTH, Unit, code_validator
from brobygger.lib import cpr
from brobygger.lib.widgets import FastSelect

from .models import (
    AgeBand,
    EducationStatus,
    ExperienceTag,
    Gender,
    Language,
    PeerKind,
    Person,
    PersonKind,
    Relationship,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(forms.ModelForm):
    cpr = forms.CharField(
        label=_("CPR number"),
        required=False,
        max_length=20,
        help_text=_("Optional. DDMMYY-SSSS."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    class Meta:
        model = Person
        fields = [
            "kind",
            "given_name",
            "family_name",
            "cpr",
            "birth_date",
            "gender",
            "language",
            "phone",
            "email",
            "street",
            "postal_code",
            "city",
            "protected_address",
            "contact_channel",
            "contact_times",
            "preferred_times",
            "unit",
        ]
        widgets = {"birth_date": DateInput()}

    ADDRESS_FIELDS = ("street", "postal_code", "city")

    def __init__(
        self, *args: Any, units: Any = None, hide_address: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # A protected address outside the coordinator's own unit (accounts/policy.py): not
        # prefilled, kept on file when left empty, and its protection cannot be lifted here.
        self.hide_address = bool(hide_address and self.instance.pk)
        if self.hide_address:
            for name in self.ADDRESS_FIELDS:
                self.initial[name] = ""
                self.fields[name].help_text = _(
                    "A protected address is on file and is not shown. Leave empty to keep it."
                )
            self.fields["protected_address"].disabled = True
        if self.instance.pk and self.instance.cpr:
            # Never put the full number in the page unless asked for: keep it on file.
            self.fields["cpr"].help_text = _(
                "On file: %(masked)s. Leave empty to keep it; type a new number to change it."
            ) % {"masked": self.instance.masked_cpr}
            self.initial["cpr"] = ""
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        for name in ("given_name", "family_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean_cpr(self) -> str | None:
        value = self.cleaned_data.get("cpr") or ""
        if not value.strip():
            return self.instance.cpr if self.instance.pk else None
        number = cpr.validate(value)
        self.cpr_without_check_digit = not cpr.has_mod11_check(number)
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.hide_address:
            for name in self.ADDRESS_FIELDS:
                if not (data.get(name) or "").strip():
                    data[name] = getattr(self.instance, name)
        number, born = data.get("cpr"), data.get("birth_date")
        if number and born and cpr.birth_date(number) != born:
            self.add_error("birth_date", _("The birth date does not match the CPR number."))
        return data

    def _post_clean(self) -> None:
        # The service validates and saves; the form only checks the fields themselves.
        pass


class AccessRequestForm(forms.Form):
    """Ask for access to the person a CPR number belongs to (from the registration page)."""

    cpr = forms.CharField(max_length=11, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why do you need access?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example “referred to our ward”. No health details."),
    )

    def clean_cpr(self) -> str:
        return cpr.validate(self.cleaned_data["cpr"])


class PersonFilterForm(forms.Form):
    # FastSelect: the unit filter lists every unit of the coordinator (lib/widgets.py).
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), *PersonKind.choices],
        widget=FastSelect,
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        widget=FastSelect,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PeerFilterForm(forms.Form):
    """The peer list's filters and order, read from the query string."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *PeerKind.choices]
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.none(), empty_label=_("All units")
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("contract_end", _("Contract ends")),
            ("caseload", _("Most active courses")),
        ],
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search name, phone or CPR"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class RelativeLinkForm(forms.Form):
    relationship = forms.ChoiceField(
        label=_("Relationship to the patient"), choices=Relationship.choices
    )


class PeerForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[a-z0-9_.-]+$",
        error_messages={"invalid": _("Use small letters a-z, digits, dot, dash or underscore.")},
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    employee_number = forms.CharField(
        label=_("Employee number"),
        required=False,
        max_length=CODE_LENGTH,
        validators=[code_validator()],
        help_text=_("As in the region's payroll system. The payroll file needs it."),
    )
    kind = forms.ChoiceField(label=_("Kind of peer"), choices=PeerKind.choices)
    experience_tags = forms.ModelMultipleChoiceField(
        label=_("Experience the peer has chosen to share"),
        required=False,
        queryset=ExperienceTag.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices]
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), required=False, choices=[("", "—"), *AgeBand.choices]
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    hours_min = forms.DecimalField(
        label=_("Contract hours per week, from"), min_value=1, max_value=37, decimal_places=1
    )
    hours_max = forms.DecimalField(
        label=_("Contract hours per week, to"), min_value=1, max_value=37, decimal_places=1
    )
    contract_start = forms.DateField(label=_("Contract start"), widget=DateInput())
    contract_end = forms.DateField(label=_("Contract end"), required=False, widget=DateInput())
    education_status = forms.ChoiceField(label=_("Peer education"), choices=EducationStatus.choices)

    def __init__(self, *args: Any, units: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        if editing:
            for name in ("first_name", "last_name", "username", "email"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("hours_min"), data.get("hours_max")
        if low is not None and high is not None and low > high:
            self.add_error("hours_max", _("The upper limit must be at least the lower limit."))
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            self.add_error("contract_end", _("The contract must end after it starts."))
        return data


class PauseForm(forms.Form):
    starts_on = forms.DateField(label=_("Pause from"), widget=DateInput())
    ends_on = forms.DateField(label=_("Up to and including"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason, in general words"),
        required=False,
        max_length=200,
        help_text=_("For example “holiday” or “a break”. No health details."),
    )


class DepartureForm(forms.Form):
    last_day = forms.DateField(label=_("Last working day"), widget=DateInput())
    note = forms.CharField(
        label=_("Note, in general words"),
        required=False,
        max_length=200,
        help_text=_("For example “the contract ends” or “a new job”. No health details."),
    )


class HRImportForm(forms.Form):
    """Step 1 of the HR import: which list, and the file."""

    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=[("units", _("Units")), ("staff", _("Staff"))],
        help_text=_("Import the units first: staff rows name their unit by its code."),
    )
    file = forms.FileField(
        label=_("File from the HR system (CSV or XLSX)"),
        help_text=_("The first row names the columns. See the format below."),
    )


class HRConfirmForm(forms.Form):
    """Step 2: the same file again, carried in the page, to be planned anew and applied."""

    kind = forms.ChoiceField(
        choices=[("units", "units"), ("staff", "staff")], widget=forms.HiddenInput
    )
    name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    content = forms.CharField(widget=forms.HiddenInput)

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (ValueError, binascii.Error) as error:
            raise forms.ValidationError(_("Upload the file again.")) from error
