from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.lib.periods import year_bounds
from brobygger.outcomes.models import Instrument
from brobygger.referrals.models import SupportModel

MIN_PURPOSE = 10
MAX_PURPOSE = 500
MAX_YEARS = 20
FIRST_YEAR = 2000


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name())


class ExportForm(forms.Form):
    """Whole calendar years of courses (research.services.create_export says why)."""

    first_year = forms.TypedChoiceField(
        label=_("Courses started from the year"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of the years in the list.")},
    )
    last_year = forms.TypedChoiceField(
        label=_("Until the end of the year"),
        coerce=int,
        help_text=_(
            "Exports cover whole calendar years, so that two of them cannot be subtracted "
            "from each other to find the persons who started on a certain day."
        ),
        error_messages={"invalid_choice": _("Choose one of the years in the list.")},
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

    def __init__(
        self,
        *args: Any,
        instruments: QuerySet[Instrument],
        today: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, InstrumentChoiceField)
        field.queryset = instruments
        years = [(str(y), str(y)) for y in range(today.year, FIRST_YEAR - 1, -1)]
        for name in ("first_year", "last_year"):
            self.fields[name].choices = years  # type: ignore[attr-defined]

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
        first: int | None = data.get("first_year")
        last: int | None = data.get("last_year")
        if first and last:
            if last < first:
                self.add_error("last_year", _("The end of the period comes before its start."))
            elif last - first >= MAX_YEARS:
                self.add_error("last_year", _("Choose a period of at most 20 years."))
            else:
                data["started_from"] = year_bounds(first)[0]
                data["started_to"] = year_bounds(last)[1]
        return data
