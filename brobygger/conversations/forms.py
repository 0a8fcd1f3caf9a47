from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import NOTE_FIELDS, Chime, ConversationRecord, Topic, TopicStatus


class RecordForm(forms.ModelForm):
    chime = forms.MultipleChoiceField(
        label=_("Recovery processes touched (optional)"),
        required=False,
        choices=Chime.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Talked about"),
        required=False,
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ConversationRecord
        fields = ["minutes", "topics", *NOTE_FIELDS, "chime"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in NOTE_FIELDS}

    def __init__(self, *args: Any, topics: QuerySet[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics  # type: ignore[attr-defined]
        self.fields["minutes"].widget.attrs.update({"inputmode": "numeric", "min": 1, "max": 480})

    def _post_clean(self) -> None:
        # The service validates and saves; the form checks the fields only.
        pass

    def note(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") or "" for name in NOTE_FIELDS}


class TopicStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TopicStatus.choices)
    follow_up = forms.CharField(
        label=_("What the person wants to follow up"), required=False, max_length=300
    )


class TopicForm(forms.ModelForm):
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    class Meta:
        model = Topic
        fields = [
            "audience",
            "phase",
            "title_da",
            "title_en",
            "prompts_da",
            "prompts_en",
            "link",
            "order",
            "active",
        ]
        widgets = {
            "prompts_da": forms.Textarea(attrs={"rows": 3}),
            "prompts_en": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience, phase = data.get("audience"), data.get("phase")
        if audience and phase and (audience == "relative") != (phase == "relative"):
            self.add_error(
                "phase",
                _("Relatives' topics have the phase “For relatives”, and only they have it."),
            )
        return data
