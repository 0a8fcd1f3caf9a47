"""The report filters: a period, a unit and support models, checked with clear messages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.people.forms import DateInput
from brobygger.referrals.models import SupportModel

# A report over more than five years says little and costs a lot to compute.
MAX_PERIOD_DAYS = 5 * 366
EARLIEST = datetime.date(2000, 1, 1)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, today included."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + datetime.timedelta(days=1), today


class PeriodFilterForm(forms.Form):
    """Period and unit; the subclasses add the support models."""

    fra = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD, for example 2026-01-31.")},
    )
    til = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD, for example 2026-12-31.")},
    )
    enhed = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        error_messages={"invalid_choice": _("Choose one of the units in the list.")},
    )

    def __init__(
        self, *args: Any, units: QuerySet[Unit], today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["enhed"].queryset = units  # type: ignore[attr-defined]
        start, end = default_period(today)
        self.fields["fra"].widget.attrs["placeholder"] = start.isoformat()
        self.fields["til"].widget.attrs["placeholder"] = end.isoformat()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        default_start, default_end = default_period(self.today)
        start = data.get("fra") or default_start
        end = data.get("til") or default_end
        if data.get("fra") and not data.get("til") and start > default_end:
            end = start
        if start < EARLIEST or end < EARLIEST:
            raise forms.ValidationError(
                _("The period must begin in the year 2000 or later."), code="too_early"
            )
        if end < start:
            self.add_error("til", _("The end of the period must be on or after its start."))
            return data
        if (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("til", _("The period can be at most five years long."))
            return data
        data["fra"], data["til"] = start, end
        return data


class DashboardFilterForm(PeriodFilterForm):
    model = forms.ChoiceField(
        label=_("Support model"),
        required=False,
        choices=[("", _("All support models")), *SupportModel.choices],
        error_messages={"invalid_choice": _("Choose one of the support models in the list.")},
    )

    def support_models(self) -> tuple[str, ...]:
        chosen = self.cleaned_data.get("model")
        return (chosen,) if chosen else tuple(SupportModel.values)


class FunderReportForm(PeriodFilterForm):
    model = forms.MultipleChoiceField(
        label=_("Support models"),
        required=False,
        choices=SupportModel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means all of them."),
        error_messages={"invalid_choice": _("Choose among the support models in the list.")},
    )

    sprog = forms.ChoiceField(
        label=_("Language of the report"),
        required=False,
        choices=[("da", "Dansk"), ("en", "English")],
        error_messages={"invalid_choice": _("Choose Danish or English.")},
    )

    def support_models(self) -> tuple[str, ...]:
        chosen = self.cleaned_data.get("model") or []
        return tuple(m for m in SupportModel.values if m in chosen) or tuple(SupportModel.values)
