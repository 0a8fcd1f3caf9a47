"""The report filters: a period, a unit and support models, checked with clear messages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.lib.periods import whole_year, year_bounds
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
    """Period and unit; the subclasses add the support models.

    With `fixed_year` (every report with small numbers hidden) the period is one whole
    calendar year (brobygger.lib.periods says why); otherwise any range of days.
    """

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
    aar = forms.TypedChoiceField(
        label=_("Year"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Figures with small numbers hidden cover one whole calendar year, so that two "
            "reports can never be subtracted from each other to reveal a person."
        ),
        error_messages={"invalid_choice": _("Choose one of the years in the list.")},
    )
    enhed = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        error_messages={"invalid_choice": _("Choose one of the units in the list.")},
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        today: datetime.date,
        fixed_year: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fixed_year = fixed_year
        self.fields["enhed"].queryset = units  # type: ignore[attr-defined]
        start, end = default_period(today)
        self.fields["fra"].widget.attrs["placeholder"] = start.isoformat()
        self.fields["til"].widget.attrs["placeholder"] = end.isoformat()
        years = range(today.year, EARLIEST.year - 1, -1)
        self.fields["aar"].choices = [(str(y), str(y)) for y in years]  # type: ignore[attr-defined]
        self.fields["aar"].initial = str(today.year)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if self.fixed_year:
            return self._clean_year(data)
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

    def _clean_year(self, data: dict[str, Any]) -> dict[str, Any]:
        """One calendar year: chosen in the list, or given as its first and last day.

        Any other range of dates (an old link, an edited address) is refused, with the
        year it begins in chosen in the list instead, so one press shows that year."""
        start, end = data.get("fra"), data.get("til")
        year = data.get("aar") or self.today.year
        if start or end:
            exact = whole_year(start, end) if start and end else None
            if exact is None or not EARLIEST.year <= exact <= self.today.year:
                shown = " \u2013 ".join(d.isoformat() for d in (start, end) if d)
                wanted = (start or end).year  # type: ignore[union-attr]
                suggested = min(max(wanted, EARLIEST.year), self.today.year)
                if isinstance(self.data, QueryDict):  # the address: show the year chosen
                    shown_data = self.data.copy()
                    shown_data["aar"] = str(suggested)
                    self.data = shown_data
                self.add_error(
                    "aar",
                    _(
                        "%(period)s is not a whole calendar year. Figures with small numbers "
                        "hidden are shown one calendar year at a time, so that two periods "
                        "cannot be subtracted from each other to reveal a person. The year "
                        "%(year)s is chosen instead."
                    )
                    % {"period": shown, "year": suggested},
                )
                return data
            year = exact
        data["aar"] = year
        data["fra"], data["til"] = year_bounds(year)
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
    """Always one calendar year: the report hides small numbers for every reader."""

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

    def __init__(
        self, *args: Any, units: QuerySet[Unit], today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, units=units, today=today, fixed_year=True, **kwargs)

    def support_models(self) -> tuple[str, ...]:
        chosen = self.cleaned_data.get("model") or []
        return tuple(m for m in SupportModel.values if m in chosen) or tuple(SupportModel.values)
