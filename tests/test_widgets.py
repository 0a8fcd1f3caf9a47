"""brobygger/lib/widgets.py: FastSelect writes what templates/django/forms/widgets/select.html
writes, for every case the filters of the lists meet."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe

from brobygger.accounts.models import Unit
from brobygger.lib.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    ("a", "A & <b>"),
    ("b", mark_safe("<i>B</i>")),
    ("a", "A again"),
    (3, "Three"),
    (None, "None"),
]


def both(kwargs: dict, data: dict | None = None, prefix: str | None = None) -> tuple[str, str]:
    """A ChoiceField with `kwargs`, rendered with FastSelect and with Django's Select."""

    def rendered(widget: type[forms.Select]) -> str:
        class Sample(forms.Form):
            choice = forms.ChoiceField(**kwargs, widget=widget)

        return str(Sample(data, prefix=prefix)["choice"])

    return rendered(FastSelect), rendered(forms.Select)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    "data", [None, {"choice": "a"}, {"choice": "3"}, {"choice": ""}, {"choice": "zz"}]
)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"choices": CHOICES, "required": False},
        {"choices": CHOICES, "required": True},
        {"choices": CHOICES[1:], "required": True, "help_text": "Help"},
        {"choices": CHOICES, "required": False, "disabled": True},
    ],
)
def test_fast_select_writes_what_the_template_writes(kwargs, data, language):
    with translation.override(language):
        fast, template = both(kwargs, data)
    assert fast == template


def test_fast_select_keeps_widget_attributes_and_prefixes():
    with translation.override("da"):
        fast, template = both({"choices": CHOICES, "required": False}, {"p-choice": "b"}, "p")
    assert fast == template
    attrs = {"class": 'x"y', "data-on": True, "data-off": False, "data-none": None}
    assert FastSelect(attrs=attrs, choices=CHOICES).render("n", "b") == forms.Select(
        attrs=attrs, choices=CHOICES
    ).render("n", "b")


def test_fast_select_of_model_choices_writes_what_the_template_writes(db):
    Unit.objects.create(name="Psykiatrien & Nord", code="PN")
    unit = Unit.objects.create(name="Syd", code="S")

    class Sample(forms.Form):
        fast = forms.ModelChoiceField(
            Unit.objects.order_by("name"), required=False, empty_label="All", widget=FastSelect
        )
        plain = forms.ModelChoiceField(Unit.objects.order_by("name"), required=False)

    with translation.override("da"):
        form = Sample({"fast": unit.pk, "plain": unit.pk})
        fast, plain = str(form["fast"]), str(form["plain"])
    assert fast.replace("fast", "plain").replace("All", "Vælg…") == plain
    assert f'<option value="{unit.pk}" selected>Syd</option>' in fast


def test_fast_select_leaves_groups_and_several_values_to_the_template():
    grouped = [("", "---------"), ("Nord", [("1", "R1"), ("2", "R2")])]
    assert FastSelect(choices=grouped).render("g", "2") == forms.Select(choices=grouped).render(
        "g", "2"
    )
    assert '<optgroup label="Nord">' in FastSelect(choices=grouped).render("g", "2")


def test_fast_select_of_model_choices_reads_the_choices_once(db, django_assert_num_queries):
    Unit.objects.create(name="Nord", code="N")

    class Sample(forms.Form):
        unit = forms.ModelChoiceField(Unit.objects.all(), required=False, widget=FastSelect)

    # One SELECT, no COUNT first (list() would ask the choices for their length).
    with django_assert_num_queries(1):
        assert ">Nord</option>" in str(Sample()["unit"])
