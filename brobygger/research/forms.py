from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.outcomes.models import Instrument
from brobygger.referrals.models import SupportModel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MIN_PURPOSE = 10
MAX_PURPOSE = 500
MAX_PERIOD_DAYS = 20 * 366


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


class ExportForm(forms.Form):
    started_from = forms.DateField(
        label=_("Courses started from"),
        widget=DATE,
    )
    started_to = forms.DateField(
        label=_("Courses started until"),
        widget=DATE,
    )
    support_models = forms.MultipleChoiceField(
        label=_("Support models"),
        choices=SupportModel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to include every support model."),
    )
    instrument = InstrumentChoiceField(
        label=_("Questionnaire"),
        queryset=Instrument.objects.none(),
        required=False,
        empty_label=_("All questionnaires"),
        help_text=_("Limits the questionnaire table; the course table is the same either way."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=MAX_PURPOSE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the data are for, e.g. the project's name and its approval number. "
            "It is kept with the export and written in the file."
        ),
        error_messages={"required": _("Say what the data are for.")},
    )

    def __init__(self, *args: Any, instruments: QuerySet[Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, InstrumentChoiceField)
        field.queryset = instruments

    def clean_purpose(self) -> str:
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if len(purpose) < MIN_PURPOSE:
            raise forms.ValidationError(
                _("Describe the purpose in a few words (at least %(n)s characters).")
                % {"n": MIN_PURPOSE},
                code="short",
            )
        return purpose

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("started_from")
        end: datetime.date | None = data.get("started_to")
        if start and end:
            if end < start:
                self.add_error("started_to", _("The end of the period comes before its start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("started_to", _("Choose a period of at most 20 years."))
        return data
