"""Demo: records old enough for retention to act on, and a legal hold that spares one.

Two courses that ended six years ago (appointments, peer notes, an admission), one of
them under a legal hold (a complaint still pending). The services refuse to write in the
past, so these rows are written directly and their stamps moved back, as the demo's bulk
writers do for the year of activity.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.accounts.models import Unit, User
from brobygger.admissions.models import Admission
from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, Source, peer_party, person_party
from brobygger.conversations.models import ConversationRecord
from brobygger.people import services as people_services
from brobygger.people.models import PeerWorker, Person, PersonKind
from brobygger.referrals.models import Course, EndReason
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode

from . import services

OLD_COURSES = (
    # given name, family name, ended this many days ago, held
    ("Kirsten", "Vestergaard", 6 * 365 + 20, False),
    ("Bjarne", "Holm", 6 * 365 + 75, True),
)


def old_course(*, person: Person, peer: PeerWorker, unit: Unit, ended: datetime.date) -> Course:
    """A course that ended on `ended`: an admission, three held conversations with notes,
    every stamp (the person's registration too) moved back to when it happened."""
    started = ended - datetime.timedelta(days=110)
    born = timezone.make_aware(datetime.datetime.combine(started, datetime.time(10)))
    Person.objects.filter(pk=person.pk).update(created_at=born, updated_at=born)
    course = Course.objects.create(
        person=person,
        peer=peer,
        unit=unit,
        started_on=started,
        admitted_on=started,
        discharged_on=started + datetime.timedelta(days=30),
        ended_on=ended,
        end_reason=EndReason.COMPLETED,
    )
    Admission.objects.create(
        course=course,
        admitted_on=started,
        discharged_on=started + datetime.timedelta(days=30),
        unit=unit,
    )
    for week in (1, 3, 6):
        starts = timezone.make_aware(
            datetime.datetime.combine(started + datetime.timedelta(weeks=week), datetime.time(13))
        )
        appointment = Appointment.objects.create(
            course=course,
            peer=peer,
            person=person,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
            mode=Mode.IN_PERSON,
            status=AppointmentStatus.HELD,
        )
        # Busy as a booking makes them (the one agenda), until retention frees the time.
        agenda.occupy(
            [
                agenda.Slot(
                    party,
                    starts,
                    starts + datetime.timedelta(minutes=45),
                    Kind.CONVERSATION,
                    Source.APPOINTMENT,
                    appointment.pk,
                )
                for party in (peer_party(peer.pk), person_party(person.pk))
            ]
        )
        record = ConversationRecord.objects.create(
            appointment=appointment,
            course=course,
            minutes=45,
            purpose="Tale om tiden efter udskrivelsen.",
            how_doing="Har det bedre; sover igen om natten.",
            written_by=peer.user,
        )
        ConversationRecord.objects.filter(pk=record.pk).update(created_at=starts, updated_at=starts)
        Appointment.objects.filter(pk=appointment.pk).update(created_at=starts, updated_at=starts)
    return course


def build_demo(builder: Any) -> None:
    admin = User.objects.get(username="admin")
    unit = builder.units[0]
    for given, family, ended_days_ago, held in OLD_COURSES:
        person = people_services.create_person(
            actor=None, kind=PersonKind.PATIENT, given_name=given, family_name=family, unit=unit
        )
        course = old_course(
            person=person,
            peer=builder.peers[0],
            unit=unit,
            ended=builder.today - datetime.timedelta(days=ended_days_ago),
        )
        if held:
            services.place_hold(
                actor=admin,
                course=course,
                reason="Klagesag hos Styrelsen for Patientsikkerhed er ikke afsluttet.",
            )
