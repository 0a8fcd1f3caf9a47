"""Minutes per source, hand-computed; months in Copenhagen time; the contract pro rata."""

import datetime
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils import timezone

from brobygger.conversations import services as conversations
from brobygger.groups import services as group_services
from brobygger.lib.dates import TZ
from brobygger.testing import supervise_and_educate
from brobygger.timesheets import months, sources

from .helpers import TimesheetTestCase, at

D = datetime.date


def utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


class MonthTests(SimpleTestCase):
    def test_month_bounds_are_local_midnights_and_march_is_an_hour_short(self):
        start, end = months.bounds(2026, 3)
        self.assertEqual(
            start.astimezone(datetime.UTC),
            datetime.datetime(2026, 2, 28, 23, 0, tzinfo=datetime.UTC),
        )
        self.assertEqual(
            end.astimezone(datetime.UTC), datetime.datetime(2026, 3, 31, 22, 0, tzinfo=datetime.UTC)
        )
        self.assertEqual(
            utc(end) - utc(start), datetime.timedelta(days=31) - datetime.timedelta(hours=1)
        )
        october = months.bounds(2026, 10)
        self.assertEqual(utc(october[1]) - utc(october[0]), datetime.timedelta(days=31, hours=1))

    def test_december_rolls_into_the_next_year(self):
        self.assertEqual(months.add_months(2026, 12, 1), (2027, 1))
        self.assertEqual(months.add_months(2026, 1, -1), (2025, 12))
        _start, end = months.bounds(2026, 12)
        self.assertEqual(end.date(), D(2027, 1, 1))

    def test_working_days_leave_out_weekends_and_public_holidays(self):
        # March 2026: 22 weekdays, no holidays. April 2026: 22 weekdays, minus
        # Maundy Thursday (2.), Good Friday (3.) and Easter Monday (6.) = 19.
        self.assertEqual(months.working_days(2026, 3), 22)
        self.assertEqual(months.working_days(2026, 4), 19)
        # January 2026: 22 weekdays, New Year's Day a Thursday = 21.
        self.assertEqual(months.working_days(2026, 1), 21)

    def test_working_days_count_only_the_contract_period(self):
        # Contract from Thursday 15 January: 15, 16, 19-23, 26-30 = 12 days.
        self.assertEqual(months.working_days(2026, 1, contract_start=D(2026, 1, 15)), 12)
        # Ending Friday 6 March: 2-6 March = 5 days.
        self.assertEqual(months.working_days(2026, 3, contract_end=D(2026, 3, 6)), 5)
        self.assertEqual(months.working_days(2026, 3, contract_start=D(2026, 4, 1)), 0)

    def test_contract_minutes_are_weekly_hours_times_working_days_over_five(self):
        self.assertEqual(months.contract_minutes(Decimal(8), 19), 1824)  # 8 * 60 * 19 / 5
        self.assertEqual(months.contract_minutes(Decimal(15), 19), 3420)
        self.assertEqual(months.contract_minutes(Decimal("12.5"), 22), 3300)
        self.assertEqual(months.contract_minutes(Decimal("8.3"), 7), 697)  # 697.2 rounded
        self.assertEqual(months.contract_minutes(Decimal(8), 0), 0)

    def test_hours_have_two_decimals(self):
        self.assertEqual(months.hours(45), Decimal("0.75"))
        self.assertEqual(months.hours(100), Decimal("1.67"))
        self.assertEqual(months.hours(None), Decimal("0.00"))


