"""A group session counts in its own facilitators' timesheets in the month it starts: an
approved month is locked for adding and cancelling sessions, while a change of who runs
the group moves only the sessions still to come."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.groups import services
from brobygger.groups.models import GroupSession, RecoveryGroup
from brobygger.groups.selectors import facilitator_minutes
from brobygger.people.models import PeerWorker
from brobygger.testing import count_queries
from brobygger.timesheets import sources
from brobygger.timesheets.models import Timesheet
from brobygger.timesheets.tests.helpers import TimesheetTestCase, at

D = datetime.date


class GroupLockTestCase(TimesheetTestCase):
    def add_group(self, facilitators: list[PeerWorker] | None = None) -> RecoveryGroup:
        return services.create_group(
            actor=self.coordinator,
            title="Hverdagsliv og håb",
            unit=self.unit,
            place="Grupperummet",
            capacity=8,
            facilitators=facilitators or [self.peer],
        )

    def add_session(self, group: RecoveryGroup, day: D, hour: int = 13) -> GroupSession:
        return services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=at(day, hour),
            ends_at=at(day, hour + 2),
            allow_past=True,
        )

    def facilitators(self, group: RecoveryGroup) -> set[int]:
        return set(RecoveryGroup.objects.get(pk=group.pk).facilitators.values_list("pk", flat=True))


def session_facilitators(session: GroupSession) -> set[int]:
    return set(GroupSession.objects.get(pk=session.pk).facilitators.values_list("pk", flat=True))


class AddSessionTests(GroupLockTestCase):
    def test_a_past_session_cannot_be_added_to_an_approved_month(self):
        group = self.add_group()
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            self.add_session(group, D(2026, 4, 14))
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(GroupSession.objects.filter(group=group).exists())

    def test_the_second_facilitators_approved_month_is_enough_to_refuse(self):
        group = self.add_group([self.peer, self.other_peer])
        self.approved(2026, 4, peer=self.other_peer)
        with self.assertRaises(ValidationError) as caught:
            self.add_session(group, D(2026, 4, 14))
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(GroupSession.objects.filter(group=group).exists())

    def test_a_past_session_can_be_added_to_an_open_month(self):
        group = self.add_group()
        self.approved(2026, 4)
        session = self.add_session(group, D(2026, 5, 12))
        self.assertTrue(GroupSession.objects.filter(pk=session.pk, cancelled=False).exists())


class CancelSessionTests(GroupLockTestCase):
    def test_a_held_session_cannot_be_cancelled_in_an_approved_month(self):
        group = self.add_group()
        session = self.add_session(group, D(2026, 4, 14))
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.cancel_session(actor=self.coordinator, session=session)
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(GroupSession.objects.get(pk=session.pk).cancelled)

    def test_a_session_can_be_cancelled_in_an_open_month(self):
        group = self.add_group()
        self.approved(2026, 4)
        session = self.add_session(group, D(2026, 5, 12))
        services.cancel_session(actor=self.coordinator, session=session)
        self.assertTrue(GroupSession.objects.get(pk=session.pk).cancelled)

    def test_the_sessions_own_facilitators_decide(self):
        group = self.add_group([self.peer])
        held = self.add_session(group, D(2026, 4, 14))
        other = self.add_session(group, D(2026, 4, 21))
        services.update_group(actor=self.coordinator, group=group, facilitators=[self.other_peer])
        # The new facilitator's approved April does not lock the sessions the peer ran ...
        self.approved(2026, 4, peer=self.other_peer)
        services.cancel_session(actor=self.coordinator, session=other)
        self.assertTrue(GroupSession.objects.get(pk=other.pk).cancelled)
        # ... the peer's does, although the peer no longer runs the group.
        self.approved(2026, 4)
        with self.assertRaises(ValidationError) as caught:
            services.cancel_session(actor=self.coordinator, session=held)
        self.assertEqual(caught.exception.code, "locked")
        self.assertFalse(GroupSession.objects.get(pk=held.pk).cancelled)

    def test_the_page_shows_the_refusal(self):
        group = self.add_group()
        session = self.add_session(group, D(2026, 4, 14))
        self.approved(2026, 4)
        self.login(self.coordinator)
        url = reverse("groups:session_detail", args=[session.pk])
        response = self.client.post(url, {"action": "cancel"})
        self.assertContains(response, "April 2026 er godkendt og låst", status_code=422)
        self.assertFalse(GroupSession.objects.get(pk=session.pk).cancelled)


class CloseGroupTests(GroupLockTestCase):
    def test_closing_does_not_cancel_a_coming_session_in_an_approved_month(self):
        group = self.add_group()
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
        services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
        # A month can only be approved from its last day, so an approved month is moved to
        # the coming session's month in the database.
        sheet = self.approved(2026, 4)
        local = timezone.localtime(start)
        Timesheet.objects.filter(pk=sheet.pk).update(year=local.year, month=local.month)
        with self.assertRaises(ValidationError) as caught:
            services.close_group(actor=self.coordinator, group=group)
        self.assertEqual(caught.exception.code, "locked")
        self.assertIsNone(RecoveryGroup.objects.get(pk=group.pk).closed_at)
        self.assertFalse(GroupSession.objects.filter(group=group, cancelled=True).exists())

    def test_closing_looks_at_the_coming_sessions_own_facilitators(self):
        group = self.add_group([self.peer])
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
        coming = services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
        services.update_group(actor=self.coordinator, group=group, facilitators=[self.other_peer])
        # The peer who handed the group over has the coming month approved: not in the way.
        sheet = self.approved(2026, 4)
        local = timezone.localtime(start)
        Timesheet.objects.filter(pk=sheet.pk).update(year=local.year, month=local.month)
        services.close_group(actor=self.coordinator, group=group)
        self.assertIsNotNone(RecoveryGroup.objects.get(pk=group.pk).closed_at)
        self.assertTrue(GroupSession.objects.get(pk=coming.pk).cancelled)

    def test_closing_a_group_with_held_sessions_in_an_approved_month_works(self):
        group = self.add_group()
        self.add_session(group, D(2026, 4, 14))
        self.approved(2026, 4)
        services.close_group(actor=self.coordinator, group=group)
        self.assertIsNotNone(RecoveryGroup.objects.get(pk=group.pk).closed_at)
        self.assertFalse(GroupSession.objects.filter(group=group, cancelled=True).exists())


class FacilitatorChangeTests(GroupLockTestCase):
    """Who ran a session is a fact of the session: new facilitators take over the coming
    sessions only, so approved months keep their hours and do not stand in the way."""

    def coming(self, group: RecoveryGroup, days: int = 2) -> GroupSession:
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
        return services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )

    def groups_in(self, year: int, month: int) -> dict[int, int]:
        peers = {self.peer.pk: self.peer.user_id, self.other_peer.pk: self.other_peer.user_id}
        return {pk: t["groups"] for pk, t in sources.live_totals(peers, year, month).items()}

    def test_a_leaving_peer_is_replaced_although_their_month_is_approved(self):
        group = self.add_group([self.peer])
        held = [self.add_session(group, D(2026, 4, 14)), self.add_session(group, D(2026, 4, 21))]
        coming = [self.coming(group, days=2), self.coming(group, days=9)]
        self.approved(2026, 4)
        self.approved(2026, 4, peer=self.other_peer)
        before = self.groups_in(2026, 4)
        self.assertEqual(before, {self.peer.pk: 240, self.other_peer.pk: 0})
        # The peer has left: the account is closed, the group needs a new facilitator.
        self.peer.user.is_active = False
        self.peer.user.save(update_fields=["is_active"])

        services.update_group(actor=self.coordinator, group=group, facilitators=[self.other_peer])

        self.assertEqual(self.facilitators(group), {self.other_peer.pk})
        for session in held:
            self.assertEqual(session_facilitators(session), {self.peer.pk})
        for session in coming:
            self.assertEqual(session_facilitators(session), {self.other_peer.pk})
        self.assertEqual(self.groups_in(2026, 4), before)
        period = sources.period_totals(
            {self.peer.pk: self.peer.user_id, self.other_peer.pk: self.other_peer.user_id},
            D(2026, 4, 1),
            D(2026, 4, 30),
        )
        self.assertEqual(period[self.peer.pk]["groups"], 240)
        self.assertEqual(period[self.other_peer.pk]["groups"], 0)
        # The coming sessions are in the new peer's week now, and no longer in the old one's.
        week_start, week_end = coming[0].starts_at, coming[1].ends_at
        minutes = facilitator_minutes([self.peer.pk, self.other_peer.pk], week_start, week_end)
        self.assertEqual(minutes, {self.other_peer.pk: 240})

    def test_a_peer_put_on_the_group_takes_only_the_coming_sessions(self):
        group = self.add_group([self.peer])
        held = self.add_session(group, D(2026, 4, 14))
        coming = self.coming(group)
        self.approved(2026, 4, peer=self.other_peer)
        services.update_group(
            actor=self.coordinator,
            group=group,
            facilitators=[self.peer, self.other_peer],
            title="Nyt navn",
        )
        group.refresh_from_db()
        self.assertEqual(group.title, "Nyt navn")
        self.assertEqual(self.facilitators(group), {self.peer.pk, self.other_peer.pk})
        self.assertEqual(session_facilitators(held), {self.peer.pk})
        self.assertEqual(session_facilitators(coming), {self.peer.pk, self.other_peer.pk})
        self.assertEqual(self.groups_in(2026, 4), {self.peer.pk: 120, self.other_peer.pk: 0})

    def test_a_session_under_way_and_a_cancelled_one_keep_their_facilitators(self):
        group = self.add_group([self.peer])
        now = timezone.now().replace(microsecond=0)
        running = services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=now - datetime.timedelta(minutes=30),
            ends_at=now + datetime.timedelta(minutes=90),
            allow_past=True,
        )
        cancelled = services.cancel_session(actor=self.coordinator, session=self.coming(group))
        coming = self.coming(group, days=3)
        services.update_group(actor=self.coordinator, group=group, facilitators=[self.other_peer])
        self.assertEqual(session_facilitators(running), {self.peer.pk})
        self.assertEqual(session_facilitators(cancelled), {self.peer.pk})
        self.assertEqual(session_facilitators(coming), {self.other_peer.pk})

    def test_a_coming_session_in_an_approved_month_is_not_handed_over(self):
        # A month can be approved from its last day on, so a session later that day lies in
        # an approved month; handing it over would change the approved month once it ends.
        group = self.add_group([self.peer])
        coming = self.coming(group)
        sheet = self.approved(2026, 4)
        local = timezone.localtime(coming.starts_at)
        Timesheet.objects.filter(pk=sheet.pk).update(year=local.year, month=local.month)
        with self.assertRaises(ValidationError) as caught:
            services.update_group(
                actor=self.coordinator, group=group, facilitators=[self.other_peer]
            )
        self.assertEqual(caught.exception.code, "locked")
        self.assertEqual(self.facilitators(group), {self.peer.pk})
        self.assertEqual(session_facilitators(coming), {self.peer.pk})

    def test_a_change_takes_the_same_queries_however_long_the_group_has_run(self):
        short, long = self.add_group([self.peer]), self.add_group([self.peer])
        self.add_session(short, D(2026, 4, 14))
        for month in range(2, 9):
            self.add_session(long, D(2026, month, 10))
        self.coming(short, days=2)
        self.coming(long, days=3)
        self.approved(2026, 4)
        counts = []
        for group in (short, long):
            with count_queries() as queries:
                services.update_group(
                    actor=self.coordinator, group=group, facilitators=[self.other_peer]
                )
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertEqual(self.facilitators(long), {self.other_peer.pk})
        self.assertEqual(
            GroupSession.facilitators.through.objects.filter(
                groupsession__group=long, peerworker=self.peer
            ).count(),
            7,
        )

    def test_the_edit_page_accepts_the_change_in_an_approved_month(self):
        group = self.add_group([self.peer])
        held = self.add_session(group, D(2026, 4, 14))
        coming = self.coming(group)
        self.approved(2026, 4)
        self.login(self.coordinator)
        response = self.client.post(
            reverse("groups:group_edit", args=[group.pk]),
            {
                "title": "Et nyt navn",
                "theme": "",
                "unit": self.unit.pk,
                "place": "Grupperummet",
                "capacity": 8,
                "facilitators": [self.other_peer.pk],
            },
        )
        self.assertRedirects(response, reverse("groups:group_detail", args=[group.pk]))
        self.assertEqual(self.facilitators(group), {self.other_peer.pk})
        self.assertEqual(session_facilitators(held), {self.peer.pk})
        self.assertEqual(session_facilitators(coming), {self.other_peer.pk})
        # The session pages say who ran each session.
        page = self.client.get(reverse("groups:session_detail", args=[held.pk]))
        self.assertContains(page, f"</strong> {self.peer.name}</p>", html=False)
        page = self.client.get(reverse("groups:session_detail", args=[coming.pk]))
        self.assertContains(page, f"</strong> {self.other_peer.name}</p>", html=False)
