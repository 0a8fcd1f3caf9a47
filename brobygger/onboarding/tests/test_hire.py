from __future__ import annotations

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.onboarding.models import Hire, Invitation, ItemKind, OnboardingItem, Responsible
from brobygger.people.models import EducationStatus, ExperienceTag, PeerWorker
from brobygger.recruitment import services as recruitment
from brobygger.recruitment.models import ApplicationStatus
from brobygger.testing import BaseTestCase

from .helpers import hire_form, make_application, make_hire, make_posting


class HireTests(BaseTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit)
        self.application = make_application(self.posting)
        self.url = reverse("onboarding:hire", args=[self.application.pk])

    def test_hire_form_is_prefilled_from_the_application_and_the_posting(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form["username"].value(), "hanneh")
        self.assertEqual(form["first_name"].value(), "Hanne")
        self.assertEqual(form["last_name"].value(), "Holm")
        self.assertEqual(form["hours_min"].value(), self.posting.hours_min)
        self.assertEqual(form["contract_start"].value(), self.posting.period_start)
        self.assertEqual(form["contract_end"].value(), self.posting.period_end)
        self.assertEqual(form["units"].value(), [self.unit.pk])
        self.assertEqual(form["kind"].value(), self.posting.peer_kind)
        # The view is a look at the application: logged.
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.coordinator, object_id=self.application.pk, action="view"
            ).exists()
        )

    def test_username_proposal_avoids_taken_names(self) -> None:
        make_hire(self.coordinator, self.application)
        second = make_application(self.posting, name="Hans Hansen", email="hans@example.org")
        self.login(self.coordinator)
        response = self.client.get(reverse("onboarding:hire", args=[second.pk]))
        self.assertEqual(response.context["form"]["username"].value(), "hansh")
        third = make_application(self.posting, name="Hanne Høg", email="hh@example.org")
        response = self.client.get(reverse("onboarding:hire", args=[third.pk]))
        self.assertEqual(response.context["form"]["username"].value(), "hanneh2")

    def test_coordinator_hires_an_offered_applicant(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.url, hire_form(self.application, language="da"))
        peer = PeerWorker.objects.get(user__username="hanneh")
        self.assertRedirects(
            response, reverse("onboarding:peer", args=[peer.pk]), fetch_redirect_response=False
        )
        # The profile, from the offer.
        self.assertEqual(peer.kind, self.posting.peer_kind)
        self.assertEqual(
            (peer.hours_min, peer.hours_max), (self.posting.hours_min, self.posting.hours_max)
        )
        self.assertEqual(peer.contract_start, self.posting.period_start)
        self.assertEqual(peer.contract_end, self.posting.period_end)
        self.assertEqual(list(peer.units.all()), [self.unit])
        # The account: nobody knows a password for it.
        self.assertFalse(peer.user.has_usable_password())
        self.assertEqual(peer.user.role, "peer_worker")
        self.assertEqual(peer.user.email, "hanne@example.org")
        # The application is hired and keeps the link to the profile.
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, ApplicationStatus.HIRED)
        record = Hire.objects.get()
        self.assertEqual(
            (record.application, record.peer, record.hired_by),
            (self.application, peer, self.coordinator),
        )
        # One pending invitation, stored as a hash only.
        invitation = Invitation.objects.get()
        self.assertEqual(invitation.state(), "pending")
        self.assertEqual(len(invitation.token_hash), 64)
        self.assertEqual(invitation.emailed_to, "hanne@example.org")
        days = (invitation.expires_at - invitation.created_at).days
        self.assertEqual(days, 7)
        # The checklist: five steps.
        self.assertEqual(
            set(OnboardingItem.objects.filter(peer=peer).values_list("kind", flat=True)),
            set(ItemKind.values),
        )
        verbs = set(AuditEvent.objects.values_list("verb", flat=True))
        for verb in (
            "recruitment.application_status",
            "user.created",
            "peer.created",
            "onboarding.hired",
            "onboarding.checklist_created",
            "onboarding.invitation_issued",
            "onboarding.invitation_sent",
        ):
            self.assertIn(verb, verbs)
        status_event = AuditEvent.objects.filter(verb="recruitment.application_status").last()
        assert status_event is not None
        self.assertEqual(status_event.data["to"], "hired")
        # The e-mail: in Danish, with the link and the user name.
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["hanne@example.org"])
        self.assertIn("Dit login", message.subject)
        self.assertIn("hanneh", message.body)
        self.assertIn("http://testserver/invitation/", message.body)
        # The link is shown once on the peer's page, then never again.
        page = self.client.get(reverse("onboarding:peer", args=[peer.pk]))
        self.assertContains(page, 'id="invitation-link"')
        self.assertContains(page, "http://testserver/invitation/")
        again = self.client.get(reverse("onboarding:peer", args=[peer.pk]))
        self.assertNotContains(again, 'id="invitation-link"')

    def test_the_link_in_the_email_opens_the_invitation(self) -> None:
        self.login(self.coordinator)
        self.client.post(self.url, hire_form(self.application))
        link = next(
            word for word in mail.outbox[0].body.split() if word.startswith("http://testserver/")
        )
        self.client.logout()
        response = self.client.get(link.removeprefix("http://testserver"))
        self.assertContains(response, 'id="invitation-username"')
        self.assertContains(response, "hanneh")

    def test_invitation_email_is_in_the_new_peers_language(self) -> None:
        make_hire(self.coordinator, self.application, language="en")
        self.login(self.coordinator)
        # The service makes the invitation; sending happens in the view: send it here.
        from brobygger.onboarding import invitations

        invitation = Invitation.objects.get()
        self.assertTrue(invitations.send_invitation(invitation, url="https://x.example/i/abc/"))
        self.assertIn("Your login", mail.outbox[0].subject)
        self.assertIn("Your user name is hanneh.", mail.outbox[0].body)

    def test_without_an_email_address_the_coordinator_is_told_to_hand_over_the_link(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.url, hire_form(self.application, email=""), follow=True)
        self.assertEqual(len(mail.outbox), 0)
        self.assertContains(response, "ikke sendt")
        self.assertContains(response, 'id="invitation-link"')

    def test_experience_tags_chosen_on_the_form_go_on_the_profile(self) -> None:
        tag = ExperienceTag.objects.create(
            slug="admission", name_da="Indlæggelse", name_en="Admission"
        )
        self.login(self.coordinator)
        self.assertContains(self.client.get(self.url), "Indlæggelse")
        self.client.post(self.url, hire_form(self.application, experience_tags=[tag.pk]))
        peer = PeerWorker.objects.get(user__username="hanneh")
        self.assertEqual(list(peer.experience_tags.all()), [tag])

    def test_hire_is_refused_when_the_application_is_not_offered(self) -> None:
        early = make_application(
            self.posting, status=ApplicationStatus.INTERVIEW, email="x@example.org"
        )
        url = reverse("onboarding:hire", args=[early.pk])
        self.login(self.coordinator)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="hire-refused"', status_code=409)
        response = self.client.post(url, hire_form(early))
        self.assertEqual(response.status_code, 409)
        self.assertFalse(PeerWorker.objects.filter(user__username="hanneh").exists())
        early.refresh_from_db()
        self.assertEqual(early.status, ApplicationStatus.INTERVIEW)

    def test_hire_twice_is_refused(self) -> None:
        record, _token = make_hire(self.coordinator, self.application)
        self.login(self.coordinator)
        response = self.client.get(self.url)
        self.assertRedirects(
            response,
            reverse("onboarding:peer", args=[record.peer_id]),
            fetch_redirect_response=False,
        )
        with self.assertRaises(ValidationError) as raised:
            make_hire(self.coordinator, self.application, username="other")
        self.assertEqual(raised.exception.code, "already_hired")
        self.assertEqual(Hire.objects.count(), 1)

    def test_application_marked_hired_elsewhere_cannot_be_hired_again(self) -> None:
        recruitment.transition_application(
            actor=self.coordinator, application=self.application, to=ApplicationStatus.HIRED
        )
        with self.assertRaises(ValidationError) as raised:
            make_hire(self.coordinator, self.application)
        self.assertEqual(raised.exception.code, "already_hired")
        self.assertFalse(PeerWorker.objects.filter(user__username="hanneh").exists())

    def test_other_coordinators_posting_is_404(self) -> None:
        self.login(self.other_coordinator)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, hire_form(self.application)).status_code, 404)
        self.assertFalse(Hire.objects.exists())

    def test_taken_username_keeps_the_form_and_what_was_typed(self) -> None:
        self.login(self.coordinator)
        data = hire_form(self.application, username="Peer", introduction_by="Lise Holm")
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Brugernavnet er optaget", status_code=422)
        self.assertContains(response, 'value="Lise Holm"', status_code=422)
        self.assertFalse(Hire.objects.exists())
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, ApplicationStatus.OFFERED)

    def test_bad_contract_and_hours_are_form_errors(self) -> None:
        self.login(self.coordinator)
        start = self.posting.period_start
        data = hire_form(
            self.application,
            hours_min="15",
            hours_max="8",
            contract_end=(start - datetime.timedelta(days=1)).isoformat(),
            units=[],
        )
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 422)
        errors = response.context["form"].errors
        self.assertIn("hours_max", errors)
        self.assertIn("contract_end", errors)
        self.assertIn("units", errors)
        self.assertFalse(Hire.objects.exists())

    def test_garbage_input_is_a_form_error_not_a_500(self) -> None:
        self.login(self.coordinator)
        data = hire_form(
            self.application, hours_min="x", contract_start="31-31-2026", units=["999999"], kind="?"
        )
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            self.client.get(reverse("onboarding:hire", args=[999999])).status_code, 404
        )

    def test_education_completed_or_planned_ticks_that_step(self) -> None:
        record, _token = make_hire(
            self.coordinator, self.application, education_status=EducationStatus.PLANNED
        )
        item = OnboardingItem.objects.get(peer=record.peer, kind=ItemKind.EDUCATION)
        self.assertIsNotNone(item.done_on)
        self.assertEqual(item.done_by, self.coordinator)

    def test_named_person_introduces_the_new_peer(self) -> None:
        record, _token = make_hire(
            self.coordinator, self.application, introduction_by="Afdelingssygeplejerske Lise Holm"
        )
        item = OnboardingItem.objects.get(peer=record.peer, kind=ItemKind.INTRODUCTION)
        self.assertEqual(item.responsible, Responsible.NAMED)
        self.assertEqual(item.responsible_label, "Afdelingssygeplejerske Lise Holm")

    def test_due_dates_count_from_the_contract_start(self) -> None:
        record, _token = make_hire(self.coordinator, self.application)
        start = record.peer.contract_start
        dues = dict(OnboardingItem.objects.filter(peer=record.peer).values_list("kind", "due_on"))
        self.assertEqual(dues[ItemKind.CONTRACT], start - datetime.timedelta(days=1))
        self.assertEqual(dues[ItemKind.IT_SECURITY], start + datetime.timedelta(days=7))
        self.assertEqual(dues[ItemKind.INTRODUCTION], start + datetime.timedelta(days=7))
        self.assertEqual(dues[ItemKind.EDUCATION], start + datetime.timedelta(days=28))
        self.assertEqual(dues[ItemKind.SUPERVISION], start + datetime.timedelta(days=28))
        responsible = dict(
            OnboardingItem.objects.filter(peer=record.peer).values_list("kind", "responsible")
        )
        self.assertEqual(responsible[ItemKind.IT_SECURITY], Responsible.PEER)
        self.assertEqual(responsible[ItemKind.CONTRACT], Responsible.COORDINATOR)

    def test_relative_peer_posting_makes_a_relative_peer(self) -> None:
        posting = make_posting(self.unit, peer_kind="relative_peer")
        application = make_application(posting, email="r@example.org")
        record, _token = make_hire(self.coordinator, application, kind="relative_peer")
        self.assertEqual(record.peer.user.role, "relative_peer")

    def test_role_matrix_for_the_hire_page(self) -> None:
        for user in (self.peer, self.relative_peer, self.clinician, self.evaluator, self.admin):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(self.url).status_code, 403)
                self.assertEqual(
                    self.client.post(self.url, hire_form(self.application)).status_code, 403
                )
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/log-ind/", response["Location"])
        self.assertFalse(Hire.objects.exists())


class ApplicationDetailLinkTests(BaseTestCase):
    def test_offered_application_shows_the_hire_button_and_hired_links_to_onboarding(self) -> None:
        posting = make_posting(self.unit)
        application = make_application(posting)
        self.login(self.coordinator)
        detail = reverse("recruitment:application_detail", args=[application.pk])
        self.assertContains(self.client.get(detail), 'id="hire-link"')
        make_hire(self.coordinator, application)
        response = self.client.get(detail)
        self.assertNotContains(response, 'id="hire-link"')
        self.assertContains(response, 'id="onboarding-link"')
