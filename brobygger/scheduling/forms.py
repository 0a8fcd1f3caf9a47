from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from brobygger.lib.dates import local_datetime
from brobygger.people.forms import DateInput

from .models import OUTSIDE_HOURS, CancelledBy, ExceptionKind, Mode, PlaceKind, Weekday

DURATIONS = [(30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")), (90, _("1½ hours"))]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class OverrideMixin(forms.Form):
    """ "Book anyway" and why, for every form that puts a peer in the agenda: shown when
    the time is outside the peer's hours, on a day off or a public holiday
    (scheduling.services.check_availability). `cleaned_data["override"]` is the reason
    to pass on, empty unless ticked."""

    book_anyway = forms.BooleanField(
        label=_("Book anyway, outside the peer's hours"), required=False
    )
    override_reason = forms.CharField(
        label=_("Why is it booked anyway?"),
        required=False,
        max_length=300,
        help_text=_("For example: agreed with the peer by phone. Kept with the booking."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("book_anyway") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", _("Say why it is booked anyway."))
        # The reason counts only with the tick: ticking is the decision.
        data["override"] = (data.get("override_reason") or "") if data.get("book_anyway") else ""
        return data

    def show_override(self, error: ValidationError | None = None) -> bool:
        """The service asked for the tick, or the booker already used it (so a second
        warning does not hide it and lose what was typed)."""
        if error is not None and any(
            getattr(e, "code", "") == OUTSIDE_HOURS for e in getattr(error, "error_list", [])
        ):
            return True
        return self.is_bound and bool(self.data.get(self.add_prefix("book_anyway")))


class UncancelForm(OverrideMixin):
    """Book a cancelled conversation again: only the "Book anyway" part, asked for when
    the time no longer suits the peer."""


class WhenMixin(OverrideMixin):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput())
    minutes = forms.TypedChoiceField(label=_("Length"), choices=DURATIONS, coerce=int, initial=45)
    allow_over_contract = forms.BooleanField(label=_("Book anyway"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("date"), data.get("time")
        if day and time:
            try:
                data["starts_at"] = local_datetime(day, time)
            except ValueError:
                self.add_error(
                    "time",
                    _(
                        "That time does not exist: the clocks go forward "
                        "from 2:00 to 3:00 that night."
                    ),
                )
        return data


class BookForm(WhenMixin):
    mode = forms.ChoiceField(
        label=_("How"), choices=Mode.choices, widget=forms.RadioSelect, initial=Mode.IN_PERSON
    )
    place_kind = forms.ChoiceField(
        label=_("Where"), required=False, choices=[("", "—"), *PlaceKind.choices]
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=200,
        help_text=_("For example: the day room on the ward."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == Mode.IN_PERSON and not data.get("place_kind"):
            self.add_error("place_kind", _("Say where you meet."))
        return data


class RescheduleForm(WhenMixin):
    pass


class CancelForm(forms.Form):
    by = forms.ChoiceField(label=_("Cancelled by"), choices=CancelledBy.choices)
    reason = forms.CharField(label=_("Why"), max_length=300)


class WindowsForm(forms.Form):
    """Up to two windows per weekday."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in Weekday.choices:
            for n in (1, 2):
                self.fields[f"d{day}_{n}_from"] = forms.TimeField(
                    label=_("%(day)s from") % {"day": label}, required=False, widget=TimeInput()
                )
                self.fields[f"d{day}_{n}_to"] = forms.TimeField(
                    label=_("%(day)s to") % {"day": label}, required=False, widget=TimeInput()
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        windows = []
        for day, _label in Weekday.choices:
            for n in (1, 2):
                start, end = data.get(f"d{day}_{n}_from"), data.get(f"d{day}_{n}_to")
                if start is None and end is None:
                    continue
                if start is None or end is None or end <= start:
                    self.add_error(f"d{day}_{n}_to", _("Give both times; the end after the start."))
                    continue
                windows.append((day, start, end))
        data["windows"] = windows
        return data

    @staticmethod
    def initial_for(windows: list[tuple[int, datetime.time, datetime.time]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        used: dict[int, int] = {}
        for day, start, end in windows:
            n = used.get(day, 0) + 1
            if n > 2:
                continue
            used[day] = n
            initial[f"d{day}_{n}_from"], initial[f"d{day}_{n}_to"] = start, end
        return initial


class ExceptionForm(forms.Form):
    starts_on = forms.DateField(label=_("From date"), widget=DateInput())
    ends_on = forms.DateField(
        label=_("To date (empty: the same day)"), required=False, widget=DateInput()
    )
    kind = forms.ChoiceField(label=_("What"), choices=ExceptionKind.choices)
    start_time = forms.TimeField(
        label=_("From (empty: the whole day)"), required=False, widget=TimeInput()
    )
    end_time = forms.TimeField(label=_("To"), required=False, widget=TimeInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("starts_on"), data.get("ends_on")
        if first and last and last < first:
            self.add_error("ends_on", _("The last day cannot be before the first."))
        start, end = data.get("start_time"), data.get("end_time")
        if (start is None) != (end is None) or (start and end and end <= start):
            self.add_error("end_time", _("Give both times; the end after the start."))
        if start is not None and first and last and last != first:
            self.add_error(
                "start_time", _("Hours only on a single day: leave them empty for several days.")
            )
        if data.get("kind") == ExceptionKind.EXTRA and start is None:
            self.add_error("start_time", _("Extra time needs a start and an end."))
        return data
