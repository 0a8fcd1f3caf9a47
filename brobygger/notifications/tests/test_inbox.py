"""The inbox (/beskeder/): own notifications only, read/unread, links only to persons the
reader may still see, the unread count in the header, a constant number of queries."""

from __future__ import annotations

from django.urls import reverse

from brobygger.notifications import services
from brobygger.notifications.models import Notification, NotificationKind
from brobygger.testing import BaseTestCase, count_queries

INBOX = reverse("notifications:inbox")
PING = reverse("desk:ping")


class InboxTests(BaseTestCase):
    def note(self, user, *, person=None, link="/henvisninger/1/", title="Ny selvhenvisning (H-1)"):
        [notification] = services.notify(
            kind=NotificationKind.SELF_REFERRAL,
            recipients=[user],
            title=title,
            link=link,
            person=person,
        )
        return notification

    def test_the_inbox_shows_own_notifications_only(self):
        self.note(self.coordinator, title="Til koordinatoren (H-1)")
        self.note(self.other_coordinator, title="Til den anden (H-2)")
        self.login(self.coordinator)
        before = self.last_seq()
        page = self.client.get(INBOX)
        self.assertContains(page, "Til koordinatoren (H-1)")
        self.assertNotContains(page, "Til den anden (H-2)")
        self.assertContains(page, "<title>Beskeder · Brobygger</title>", html=False)
        self.no_entry(before)  # references only: not a look at anyone

    def test_a_notification_about_a_person_out_of_scope_shows_no_link(self):
        visible = self.note(self.coordinator, person=self.alice, link="/personer/alice/")
        hidden = self.note(self.coordinator, person=self.carol, link="/personer/carol/")
        self.login(self.coordinator)
        page = self.client.get(INBOX)
        self.assertEqual(page.context["rows"][0].notification, hidden)
        links = {row.notification.pk: row.link for row in page.context["rows"]}
        self.assertEqual(links, {visible.pk: "/personer/alice/", hidden.pk: ""})
        self.assertContains(page, "Du har ikke længere adgang til personens oplysninger.")
        # Opening it marks it read but leads nowhere.
        response = self.client.post(reverse("notifications:read", args=[hidden.pk]), {"open": "1"})
        self.assertRedirects(response, INBOX, fetch_redirect_response=False)
        response = self.client.post(reverse("notifications:read", args=[visible.pk]), {"open": "1"})
        self.assertRedirects(response, "/personer/alice/", fetch_redirect_response=False)

    def test_a_deleted_persons_notification_shows_no_link(self):
        notification = self.note(self.coordinator, person=self.alice, link="/x/")
        Notification.objects.filter(pk=notification.pk).update(person=None)
        self.login(self.coordinator)
        page = self.client.get(INBOX)
        self.assertEqual(page.context["rows"][0].link, "")

    def test_mark_one_and_all_read(self):
        first = self.note(self.coordinator)
        self.note(self.coordinator)
        self.note(self.coordinator)
        self.login(self.coordinator)
        self.assertContains(self.client.get(INBOX), '<span class="count-badge">3')
        self.client.post(reverse("notifications:read", args=[first.pk]))
        first.refresh_from_db()
        self.assertIsNotNone(first.read_at)
        unread = self.client.get(INBOX, {"vis": "ulaeste"})
        self.assertEqual(len(unread.context["rows"]), 2)
        self.assertContains(unread, "Ulæste (2)")
        response = self.client.post(
            reverse("notifications:read_all"), {"next": f"{INBOX}?vis=ulaeste"}
        )
        self.assertRedirects(response, f"{INBOX}?vis=ulaeste", fetch_redirect_response=False)
        self.assertFalse(Notification.objects.unread().exists())
        page = self.client.get(INBOX)
        self.assertNotContains(page, "count-badge")

    def test_anothers_notification_is_404_and_unchanged(self):
        theirs = self.note(self.other_coordinator)
        self.login(self.coordinator)
        response = self.client.post(reverse("notifications:read", args=[theirs.pk]))
        self.assertEqual(response.status_code, 404)
        theirs.refresh_from_db()
        self.assertIsNone(theirs.read_at)

    def test_a_foreign_next_is_ignored(self):
        self.note(self.coordinator)
        self.login(self.coordinator)
        response = self.client.post(
            reverse("notifications:read_all"), {"next": "https://evil.example/beskeder/"}
        )
        self.assertRedirects(response, INBOX, fetch_redirect_response=False)

    def test_bad_page_numbers_give_a_page(self):
        self.note(self.coordinator)
        self.login(self.coordinator)
        for value in ("abc", "-1", "999999", "1" * 400):
            self.assertEqual(self.client.get(INBOX, {"side": value}).status_code, 200)

    def test_every_staff_role_has_an_inbox(self):
        for user in (self.peer, self.clinician, self.evaluator, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(INBOX).status_code, 200)

    def test_the_inbox_needs_a_login(self):
        response = self.client.get(INBOX)
        self.assertEqual(response.status_code, 302)

    def test_query_count_does_not_grow_with_notifications(self):
        self.login(self.coordinator)
        for _ in range(2):
            self.note(self.coordinator, person=self.alice)
        with count_queries() as small:
            self.client.get(INBOX)
        for _ in range(30):
            self.note(self.coordinator, person=self.carol)
            self.note(self.coordinator)
        with count_queries() as large:
            page = self.client.get(INBOX)
        self.assertEqual(len(page.context["rows"]), 50)
        self.assertEqual(len(small), len(large))

    def test_the_header_count_is_read_with_the_user(self):
        # No query of its own: the count comes in the user's query (apps.py, issue 19).
        self.note(self.coordinator)
        self.note(self.coordinator)
        services.mark_read(self.note(self.coordinator), user=self.coordinator)
        self.note(self.other_coordinator)
        self.login(self.coordinator)
        with count_queries() as queries:
            page = self.client.get(reverse("accounts:two_factor"))
        self.assertContains(page, '<span class="count-badge">2')
        counting = [q["sql"] for q in queries.captured_queries if "notifications_notif" in q["sql"]]
        self.assertEqual(len(counting), 1)
        self.assertTrue(counting[0].startswith('SELECT "accounts_user"'), counting[0])

    def test_a_user_loaded_another_way_still_gets_the_count(self):
        # A user not loaded by accounts' backend (single sign-on) lacks the attribute.
        from django.test import RequestFactory

        from brobygger.accounts.models import User
        from brobygger.notifications.context import unread_notifications

        self.note(self.coordinator)
        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=self.coordinator.pk)
        with count_queries() as queries:
            self.assertEqual(str(unread_notifications(request)["unread_notifications"]), "1")
        self.assertEqual(len(queries), 1)

    def test_the_count_stops_at_99_plus_in_the_header_and_the_inbox(self):
        # A coordinator at a region's scale had 1,300 unread: counted in full on every
        # request. Counting stops one past 99, and the badge shows "99+".
        from brobygger.accounts.models import User
        from brobygger.notifications.access import unread_count
        from brobygger.notifications.context import unread_notifications

        Notification.objects.bulk_create(
            Notification(
                recipient=self.coordinator,
                kind=NotificationKind.SELF_REFERRAL,
                title=f"Ny selvhenvisning (H-{n})",
                link="/henvisninger/",
            )
            for n in range(99)
        )
        self.login(self.coordinator)
        self.assertContains(self.client.get(PING), '<span class="count-badge">99<')
        self.note(self.coordinator)
        self.note(self.coordinator, title="Endnu en (H-101)")
        self.assertEqual(unread_count(User.objects.get(pk=self.coordinator.pk)), 100)
        header = self.client.get(PING)
        self.assertContains(header, '<span class="count-badge">99+<')
        self.assertContains(self.client.get(INBOX), "Ulæste (99+)")
        # A user loaded another way (single sign-on) counts the same way.
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=self.coordinator.pk)
        self.assertEqual(str(unread_notifications(request)["unread_notifications"]), "99+")