class SourceTests(TimesheetTestCase):
    def test_held_conversations_count_by_start_with_logged_minutes(self):
        self.held(at(D(2026, 3, 2), 10), 45)
        noted = self.held(at(D(2026, 3, 3), 10), 60)
        conversations.record_conversation(
            actor=self.peer.user, appointment=noted, minutes=50, topics=[], chime=[]
        )
        self.held(at(D(2026, 3, 4), 10), 45, status="no_show")  # did not come: not work held
        # 31 March 23:30 to 1 April 00:30 counts in full in March, on the 31st.
        self.held(at(D(2026, 3, 31), 23, 30), 60)
        # 00:15 on 1 March is 23:15 UTC on 28 February, yet it belongs to March.
        self.held(at(D(2026, 3, 1), 0, 15), 30)
        # 28 February 23:45 to 00:15 on 1 March belongs to February.
        self.held(at(D(2026, 2, 28), 23, 45), 30)

        daily = sources.daily_minutes([self.peer.pk], 2026, 3)[self.peer.pk]
        self.assertEqual(daily[D(2026, 3, 1)]["conversations"], 30)
        self.assertEqual(daily[D(2026, 3, 2)]["conversations"], 45)
        self.assertEqual(daily[D(2026, 3, 3)]["conversations"], 50)
        self.assertNotIn(D(2026, 3, 4), daily)
        self.assertEqual(daily[D(2026, 3, 31)]["conversations"], 60)
        totals = sources.live_totals({self.peer.pk: self.peer.user_id}, 2026, 3)[self.peer.pk]
        self.assertEqual(totals["conversations"], 30 + 45 + 50 + 60)
        february = sources.live_totals({self.peer.pk: self.peer.user_id}, 2026, 2)[self.peer.pk]
        self.assertEqual(february["conversations"], 30)
        april = sources.live_totals({self.peer.pk: self.peer.user_id}, 2026, 4)[self.peer.pk]
        self.assertEqual(april["conversations"], 0)

    def test_group_session_across_the_summer_time_change_counts_real_minutes(self):
        # Sunday 29 March 2026 01:00 → 04:00 on the clock is two real hours (02:00 is skipped).
        start = at(D(2026, 3, 29), 1)
        end = at(D(2026, 3, 29), 4)
        # (Python subtracts two times of the same zone on the wall clock: compare in UTC.)
        self.assertEqual(utc(end) - utc(start), datetime.timedelta(hours=2))
        self.group_session(start, end, facilitators=[self.peer, self.other_peer])
        totals = sources.live_totals(
            {self.peer.pk: self.peer.user_id, self.other_peer.pk: self.other_peer.user_id}, 2026, 3
        )
        self.assertEqual(totals[self.peer.pk]["groups"], 120)
        self.assertEqual(totals[self.other_peer.pk]["groups"], 120)  # both facilitators

    def test_conversation_in_the_repeated_october_hour(self):
        # 25 October 2026: 02:30 summer time, then the clock goes back to 02:00.
        start = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)  # 02:30 CEST
        self.assertEqual(start.astimezone(TZ).hour, 2)
        self.held(start, 90)  # ends 02:00 UTC = 03:00 CET: 90 real minutes
        totals = sources.live_totals({self.peer.pk: self.peer.user_id}, 2026, 10)[self.peer.pk]
        self.assertEqual(totals["conversations"], 90)

    def test_cancelled_and_unfinished_group_sessions_do_not_count(self):
        cancelled = self.group_session(at(D(2026, 3, 10), 13), at(D(2026, 3, 10), 15))
        group_services.cancel_session(actor=self.coordinator, session=cancelled)
        now = timezone.now().replace(microsecond=0)
        running = self.group_session(
            now - datetime.timedelta(minutes=30), now + datetime.timedelta(hours=1)
        )
        local = running.starts_at.astimezone(TZ)
        self.assertEqual(
            sources.live_totals({self.peer.pk: self.peer.user_id}, 2026, 3)[self.peer.pk]["groups"],
            0,
        )
        self.assertEqual(
            sources.live_totals({self.peer.pk: self.peer.user_id}, local.year, local.month)[
                self.peer.pk
            ]["groups"],
            0,
        )

    def test_indirect_work_counts_on_its_day_and_only_for_its_peer(self):
        self.entry(D(2026, 3, 5), 30)
        self.entry(D(2026, 3, 31), 15, category="travel", description="Kørsel til afsnittet")
        self.entry(D(2026, 3, 5), 40, peer=self.other_peer)
        daily = sources.daily_minutes([self.peer.pk, self.other_peer.pk], 2026, 3)
        self.assertEqual(daily[self.peer.pk][D(2026, 3, 5)]["indirect"], 30)
        self.assertEqual(daily[self.peer.pk][D(2026, 3, 31)]["transport"], 15)  # travel
        self.assertEqual(daily[self.other_peer.pk][D(2026, 3, 5)]["indirect"], 40)

    def test_other_peers_conversations_are_not_counted(self):
        self.held(at(D(2026, 3, 2), 10), 45)
        totals = sources.live_totals({self.other_peer.pk: self.other_peer.user_id}, 2026, 3)
        self.assertEqual(totals[self.other_peer.pk]["conversations"], 0)


