from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from brobygger.people.forms import DateInput

from . import months
from .models import DESCRIPTION_LENGTH, MAX_ENTRY_MINUTES, MIN_ENTRY_MINUTES, IndirectCategory
from .services import REASON_LENGTH

MONTH_NAMES = sorted(MONTHS.items())  # Django's own translated month names


class EntryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=MIN_ENTRY_MINUTES,
        max_value=MAX_ENTRY_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
        help_text=_("For example 30 for half an hour, 90 for an hour and a half."),
    )
    category = forms.ChoiceField(label=_("Kind of work"), choices=IndirectCategory.choices)
    description = forms.CharField(
        label=_("What did you do?"),
        max_length=DESCRIPTION_LENGTH,
        help_text=_(
            "In general words, for example “prepared the group session” or “team meeting”. "
            "No names or CPR numbers."
        ),
    )
    general_words = forms.BooleanField(
        label=_("The description names nobody"),
        required=False,
    )

    def shows_confirm(self) -> bool:
        """The tick box appears only once a warning has been given (or it was ticked)."""
        from .services import DESCRIPTION_WARNING

        if self.is_bound and self.data.get("general_words"):
            return True
        return any(
            getattr(e, "code", None) == DESCRIPTION_WARNING
            for e in self.errors.as_data().get("description", [])
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why?"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The peer sees this. Say what to look at, in general words."),
    )


class MonthForm(forms.Form):
    """The month picker (GET): a month and a year."""

    month = forms.TypedChoiceField(label=_("Month"), choices=MONTH_NAMES, coerce=int)
    year = forms.TypedChoiceField(label=_("Year"), choices=[], coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]

    def chosen(self) -> tuple[int, int] | None:
        if not self.is_valid():
            return None
        year, month = self.cleaned_data["year"], self.cleaned_data["month"]
        return (year, month) if months.is_valid(year, month) else None
