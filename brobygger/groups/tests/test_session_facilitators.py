"""Who runs a session is kept on the session: set when it is planned, handed over with the
group only while it is still to come, and what the peers' weeks and clashes go by."""

from __future__ import annotations

import datetime
import importlib
import random

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from brobygger.groups import selectors, services
from brobygger.groups.demo import build_groups
from brobygger.groups.models import GroupSession, RecoveryGroup
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_course, make_person

from .helpers import GroupTestCase, next_weekday

migration = importlib.import_module("brobygger.groups.migrations.0002_groupsession_facilitators")
Through = GroupSession.facilitators.through


def facilitator_ids(session: GroupSession) -> set[int]:
    return set(GroupSession.objects.get(pk=session.pk).facilitators.values_list("pk", flat=True))


class PlannedSessionTests(GroupTestCase):
    def test_sessions_planned_by_the_services_get_the_groups_facilitators(self):
        self.assertEqual(facilitator_ids(self.held), {self.peer.pk})
        self.assertEqual(facilitator_ids(self.coming), {self.peer.pk})
        pair = self.add_group(facilitators=[self.other_peer, self.relative_peer])
        sessions = services.add_weekly_sessions(
            actor=self.coordinator,
            group=pair,
            first_day=next_weekday(3, weeks_ahead=3),
            start_time=datetime.time(10),
            minutes=90,
            weeks=3,
        )
        self.assertEqual(len(sessions), 3)
        for session in sessions:
            self.assertEqual(facilitator_ids(session), {self.other_peer.pk, self.relative_peer.pk})

    def test_demo_sessions_are_run_by_their_groups_facilitators(self):
        build_groups(
            coordinator=self.coordinator,
            peers=[self.peer, self.other_peer, self.relative_peer],
            persons=[make_person(f"Demo{i}", unit=self.unit) for i in range(30)],
            today=timezone.localdate(),
            rng=random.Random(4),
        )
        demo = RecoveryGroup.objects.exclude(pk=self.group.pk).prefetch_related(
            "facilitators", "sessions__facilitators"
        )
        self.assertEqual(len(demo), 3)
        for group in demo:
            expected = {p.pk for p in group.facilitators.all()}
            self.assertTrue(expected)
            for session in group.sessions.all():
                self.assertEqual({p.pk for p in session.facilitators.all()}, expected)

    def test_the_migration_gives_existing_sessions_their_groups_facilitators(self):
        pair = self.add_group(facilitators=[self.other_peer, self.relative_peer])
        day = next_weekday(1, weeks_ahead=3)
        paired = services.add_weekly_sessions(
            actor=self.coordinator,
            group=pair,
            first_day=day,
            start_time=datetime.time(9),
            minutes=60,
            weeks=2,
        )
        Through.objects.all().delete()  # as before the migration: no session has any
        migration.copy_group_facilitators(apps, None)
        self.assertEqual(facilitator_ids(self.held), {self.peer.pk})
        self.assertEqual(facilitator_ids(self.coming), {self.peer.pk})
        for session in paired:
            self.assertEqual(facilitator_ids(session), {self.other_peer.pk, self.relative_peer.pk})
        migration.copy_group_facilitators(apps, None)  # once more: nothing doubled
        self.assertEqual(Through.objects.count(), 2 + 2 * 2)


class HandedOverTests(GroupTestCase):
    """The peer hands the group over to the other peer after the first session."""

    def setUp(self) -> None:
        super().setUp()
        services.update_group(
            actor=self.coordinator, group=self.group, facilitators=[self.other_peer]
        )

    def test_each_peers_week_shows_the_sessions_they_run(self):
        self.assertEqual(facilitator_ids(self.held), {self.peer.pk})
        self.assertEqual(facilitator_ids(self.coming), {self.other_peer.pk})
        held_week = (self.held.starts_at, self.held.ends_at)
        coming_week = (self.coming.starts_at, self.coming.ends_at)
        self.assertEqual(list(selectors.sessions_for_peer(self.peer, *held_week)), [self.held])
        self.assertEqual(list(selectors.sessions_for_peer(self.other_peer, *held_week)), [])
        self.assertEqual(list(selectors.sessions_for_peer(self.peer, *coming_week)), [])
        self.assertEqual(
            list(selectors.sessions_for_peer(self.other_peer, *coming_week)), [self.coming]
        )
        rows = selectors.sessions_in_range(
            [self.peer.pk, self.other_peer.pk], self.held.starts_at, self.coming.ends_at
        )
        self.assertEqual(
            sorted(rows),
            sorted(
                [
                    (self.peer.pk, self.held.starts_at, self.held.ends_at),
                    (self.other_peer.pk, self.coming.starts_at, self.coming.ends_at),
                ]
            ),
        )

    def test_conversations_clash_with_the_new_facilitator_only(self):
        start = self.coming.starts_at + datetime.timedelta(minutes=30)
        # The peer who handed the group over is free then.
        booked = scheduling.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=start,
            minutes=45,
            mode="phone",
        )
        self.assertEqual(booked.peer_id, self.peer.pk)
        dora_course = make_course(make_person("Dora", unit=self.unit), self.other_peer)
        with self.assertRaises(ValidationError):
            scheduling.book(
                actor=self.other_peer.user,
                course=dora_course,
                starts_at=start,
                minutes=45,
                mode="phone",
            )

    def test_a_session_registered_afterwards_clashes_with_the_session_the_peer_ran(self):
        another = self.add_group(title="Søvn og rytme", facilitators=[self.peer])
        with self.assertRaises(ValidationError) as caught:
            services.add_session(
                actor=self.coordinator,
                group=another,
                starts_at=self.held.starts_at,
                ends_at=self.held.ends_at,
                allow_past=True,
            )
        self.assertEqual(caught.exception.code, "facilitator_busy")
        self.assertTrue(caught.exception.messages[0].startswith(f"{self.peer.name} "))
        self.assertNotIn(self.other_peer.name, caught.exception.messages[0])
        self.assertFalse(GroupSession.objects.filter(group=another).exists())
