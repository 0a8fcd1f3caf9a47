"""Forms: one admission, and the hospital file to import."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from brobygger.accounts.models import Unit

from .importfile import MAX_BYTES, FileProblem, ParsedFile, read

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The date picker sends yyyy-mm-dd; typed by hand (or in a browser without one) Danes
# write dd-mm-yyyy.
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]


class AdmissionForm(forms.Form):
    admitted_on = forms.DateField(
        label=_("Admitted"),
        widget=DATE,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Write the date as dd-mm-yyyy.")},
    )
    discharged_on = forms.DateField(
        label=_("Discharged"),
        required=False,
        widget=DATE,
        input_formats=DATE_FORMATS,
        help_text=_("Leave it empty while the person is still admitted."),
        error_messages={"invalid": _("Write the date as dd-mm-yyyy.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        admitted, discharged = data.get("admitted_on"), data.get("discharged_on")
        if admitted and discharged and discharged < admitted:
            self.add_error("discharged_on", _("The discharge date is before the admission date."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file from the hospital"),
        help_text=_("At most 2 MB. The format is described below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("The file is empty."),
        },
    )

    parsed: ParsedFile | None = None

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return upload
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too big. The limit is %(mb)d MB."),
                params={"mb": MAX_BYTES // (1024 * 1024)},
            )
        data = upload.read(MAX_BYTES + 1)
        try:
            self.parsed = read(data, today=self.today)
        except FileProblem as problem:
            raise forms.ValidationError(problem.message) from problem
        return upload
