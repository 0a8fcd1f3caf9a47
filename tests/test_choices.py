"""brobygger/lib/choices.py: the labels the lists show are get_FOO_display()'s."""

from __future__ import annotations

import pytest
from django.utils import translation

from brobygger.people.models import Person, PersonKind
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus

pytestmark = pytest.mark.timeless


@pytest.mark.parametrize("language", ["da", "en"])
def test_labels_are_the_displays(language):
    with translation.override(language):
        for value in [*ReferralStatus.values, "no-such-status", ""]:
            referral = Referral(status=value, source=ReferralSource.CLINICIAN)
            assert referral.status_label == referral.get_status_display()
        for value in [*ReferralSource.values, "elsewhere"]:
            referral = Referral(source=value)
            assert referral.source_label == referral.get_source_display()
        for value in [*PersonKind.values, "other"]:
            person = Person(kind=value)
            assert person.kind_label == person.get_kind_display()
