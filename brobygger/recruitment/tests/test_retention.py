"""Retention: the scheduled purge, and the applicant's own withdraw-and-delete link."""

from __future__ import annotations

import datetime
import io
import re

from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.recruitment import interviews, retention, services
from brobygger.recruitment.models import (
    Application,
    CriterionNote,
    Interview,
    InterviewNote,
    InterviewSeat,
    RemovedApplication,
    RetentionRun,
)

from .helpers import (
    CRITERIA,
    TempMediaTestCase,
    make_application,
    make_interview,
    make_posting,
)
from .test_applications import application_form


def close_days_ago(posting: object, days: int) -> None:
    services.close_posting(actor=None, posting=posting)  # type: ignore[arg-type]
    type(posting).objects.filter(pk=posting.pk).update(  # type: ignore[attr-defined]
        closed_at=timezone.now() - datetime.timedelta(days=days)
    )


class PurgeTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.old = make_posting(self.unit, criteria=CRITERIA, title_da="Gammelt opslag")
        self.rejected = make_application(self.old, name="Afvist", cv=True)
        self.hired = make_application(self.old, name="Ansat", cv=True)
        interview = make_interview(
            self.rejected,
            panel=[self.coordinator, self.peer],
            starts_at=timezone.now() - datetime.timedelta(days=2),
        )
        interviews.save_interview_note(
            actor=self.peer.user,
            interview=interview,
            ratings={c.pk: ("partly", "Noget") for c in self.old.criteria.all()},
            recommendation="unsure",
            summary="",
        )
        services.transition_application(
            actor=self.coordinator, application=self.rejected, to="rejected", reason="other"
        )
        for to in ("shortlisted", "interview", "offered", "hired"):
            services.transition_application(actor=self.coordinator, application=self.hired, to=to)
        self.recent = make_posting(self.unit, title_da="Nyligt lukket")
        self.recent_application = make_application(self.recent, name="Nylig")
        self.open_application = make_application(make_posting(self.unit), name="Åben")
        close_days_ago(self.old, 200)
        close_days_ago(self.recent, 30)
        self.cv_name = self.rejected.cv.name

    def test_purge_is_idempotent_keeps_hired_and_recent_and_logs_the_count(self) -> None:
        self.assertTrue(default_storage.exists(self.cv_name))
        with self.captureOnCommitCallbacks(execute=True):
            first = retention.purge_applications()
        self.assertEqual(first.deleted, 1)
        self.assertFalse(Application.objects.filter(pk=self.rejected.pk).exists())
        self.assertFalse(Interview.objects.filter(application_id=self.rejected.pk).exists())
        self.assertFalse(InterviewSeat.objects.exists())
        self.assertFalse(InterviewNote.objects.exists())
        self.assertFalse(CriterionNote.objects.exists())
        self.assertFalse(default_storage.exists(self.cv_name))
        self.assertEqual(
            set(Application.objects.values_list("name", flat=True)), {"Ansat", "Nylig", "Åben"}
        )
        self.assertTrue(default_storage.exists(self.hired.cv.name))
        with self.captureOnCommitCallbacks(execute=True):
            second = retention.purge_applications()
        self.assertEqual(second.deleted, 0)
        events = AuditEvent.objects.filter(verb="recruitment.applications_purged").order_by("seq")
        self.assertEqual(
            [e.data for e in events],
            [{"deleted": 1, "retention_days": 183}, {"deleted": 0, "retention_days": 183}],
        )
        self.assertEqual(RetentionRun.objects.count(), 2)
        # The withdraw link of a purged application says it is gone.
        self.assertEqual(RemovedApplication.objects.get().reason, "retention")

    @override_settings(RECRUITMENT_RETENTION_DAYS=14)
    def test_the_retention_time_is_a_setting(self) -> None:
        out = io.StringIO()
        call_command("purge_applications", stdout=out)
        self.assertEqual(out.getvalue().strip(), "2 application(s) deleted.")
        self.assertEqual(set(Application.objects.values_list("name", flat=True)), {"Ansat", "Åben"})
        out = io.StringIO()
        call_command("purge_applications", stdout=out)
        self.assertEqual(out.getvalue().strip(), "0 application(s) deleted.")


class WithdrawTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit, criteria=CRITERIA)

    def apply(self) -> tuple[Application, str]:
        from .helpers import pdf_upload

        response = self.client.post(
            reverse("recruitment:job_apply", args=[self.posting.pk]),
            application_form(cv=pdf_upload()),
        )
        self.assertEqual(response.status_code, 302)
        receipt = self.client.get(reverse("recruitment:job_apply_received"))
        match = re.search(r'id="withdraw-link" href="([^"]+)"', receipt.content.decode())
        assert match is not None
        return Application.objects.get(), match.group(1)

    def test_receipt_and_email_give_a_private_link_and_only_its_hash_is_stored(self) -> None:
        application, link = self.apply()
        token = link.rstrip("/").rsplit("/", 1)[1]
        self.assertGreaterEqual(len(token), 40)
        self.assertNotIn(token, str(Application.objects.values().get()))
        self.assertEqual(application.withdraw_token_hash, services.hash_token(token))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["jens@example.org"])
        self.assertIn(link, mail.outbox[0].body)
        self.assertNotIn("Jens", mail.outbox[0].body)

    def test_withdraw_deletes_everything_at_once_and_the_link_is_single_use(self) -> None:
        application, link = self.apply()
        cv_name = application.cv.name
        make_interview(
            application,
            panel=[self.coordinator, self.peer],
            starts_at=timezone.now() + datetime.timedelta(days=3),
        )
        page = self.client.get(link)
        self.assertContains(page, 'id="withdraw-page"')
        self.assertNotContains(page, "Jens")
        self.assertIn("no-store", page["Cache-Control"])
        # The confirm step: nothing happens without the tick.
        response = self.client.post(link, {})
        self.assertEqual(response.status_code, 422)
        self.assertTrue(Application.objects.exists())
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(link, {"confirm": "on"})
        self.assertContains(response, 'id="withdraw-done"')
        self.assertFalse(Application.objects.exists())
        self.assertFalse(Interview.objects.exists())
        self.assertFalse(InterviewSeat.objects.exists())
        self.assertFalse(default_storage.exists(cv_name))
        event = AuditEvent.objects.get(verb="recruitment.application_withdrawn_deleted")
        self.assertEqual(
            (event.object_type, event.object_id), ("recruitment.jobposting", self.posting.pk)
        )
        self.assertEqual(event.data, {"application": application.pk, "status": "interview"})
        self.assertIsNone(event.person_id)
        # The used link says clearly that the application is gone.
        again = self.client.get(link)
        self.assertContains(again, 'id="withdraw-gone"', status_code=410)
        self.assertContains(again, "trukket tilbage og slettet", status_code=410)
        again = self.client.post(link, {"confirm": "on"})
        self.assertEqual(again.status_code, 410)
        self.assertEqual(
            AuditEvent.objects.filter(verb="recruitment.application_withdrawn_deleted").count(), 1
        )

    def test_unknown_and_strange_tokens_are_404_not_500(self) -> None:
        for token in ("nope", "x" * 300, "%00", "ÆØÅ"):
            response = self.client.get(reverse("recruitment:withdraw", args=[token]))
            self.assertContains(response, 'id="withdraw-gone"', status_code=404)

    def test_a_hired_applicant_cannot_delete_through_the_link(self) -> None:
        application, link = self.apply()
        for to in ("shortlisted", "interview", "offered", "hired"):
            services.transition_application(actor=self.coordinator, application=application, to=to)
        self.assertContains(self.client.get(link), 'id="withdraw-hired"')
        response = self.client.post(link, {"confirm": "on"})
        self.assertContains(response, "Du er blevet ansat", status_code=422)
        self.assertTrue(Application.objects.filter(pk=application.pk).exists())

    def test_spam_gets_no_link(self) -> None:
        response = self.client.post(
            reverse("recruitment:job_apply", args=[self.posting.pk]),
            application_form(website="http://spam.example"),
        )
        self.assertEqual(response.status_code, 302)
        receipt = self.client.get(reverse("recruitment:job_apply_received"))
        self.assertNotContains(receipt, 'id="withdraw-link"')
        self.assertEqual(len(mail.outbox), 0)
