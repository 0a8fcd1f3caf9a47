"""The agenda's own rules, with no path above it: half-open ranges, one party at a time,
moving and releasing by source."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from brobygger.accounts.models import Role
from brobygger.agenda import services
from brobygger.agenda.models import Busy, Kind, Source, peer_party, person_party, user_party
from brobygger.lib.dates import local_datetime
from brobygger.lib.when import format_when
from brobygger.testing import TODAY, make_peer, make_user

pytestmark = pytest.mark.django_db

START = local_datetime(TODAY + datetime.timedelta(days=7), datetime.time(10))
HOUR = datetime.timedelta(hours=1)


def slot(party: str, start: datetime.datetime, source_id: int, **fields) -> services.Slot:
    values = {"kind": Kind.CONVERSATION, "source": Source.APPOINTMENT, "label": ""} | fields
    return services.Slot(party, start, start + HOUR, source_id=source_id, **values)


def test_back_to_back_is_fine_and_an_overlap_is_refused_for_the_same_party_only():
    services.occupy([slot("person:1", START, 1)])
    services.occupy([slot("person:1", START + HOUR, 2)])  # back to back
    services.occupy([slot("person:2", START, 3)])  # another party
    with translation.override("da"), pytest.raises(ValidationError) as caught:
        services.occupy([slot("person:1", START + HOUR / 2, 4)])
    assert caught.value.code == "double_booked"
    assert caught.value.messages == [
        f"Personen er optaget fra 10.00 til 11.00 den {format_when(START, 'short')}: en samtale."
    ]
    assert Busy.objects.count() == 3


def test_all_or_nothing_and_the_label_is_shown_for_staff_only():
    peer = make_peer("travl")
    services.occupy(
        [slot(peer_party(peer.pk), START, 1, kind=Kind.SUPERVISION, label="Supervision med SIND")]
    )
    with translation.override("da"), pytest.raises(ValidationError) as caught:
        services.occupy(
            [slot(person_party(5), START, 2), slot(peer_party(peer.pk), START, 2)],
        )
    assert caught.value.messages[0].startswith(f"{peer.name} er optaget fra 10.00 til 11.00")
    assert caught.value.messages[0].endswith("et supervisionsmøde (Supervision med SIND).")
    assert not Busy.objects.filter(source_id=2).exists()


def test_a_peer_is_busy_as_the_peer_and_other_staff_as_themselves():
    peer = make_peer("panelpeer")
    coordinator = make_user("koord", Role.COORDINATOR)
    parties = services.staff_parties([peer.user_id, coordinator.pk])
    assert parties == {
        peer.user_id: peer_party(peer.pk),
        coordinator.pk: user_party(coordinator.pk),
    }


def test_move_and_release_follow_the_source():
    services.occupy([slot("person:1", START, 1), slot("peer:1", START, 1)])
    services.occupy([slot("person:1", START + 2 * HOUR, 2)])
    assert services.move(Source.APPOINTMENT, 1, START + HOUR, START + 2 * HOUR) == 2
    with pytest.raises(ValidationError):
        services.move(Source.APPOINTMENT, 1, START + 2 * HOUR, START + 3 * HOUR)
    assert set(Busy.objects.filter(source_id=1).values_list("starts_at", flat=True)) == {
        START + HOUR
    }
    assert services.release(Source.APPOINTMENT, [1], parties=["peer:1"]) == 1
    assert services.release(Source.APPOINTMENT, [1, 2]) == 2
    assert not Busy.objects.exists()
