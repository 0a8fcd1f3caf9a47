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
