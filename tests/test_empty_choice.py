"""Issue 19: an empty choice reads "Vælg…" in every form, never a raw "---------"."""

from django import forms
from django.utils import translation

from brobygger.people.models import PeerWorker


class Sample(forms.Form):
    peer = forms.ModelChoiceField(queryset=PeerWorker.objects.none(), required=False)
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)


def test_the_empty_choice_is_in_words(db):
    with translation.override("da"):
        html = str(Sample())
    assert "---------" not in html
    assert html.count('<option value="" selected>Vælg…</option>') == 2
    with translation.override("en"):
        assert '<option value="" selected>Choose…</option>' in str(Sample())


class Grouped(forms.Form):
    unit = forms.ChoiceField(
        choices=[("", "---------"), ("Nord", [("1", "R1 & co"), ("2", "R2")]), ("3", "R3")],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)


def test_select_renders_options_in_place_as_django_does():
    # templates/django/forms/widgets/select.html writes the options itself (issue 19: a
    # template per option was most of the dashboard's time at a region's scale).
    with translation.override("da"):
        html = str(Grouped({"unit": "2", "many": ["a", "b"]}))
    assert '<option value="">Vælg…</option>' in html
    assert '<optgroup label="Nord">' in html
    assert '<option value="1">R1 &amp; co</option>' in html
    assert '<option value="2" selected>R2</option>' in html
    assert '<select name="many" id="id_many" multiple>' in html
    assert '<option value="a" selected>A</option>' in html
    assert '<option value="b" selected>B</option>' in html
