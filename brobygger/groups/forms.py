from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit
from brobygger.people.forms import DateInput
from brobygger.people.models import PeerWorker
from brobygger.scheduling.forms import OverrideMixin

from .models import MAX_CAPACITY, MIN_CAPACITY, AttendanceStatus
from .services import MAX_WEEKS

SESSION_LENGTHS = [
    (60, _("1 hour")),
    (90, _("1½ hours")),
    (120, _("2 hours")),
    (150, _("2½ hours")),
    (180, _("3 hours")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class GroupForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    theme = forms.CharField(
        label=_("Theme"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the group is about, in a few plain sentences."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Across units"),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        help_text=_("For example: the group room, ground floor."),
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=MIN_CAPACITY,
        max_value=MAX_CAPACITY,
        initial=8,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("When the group is full, new sign-ups go on a waiting list."),
    )
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Run by (one or two peer workers)"),
        queryset=PeerWorker.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose one or two peer workers to run the group.")},
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        peers: QuerySet[PeerWorker],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["facilitators"].queryset = peers  # type: ignore[attr-defined]
        self.fields["facilitators"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.name} ({p.get_kind_display()})"
        )

    def clean_facilitators(self) -> Any:
        chosen = self.cleaned_data["facilitators"]
        if len(chosen) > 2:
            raise forms.ValidationError(_("Choose one or two peer workers to run the group."))
        return chosen


class GroupEditForm(OverrideMixin, GroupForm):
    """Changing the group: a new facilitator takes over the coming sessions, so "Book
    anyway" and why, when one of those times does not suit them."""


class SessionForm(OverrideMixin):
    date = forms.DateField(label=_("Date of the first session"), widget=DateInput())
    time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    minutes = forms.TypedChoiceField(
        label=_("Length"), choices=SESSION_LENGTHS, coerce=int, initial=120
    )
    weeks = forms.IntegerField(
        label=_("Number of weekly sessions"),
        min_value=1,
        max_value=MAX_WEEKS,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The same weekday and time each week. Group programmes often run 10 weeks."),
    )
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        max_length=300,
        help_text=_("Shown on the printed plan. You can give each session its own topic later."),
    )


class TopicForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), required=False, max_length=300)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a patient by name or phone"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class AttendanceForm(forms.Form):
    """One radio group per participant (a person in a recovery group, a peer at
    supervision); a missing choice is left unrecorded."""

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ids = ids
        for pk in ids:
            self.fields[f"p{pk}"] = forms.ChoiceField(
                required=False, choices=[("", "—"), *AttendanceStatus.choices]
            )

    def statuses(self, *, everyone_present: bool = False) -> dict[int, str]:
        result: dict[int, str] = {}
        for pk in self.ids:
            value = self.cleaned_data.get(f"p{pk}") or ""
            if not value and everyone_present:
                value = AttendanceStatus.PRESENT
            if value:
                result[pk] = value
        return result


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Group note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "How the session went for the group as a whole: themes, mood, what helped. "
            "No names and nothing about any one participant."
        ),
    )
    confirm = forms.BooleanField(
        label=_("The note is about the group, not about any one person"), required=False
    )
