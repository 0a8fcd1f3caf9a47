from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit

from .cv import check_cv
from .models import ApplicationStatus, JobPosting, StatusReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 5})


class PostingForm(forms.ModelForm):
    class Meta:
        model = JobPosting
        fields = [
            "title_da",
            "title_en",
            "unit",
            "peer_kind",
            "hours_min",
            "hours_max",
            "period_start",
            "period_end",
            "deadline",
            "work_da",
            "work_en",
            "looking_for_da",
            "looking_for_en",
            "how_to_apply_da",
            "how_to_apply_en",
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "deadline": DATE,
            "work_da": TEXT,
            "work_en": TEXT,
            "looking_for_da": TEXT,
            "looking_for_en": TEXT,
            "how_to_apply_da": TEXT,
            "how_to_apply_en": TEXT,
        }

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        unit_field.empty_label = _("The whole programme (no unit)")


class ApplicationForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.RegexField(
        label=_("Phone"),
        max_length=30,
        required=False,
        regex=r"^\+?[0-9 ]{8,20}$",
        error_messages={"invalid": _("Write a phone number with 8 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    motivation = forms.CharField(
        label=_("Why would you like the job?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    experience = forms.CharField(
        label=_("Your own experience, in your own words"),
        help_text=_("Tell only what you want to share. You decide how much."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    cv = forms.FileField(
        label=_("CV (optional)"),
        required=False,
        help_text=_("PDF or Word (.docx), at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.docx,application/pdf,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        ),
    )
    consent = forms.BooleanField(
        label=_("You may store my application and CV to handle the hiring"),
        error_messages={"required": _("We can only receive your application if we may store it.")},
    )
    # A field people never see; form-filling robots do. Anything in it: not stored.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    cv_kind: str = ""

    def clean_cv(self) -> Any:
        upload = self.cleaned_data.get("cv")
        if upload:
            self.cv_kind = check_cv(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_contact = not data.get("phone") and not data.get("email")
        if no_contact and "email" not in self.errors and "phone" not in self.errors:
            self.add_error(
                "email", _("Give an e-mail address or a phone number, so we can reach you.")
            )
        return data

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=ApplicationStatus.choices)
    reason = forms.ChoiceField(
        label=_("Reason (when rejected or withdrawn)"),
        required=False,
        choices=[("", "—"), *StatusReason.choices],
    )

    def __init__(self, *args: Any, allowed: frozenset[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:
            to = self.fields["to"]
            assert isinstance(to, forms.ChoiceField)
            to.choices = [(v, label) for v, label in ApplicationStatus.choices if v in allowed]
