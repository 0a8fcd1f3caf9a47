"""brobygger/lib/links.py: a row's link from one reversal is the link `reverse` gives."""

from __future__ import annotations

import pytest
from django.urls import reverse

from brobygger.lib.links import object_links

pytestmark = pytest.mark.timeless


@pytest.mark.parametrize(
    "name", ["people:person_detail", "referrals:referral_detail", "referrals:referral_transition"]
)
def test_object_links_are_the_reversed_paths(name):
    link = object_links(name)
    for key in (1, 7, 42, 1234567):
        assert link(key) == reverse(name, args=[key])
