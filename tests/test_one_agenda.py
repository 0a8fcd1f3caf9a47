"""One clash rule (issue 17, finding 3): every pair of paths that can put one peer or one
person in two places at once, one after the other. The second is refused with a clear
Danish message and leaves nothing behind; the first is in the agenda once.

Concurrent versions (real parallel requests on PostgreSQL): test_one_agenda_concurrency.py.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from brobygger.agenda import services as agenda
from brobygger.agenda.models import Busy, peer_party, person_party
from brobygger.groups import services as group_services
from brobygger.lib.when import format_when
from brobygger.scheduling import services as scheduling_services
from brobygger.testing import make_course, make_peer, make_person
from brobygger.workforce import services as workforce_services

from .agenda_cast import PAIRS, make_cast

pytestmark = pytest.mark.django_db

CLASH_CODES = {"double_booked", "facilitator_busy"}


def _refusal(cast, path: str) -> str:
    with translation.override("da"), pytest.raises(ValidationError) as caught:
        cast.run(path)
    error = caught.value
    codes = {e.code for e in error.error_list} if not hasattr(error, "error_dict") else set()
    if hasattr(error, "error_dict"):
        codes = {e.code for errors in error.error_dict.values() for e in errors}
    assert codes & CLASH_CODES, (path, codes, error.messages)
    with translation.override("da"):
        return " ".join(str(m) for m in error.messages)


@pytest.mark.parametrize(("first", "second"), [*PAIRS, *[(b, a) for a, b in PAIRS]])
def test_the_second_path_is_refused_with_a_clear_message(first, second):
    cast = make_cast()
    cast.run(first)
    message = _refusal(cast, second)
    assert cast.happened(first) and not cast.happened(second)
    # Danish, and it says when (or that it is the same time) without naming the person.
    assert any(word in message for word in ("10.00", "samme tid", "på det tidspunkt")), message
    if second == "their_session":
        # Whoever plans the group's sessions sees its participants on the group page.
        assert cast.person.full_name in message
    else:
        assert cast.person.given_name not in message
    # Exactly one busy row for each party at the slot.
    for party in (peer_party(cast.peer.pk), person_party(cast.person.pk)):
        rows = Busy.objects.filter(
            party=party,
            starts_at__lt=cast.starts_at + datetime.timedelta(minutes=45),
            ends_at__gt=cast.starts_at,
        )
        assert rows.count() <= 1, list(rows.values("kind", "source"))


def test_a_peers_clash_names_the_peer_time_and_kind_but_never_the_person():
    cast = make_cast()
    cast.run("supervision")
    with translation.override("da"):
        message = _refusal(cast, "interview")
        assert cast.peer.name in message
        assert "10.00 til 11.00" in message
        assert "supervisionsmøde (Supervision med SIND)" in message


def test_a_persons_clash_says_the_person_and_not_which_group():
    cast = make_cast()
    cast.run("enrol")
    clash = Busy.objects.get(party=person_party(cast.person.pk))
    with translation.override("da"):
        message = agenda.clash_message(clash)
    assert message == (
        f"Personen er optaget fra 10.00 til 11.00 den {format_when(cast.day, 'short')}: "
        "en mødegang i en recovery-gruppe."
    )


def test_cancelling_frees_the_time_for_every_other_path():
    cast = make_cast()
    appointment = cast.run("conversation")
    scheduling_services.cancel(
        actor=cast.coordinator, appointment=appointment, by="coordinator", reason="Syg"
    )
    assert not Busy.objects.filter(source="appointment", source_id=appointment.pk).exists()
    session = cast.run("supervision")
    workforce_services.delete_session(actor=cast.coordinator, session=session)
    group_session = cast.run("group_session")
    group_services.cancel_session(actor=cast.coordinator, session=group_session)
    cast.run("interview")
    assert Busy.objects.filter(party=peer_party(cast.peer.pk)).count() == 1


def test_moving_a_conversation_moves_its_busy_rows_and_refuses_a_clash():
    cast = make_cast()
    appointment = cast.run("conversation")
    later = cast.starts_at + datetime.timedelta(hours=3)
    scheduling_services.reschedule(
        actor=cast.coordinator, appointment=appointment, starts_at=later, minutes=45
    )
    rows = Busy.objects.filter(source="appointment", source_id=appointment.pk)
    assert {r.starts_at for r in rows} == {later}
    assert {r.party for r in rows} == {peer_party(cast.peer.pk), person_party(cast.person.pk)}
    cast.run("supervision")  # free at the old time now
    with pytest.raises(ValidationError):
        scheduling_services.reschedule(
            actor=cast.coordinator, appointment=appointment, starts_at=cast.starts_at, minutes=45
        )
    assert {r.starts_at for r in rows.all()} == {later}


def test_leaving_a_group_frees_the_person_and_the_next_in_line_moves_up_unless_busy():
    cast = make_cast()
    group = cast.full_group
    group_services.update_group(actor=cast.coordinator, group=group, capacity=1)
    cast.run("enrol")
    busy_one = make_person("Birgit", unit=cast.unit)
    free_one = make_person("Carl", unit=cast.unit)
    waiting = [
        group_services.enrol(actor=cast.coordinator, group=group, person=p)
        for p in (busy_one, free_one)
    ]
    assert [e.status for e in waiting] == ["waiting", "waiting"]
    # Birgit (first in line) has a conversation during the group's session.
    scheduling_services.book(
        actor=cast.coordinator,
        course=make_course(busy_one, make_peer("birgitspeer", units=(cast.unit,))),
        starts_at=cast.starts_at,
        minutes=45,
        mode="phone",
    )
    group_services.leave(actor=cast.coordinator, group=group, person=cast.person)
    assert not Busy.objects.filter(party=person_party(cast.person.pk)).exists()
    statuses = dict(group.enrolments.values_list("person_id", "status"))
    assert statuses[busy_one.pk] == "waiting"
    assert statuses[free_one.pk] == "enrolled"
    assert Busy.objects.filter(party=person_party(free_one.pk), kind="group_participant").exists()
    assert Busy.objects.filter(party=person_party(busy_one.pk)).get().kind == "conversation"


def test_handing_a_group_over_moves_the_facilitators_busy_time():
    cast = make_cast()
    session = cast.run("group_session")
    successor = make_peer("efterfoelger", units=(cast.unit,))
    group_services.update_group(
        actor=cast.coordinator, group=cast.own_group, facilitators=[successor]
    )
    parties = set(
        Busy.objects.filter(source="group_session", source_id=session.pk).values_list(
            "party", flat=True
        )
    )
    assert parties == {peer_party(successor.pk)}
    cast.run("conversation")  # the peer is free again


def test_changing_supervision_members_moves_coming_sessions_and_refuses_a_busy_member():
    cast = make_cast()
    cast.run("supervision")
    newcomer = make_peer("nyt_medlem", units=(cast.unit,))
    workforce_services.update_group(
        actor=cast.coordinator, group=cast.supervision, members=[newcomer]
    )
    parties = set(Busy.objects.filter(kind="supervision").values_list("party", flat=True))
    assert parties == {peer_party(newcomer.pk)}
    cast.run("conversation")  # the peer left the group, so is free then
    with pytest.raises(ValidationError) as caught:
        workforce_services.update_group(
            actor=cast.coordinator, group=cast.supervision, members=[newcomer, cast.peer]
        )
    assert "members" in caught.value.error_dict


def test_education_makes_nobody_busy():
    """Education records have dates and hours, no times of day: nothing to clash with."""
    cast = make_cast()
    workforce_services.create_education_record(
        actor=cast.coordinator,
        peer=cast.peer,
        provider="Peer-uddannelsen",
        title="Grundforløb",
        starts_on=cast.day,
        ends_on=cast.day,
        status="planned",
        hours=7,
    )
    assert not Busy.objects.filter(party=peer_party(cast.peer.pk)).exists()
    cast.run("conversation")
    assert Busy.objects.filter(party=peer_party(cast.peer.pk)).count() == 1


def test_the_migration_fills_the_agenda_from_existing_rows_and_skips_old_overlaps():
    """Demo and production data: the rows that make people busy today become the agenda;
    an overlap the old rules let through (supervision was only a warning) is left out and
    counted, never a failed migration."""
    import importlib

    from django.apps import apps

    from brobygger.workforce.models import SupervisionSession

    fill = importlib.import_module("brobygger.agenda.migrations.0002_fill_from_existing_rows").fill
    cast = make_cast()
    cast.run("conversation")
    Busy.objects.all().delete()
    # As the old code allowed: supervision over the peer's conversation.
    SupervisionSession.objects.create(
        group=cast.supervision, starts_at=cast.starts_at, minutes=60, place="Mødelokale 2"
    )
    added, skipped = fill(apps)
    assert added["conversation"] == 2
    assert skipped["supervision"] == 1
    # The other peer's group session at the same time stays: another party.
    assert added["group_facilitator"] == 1
    assert set(Busy.objects.values_list("kind", flat=True)) == {
        "conversation",
        "group_facilitator",
    }
