"""Every event source's notification texts name no person: no name, no CPR number.

Drives each source through its real path (the public form, the peer's answer, a score,
the daily checks of `manage.py notify_due`), then reads every title against every
person's names and CPR number, and the peers' names too.
"""

from __future__ import annotations

import datetime
import io

import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.matching import services as matching_services
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.outcomes.models import InstrumentVersion
from brobygger.outcomes.services import store_score
from brobygger.people import services as people_services
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Referral, ReferralSource
from brobygger.testing import TODAY, BaseTestCase

KEY = "oplevelse-af-peerstoette"


def secrets_in(text: str) -> list[str]:
    found = []
    for given, family, cpr in Person.objects.values_list("given_name", "family_name", "cpr"):
        dashed = f"{cpr[:6]}-{cpr[6:]}" if cpr else ""
        found += [s for s in (given, family, cpr, dashed) if s and s in text]
    for peer in PeerWorker.objects.select_related("user"):
        found += [s for s in (peer.user.first_name, peer.user.last_name) if s and s in text]
    return found


@override_settings(
    NOTIFY_REFERRAL_WAITING_DAYS=14,
    NOTIFY_CONTRACT_END_DAYS=30,
    NOTIFY_SUPERVISION_WEEKS=8,
    NOTIFY_SCORE_THRESHOLDS={KEY: {"total": {"drop": 1}}},
)
class NotificationTextTests(BaseTestCase):
    def test_no_event_names_a_person_or_a_cpr_number(self):
        # A self-referral through the public form, three weeks ago (so it also waits).
        with time_machine.travel(timezone.now() - datetime.timedelta(days=21)):
            self.client.post(
                reverse("public:self_referral"),
                {
                    "kind": "patient",
                    "given_name": "Ib",
                    "family_name": "Krogh",
                    "phone": "22334455",
                    "contact_channel": "phone",
                    "treatment_setting": "none",
                    "language_wish": "da",
                    "reason": "Jeg hører stemmer og har brug for at tale med nogen",
                    "consent_contact": "on",
                    "consent_store": "on",
                    "website": "",
                },
            )
        self_referral = Referral.objects.get(source=ReferralSource.SELF)
        # A match proposed and declined, with a reason that names the person.
        referral_services.transition(actor=self.coordinator, referral=self_referral, to="triaged")
        matching_services.propose_match(
            actor=self.coordinator, referral=self_referral, peer=self.other_peer
        )
        self_referral.refresh_from_db()
        matching_services.decline_match(
            actor=self.other_peer.user, referral=self_referral, reason="Jeg kender Ib Krogh"
        )
        # A score that drops.
        version = InstrumentVersion.objects.latest_of(KEY)
        for answers, days_ago in (
            ({"lyttet": 5, "genkendelse": 5, "tryghed": 4, "haab": 4, "alene": 1}, 30),
            ({"lyttet": 1, "genkendelse": 1, "tryghed": 1, "haab": 1, "alene": 5}, 0),
        ):
            store_score(
                actor=self.peer.user,
                version=version,
                course=self.alice_course,
                answers=answers,
                administered_on=TODAY - datetime.timedelta(days=days_ago),
            )
        # A contract ending; supervision is overdue for the whole cast.
        people_services.update_peer_worker(
            actor=self.coordinator,
            peer=self.relative_peer,
            contract_end=TODAY + datetime.timedelta(days=10),
        )
        out = io.StringIO()
        call_command("notify_due", stdout=out)
        self.assertIn("Notifications made:", out.getvalue())
        made = Notification.objects.count()
        call_command("notify_due", stdout=io.StringIO())
        self.assertEqual(Notification.objects.count(), made)  # idempotent

        kinds = set(Notification.objects.values_list("kind", flat=True))
        self.assertEqual(
            kinds,
            {
                NotificationKind.SELF_REFERRAL,
                NotificationKind.REFERRAL_WAITING,
                NotificationKind.MATCH_DECLINED,
                NotificationKind.SCORE_THRESHOLD,
                NotificationKind.CONTRACT_DUE,
                NotificationKind.SUPERVISION_DUE,
            },
        )
        for title in Notification.objects.values_list("title", flat=True):
            self.assertEqual(secrets_in(title), [], title)
            self.assertNotIn("stemmer", title)  # nothing of what the person wrote
            self.assertNotIn("kender", title)  # nor of the peer's reason