class OtherAppsSourceTests(TimesheetTestCase):
    """Supervision and education from the workforce app, interviews from recruitment:
    through their own services, counted per month on the timesheet."""

    def test_supervision_education_and_interviews_count_in_their_month(self):
        from brobygger.recruitment.tests.helpers import (
            make_application,
            make_interview,
            make_posting,
        )

        # 10 hours over Monday 30 March to Friday 3 April: 120 minutes a weekday, two in March.
        supervise_and_educate(
            coordinator=self.coordinator,
            unit=self.unit,
            present=[self.peer],
            absent=(self.other_peer,),
            session_at=at(D(2026, 3, 10), 13),
            education=(D(2026, 3, 30), D(2026, 4, 3), Decimal(10)),
        )
        application = make_application(make_posting(self.unit))
        make_interview(
            application,
            panel=[self.coordinator, self.peer],
            starts_at=at(D(2026, 3, 12), 10),
            minutes=60,
        )
        peers = {self.peer.pk: self.peer.user_id, self.other_peer.pk: self.other_peer.user_id}
        march = sources.live_totals(peers, 2026, 3)
        self.assertEqual(march[self.peer.pk]["supervision"], 90)
        self.assertEqual(march[self.peer.pk]["education"], 240)
        self.assertEqual(march[self.peer.pk]["interviews"], 60)
        self.assertEqual(march[self.other_peer.pk]["supervision"], 0)  # absent
        self.assertEqual(march[self.other_peer.pk]["interviews"], 0)
        april = sources.live_totals(peers, 2026, 4)
        self.assertEqual(april[self.peer.pk]["education"], 360)
        self.assertEqual(april[self.peer.pk]["supervision"], 0)

    def test_group_hours_go_by_the_sessions_own_facilitators(self):
        session = self.group_session(at(D(2026, 3, 10), 13), at(D(2026, 3, 10), 15))
        self.group_session(
            at(D(2026, 3, 12), 13),
            at(D(2026, 3, 12), 14),
            facilitators=[self.peer, self.other_peer],
        )
        # The group is handed over afterwards: the session the peer ran stays the peer's.
        group_services.update_group(
            actor=self.coordinator, group=session.group, facilitators=[self.other_peer]
        )
        daily = sources.daily_minutes([self.peer.pk, self.other_peer.pk], 2026, 3)
        self.assertEqual(daily[self.peer.pk][D(2026, 3, 10)]["groups"], 120)
        self.assertEqual(daily[self.peer.pk][D(2026, 3, 12)]["groups"], 60)
        self.assertEqual(dict(daily[self.other_peer.pk]), {D(2026, 3, 12): {"groups": 60}})
        both = {self.peer.pk: self.peer.user_id, self.other_peer.pk: self.other_peer.user_id}
        period = sources.period_totals(both, D(2026, 3, 1), D(2026, 3, 31))
        self.assertEqual(period[self.peer.pk]["groups"], 180)
        self.assertEqual(period[self.other_peer.pk]["groups"], 60)
        # Asked for one peer, a shared session counts for that peer only.
        alone = sources.period_totals(
            {self.peer.pk: self.peer.user_id}, D(2026, 3, 1), D(2026, 3, 31)
        )
        self.assertEqual(set(alone), {self.peer.pk})
        self.assertEqual(alone[self.peer.pk]["groups"], 180)
        self.assertEqual(
            set(sources.daily_minutes([self.other_peer.pk], 2026, 3)), {self.other_peer.pk}
        )
