"""A select written in Python, for the filters above the long lists (issue 19).

Every option of a select rendered through templates/django/forms/widgets/select.html
costs a template loop with its lookups: the 70 units of a coordinator's filter took
about 2 ms of the referral queue and the person list, more than their rows' query.
`FastSelect` writes the same markup as that template (tests/test_widgets.py compares
the two), and falls back to it for what it does not write (several values, groups).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Django's empty label; the project's select shows it as "Choose…" (select.html).
_DJANGO_BLANK = "---------"
_SELECTED = mark_safe(" selected")


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As templates/django/forms/widgets/attrs.html: False left out, True bare."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', str(value)))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # Not list(): it asks a ModelChoiceIterator its length, a COUNT query.
        choices = [choice for choice in self.choices]
        if self.allow_multiple_selected or any(
            isinstance(label, (list, tuple)) for _value, label in choices
        ):
            return super().render(name, value, attrs, renderer)
        values = self.format_value(value)
        options = []
        has_selected = False
        for option_value, label in choices:
            key = str(option_value if option_value is not None else "")
            # The first option with the value is selected, as in ChoiceWidget.optgroups.
            selected = not has_selected and key in values
            has_selected |= selected
            blank = label == _DJANGO_BLANK
            options.append((key, _SELECTED if selected else "", _("Choose…") if blank else label))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            _attrs(self.build_attrs(self.attrs, attrs)),
            format_html_join("", '\n  <option value="{}"{}>{}</option>', options),
        )
