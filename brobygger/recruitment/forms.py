from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Role, Unit, User
from brobygger.lib.dates import local_datetime
from brobygger.scheduling.forms import OverrideMixin
from brobygger.scheduling.models import Mode

from .cv import check_cv
from .models import (
    MAX_CRITERIA,
    ApplicationStatus,
    JobPosting,
    PostingCriterion,
    Rating,
    Recommendation,
    StatusReason,
)

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

    criteria_da = forms.CharField(
        label=_("Criteria: what we look for (Danish)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One criterion per line. They are listed on the posting, and the interview "
            "panel rates each applicant against each of them."
        ),
    )
    criteria_en = forms.CharField(
        label=_("Criteria (English)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The same criteria in English, in the same order. Leave empty to use Danish."),
    )

    criteria: list[tuple[str, str]]

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        unit_field.empty_label = _("The whole programme (no unit)")
        self.criteria = []
        if self.instance.pk and not self.is_bound:
            rows = list(PostingCriterion.objects.filter(posting=self.instance))
            self.initial["criteria_da"] = "\n".join(c.text_da for c in rows)
            if any(c.text_en for c in rows):
                self.initial["criteria_en"] = "\n".join(c.text_en for c in rows)

    @staticmethod
    def _lines(value: str) -> list[str]:
        return [line.strip(" \t-•*") for line in value.splitlines() if line.strip(" \t-•*")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        danish = self._lines(data.get("criteria_da") or "")
        english = self._lines(data.get("criteria_en") or "")
        if len(danish) > MAX_CRITERIA:
            self.add_error(
                "criteria_da",
                _("Write at most %(n)s criteria.") % {"n": MAX_CRITERIA},
            )
        elif any(len(line) > 200 for line in danish + english):
            self.add_error("criteria_da", _("Keep each criterion under 200 characters."))
        elif english and len(english) != len(danish):
            self.add_error(
                "criteria_en",
                _("Write as many English criteria as Danish ones, in the same order, or none."),
            )
        else:
            self.criteria = [(da, english[i] if english else "") for i, da in enumerate(danish)]
        return data


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
    """Status changes; "interview" is not among them: booking an interview moves it there."""

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
            to.choices = [
                (v, label)
                for v, label in ApplicationStatus.choices
                if v in allowed and v not in (ApplicationStatus.INTERVIEW, ApplicationStatus.HIRED)
            ]


INTERVIEW_LENGTHS = [
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1½ hours")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class PanelField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({Role(obj.role).label})"


class InterviewForm(OverrideMixin):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    minutes = forms.TypedChoiceField(
        label=_("Length"), choices=INTERVIEW_LENGTHS, coerce=int, initial=45
    )
    mode = forms.ChoiceField(label=_("How"), choices=Mode.choices, initial=Mode.IN_PERSON)
    place = forms.CharField(
        label=_("Place or call details"),
        required=False,
        max_length=200,
        help_text=_(
            "For example: meeting room 2, ground floor. Needed for an interview in person."
        ),
    )
    panel = PanelField(
        label=_("The panel"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The coordinator and, for example, an experienced peer worker or a ward manager."
        ),
        error_messages={"required": _("Choose who sits on the panel.")},
    )

    starts_at: datetime.datetime

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "Book anyway" for a peer on the panel shows once the service asked for it, and
        # stays while ticked (scheduling.forms.OverrideMixin).
        self.outside = self.show_override()
        panel = self.fields["panel"]
        assert isinstance(panel, forms.ModelMultipleChoiceField)
        panel.queryset = candidates

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("date"), data.get("time")
        if day is not None and time is not None:
            try:
                self.starts_at = local_datetime(day, time)
            except ValueError:
                self.add_error("time", _("That time does not exist on that day (summer time)."))
        return data


class NoteForm(forms.Form):
    """One panel member's note: a rating and short comment per criterion, and overall."""

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        required=False,
        choices=[("", _("Not decided yet")), *Recommendation.choices],
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("Overall impression"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Short and factual, about what the applicant showed at the interview."),
    )

    def __init__(self, *args: Any, criteria: list[PostingCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"rating_{criterion.pk}"] = forms.ChoiceField(
                label=_("Rating"),
                required=False,
                choices=[("", _("Not assessed")), *Rating.choices],
                widget=forms.RadioSelect,
            )
            self.fields[f"text_{criterion.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "criterion": c,
                "rating": self[f"rating_{c.pk}"],
                "text": self[f"text_{c.pk}"],
            }
            for c in self.criteria
        ]

    def ratings(self) -> dict[int, tuple[str, str]]:
        return {
            c.pk: (
                self.cleaned_data.get(f"rating_{c.pk}") or "",
                self.cleaned_data.get(f"text_{c.pk}") or "",
            )
            for c in self.criteria
        }


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my application and delete it with everything I sent"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
