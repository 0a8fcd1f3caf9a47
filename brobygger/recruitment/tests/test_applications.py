from __future__ import annotations

import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.lib.paging import PAGE_SIZE
from brobygger.recruitment.cv import MAX_CV_BYTES
from brobygger.recruitment.models import Application, JobPosting
from brobygger.testing import count_queries

from .helpers import (
    PDF_BYTES,
    TempMediaTestCase,
    docx_bytes,
    make_application,
    make_posting,
    pdf_upload,
    stored_files,
)


def application_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Jens Bro",
        "email": "jens@example.org",
        "phone": "",
        "motivation": "Jeg vil bruge mine erfaringer.",
        "experience": "Jeg har været indlagt og kom mig.",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


class ApplyTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit)
        self.url = reverse("recruitment:job_apply", args=[self.posting.pk])

    def test_application_with_a_pdf_cv_is_stored_with_a_receipt(self) -> None:
        response = self.client.post(self.url, application_form(cv=pdf_upload("Jens Bro CV.pdf")))
        self.assertRedirects(
            response, reverse("recruitment:job_apply_received"), fetch_redirect_response=False
        )
        application = Application.objects.get()
        self.assertEqual((application.status, application.cv_kind), ("received", "pdf"))
        self.assertIsNotNone(application.consent_at)
        # The stored name is random: the applicant's own file name is nowhere in it.
        self.assertNotIn("Jens", application.cv.name)
        self.assertRegex(application.cv.name, r"^recruitment/cv/[0-9a-f]{32}\.pdf$")
        self.assertTrue(default_storage.exists(application.cv.name))
        receipt = self.client.get(reverse("recruitment:job_apply_received"))
        self.assertContains(receipt, 'id="application-received"')
        self.assertNotContains(receipt, "Jens")
        # The receipt is shown once.
        again = self.client.get(reverse("recruitment:job_apply_received"))
        self.assertEqual(again.status_code, 302)

    def test_docx_built_with_zipfile_is_accepted(self) -> None:
        upload = SimpleUploadedFile("cv.docx", docx_bytes())
        response = self.client.post(self.url, application_form(cv=upload))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Application.objects.get().cv_kind, "docx")

    def test_renamed_executables_are_refused(self) -> None:
        for content in (b"MZ\x90\x00\x03" + b"\x00" * 100, b"\x7fELF\x02\x01\x01" + b"\x00" * 100):
            response = self.client.post(
                self.url, application_form(cv=SimpleUploadedFile("cv.pdf", content))
            )
            self.assertContains(response, "ikke en PDF-fil", status_code=422)
            self.assertContains(response, 'value="Jens Bro"', status_code=422)
        exe_as_docx = SimpleUploadedFile("cv.docx", b"MZ" + b"\x00" * 100)
        response = self.client.post(self.url, application_form(cv=exe_as_docx))
        self.assertContains(response, "ikke et Word-dokument", status_code=422)
        self.assertFalse(Application.objects.exists())

    def test_zip_without_word_parts_is_refused(self) -> None:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", b"MZ")
        upload = SimpleUploadedFile("cv.docx", buffer.getvalue())
        response = self.client.post(self.url, application_form(cv=upload))
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Application.objects.exists())

    def test_too_large_cv_is_refused(self) -> None:
        big = SimpleUploadedFile("cv.pdf", PDF_BYTES + b"0" * MAX_CV_BYTES)
        response = self.client.post(self.url, application_form(cv=big))
        self.assertContains(response, "5 MB", status_code=422)
        self.assertFalse(Application.objects.exists())

    def test_wrong_extension_is_refused(self) -> None:
        for name in ("cv.exe", "cv.doc", "cv.pdf.exe", "cv"):
            response = self.client.post(
                self.url, application_form(cv=SimpleUploadedFile(name, PDF_BYTES))
            )
            self.assertContains(response, "PDF- eller Word-fil", status_code=422)
        self.assertFalse(Application.objects.exists())

    def test_nothing_is_stored_without_consent(self) -> None:
        before = stored_files()
        response = self.client.post(self.url, application_form(consent="", cv=pdf_upload()))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="Jens Bro"', status_code=422)
        self.assertFalse(Application.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(verb__startswith="recruitment.app").exists())
        self.assertEqual(stored_files(), before)

    def test_a_contact_is_required(self) -> None:
        response = self.client.post(self.url, application_form(email="", phone=""))
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Application.objects.exists())
        response = self.client.post(self.url, application_form(email="", phone="22 33 44 55"))
        self.assertEqual(response.status_code, 302)

    def test_honeypot_stores_nothing_but_looks_the_same(self) -> None:
        response = self.client.post(
            self.url, application_form(website="http://spam.example", cv=pdf_upload())
        )
        self.assertRedirects(response, reverse("recruitment:job_apply_received"))
        self.assertFalse(Application.objects.exists())

    @override_settings(PUBLIC_FORM_LIMIT_PER_HOUR=2)
    def test_rate_limit_per_device_keeps_the_input(self) -> None:
        self.client.get(self.url)  # the form page gives the browser its device cookie
        for i in range(2):
            self.client.post(self.url, application_form(name=f"Ansøger {i}"))
        response = self.client.post(self.url, application_form(name="Tredje"))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, 'value="Tredje"', status_code=429)
        self.assertEqual(Application.objects.count(), 2)
        # Another device (a browser of its own) is not held back by this one.
        other = Client().post(self.url, application_form(), REMOTE_ADDR="10.1.2.3")
        self.assertEqual(other.status_code, 302)

    def test_strange_input_is_escaped_not_500(self) -> None:
        response = self.client.post(
            self.url,
            application_form(
                name="<script>alert(1)</script> Åse 🌻",
                email="ikke-en-mail",
                phone="abc",
                motivation="\u202e" * 3 + "x" * 6000,
            ),
        )
        self.assertEqual(response.status_code, 422)
        self.assertNotContains(response, "<script>alert(1)", status_code=422)
        stored = self.client.post(
            self.url,
            application_form(name="<b>Åse</b> 🌻", motivation="<img src=x onerror=alert(1)> 💚"),
        )
        self.assertEqual(stored.status_code, 302)
        application = Application.objects.get()
        self.login(self.coordinator)
        page = self.client.get(reverse("recruitment:application_detail", args=[application.pk]))
        self.assertContains(page, "&lt;b&gt;Åse&lt;/b&gt; 🌻")
        self.assertContains(page, "&lt;img src=x onerror=alert(1)&gt; 💚")
        self.assertNotContains(page, "<img src=x")

    def test_bad_pks_are_404_not_500(self) -> None:
        for path in ("/job/999999/", "/job/999999/ansoeg/", "/job/99999999999999999999/"):
            self.assertEqual(self.client.get(path).status_code, 404)


class CoordinatorApplicationTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit)
        self.application = make_application(self.posting, cv=True)

    def test_coordinator_sees_list_and_detail_and_each_look_is_logged(self) -> None:
        self.login(self.coordinator)
        listing = self.client.get(reverse("recruitment:application_list", args=[self.posting.pk]))
        self.assertContains(listing, "Hanne Holm")
        # No free text about the applicant in the list.
        self.assertNotContains(listing, "håb videre")
        self.assertNotContains(listing, "Indlagt to gange")
        detail = self.client.get(
            reverse("recruitment:application_detail", args=[self.application.pk])
        )
        self.assertContains(detail, "håb videre")
        self.assertContains(detail, "Indlagt to gange")
        self.assertContains(detail, 'id="cv-download"')
        entries = AccessLogEntry.objects.filter(user=self.coordinator).order_by("seq")
        self.assertEqual(
            [(e.action, e.object_type, e.person_id) for e in entries],
            [
                ("search", "recruitment.jobposting", None),
                ("view", "recruitment.application", None),
            ],
        )
        self.assertEqual(entries[1].object_id, self.application.pk)
        self.assertEqual(entries[1].purpose, "recruitment")

    def test_cv_download_for_the_right_coordinator(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(
            reverse("recruitment:application_cv", args=[self.application.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)  # type: ignore[attr-defined]
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="cv-{self.application.pk}.pdf"'
        )
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.coordinator, action="export", object_id=self.application.pk
            ).exists()
        )

    def test_cv_is_not_served_from_a_public_url(self) -> None:
        response = self.client.get("/media/" + self.application.cv.name)
        self.assertIn(response.status_code, (302, 404))

    def test_other_units_coordinator_gets_404(self) -> None:
        self.login(self.other_coordinator)
        for name in ("application_detail", "application_cv"):
            url = reverse(f"recruitment:{name}", args=[self.application.pk])
            self.assertEqual(self.client.get(url).status_code, 404)
        url = reverse("recruitment:application_transition", args=[self.application.pk])
        response = self.client.post(url, {"to": "rejected", "reason": "other"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AccessLogEntry.objects.filter(user=self.other_coordinator).exists())

    def test_posting_without_unit_lets_every_coordinator_download(self) -> None:
        application = make_application(make_posting(None), cv=True)
        self.login(self.other_coordinator)
        url = reverse("recruitment:application_cv", args=[application.pk])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_peers_evaluators_clinicians_and_admins_off_the_panel_get_404(self) -> None:
        urls = [
            reverse("recruitment:application_list", args=[self.posting.pk]),
            reverse("recruitment:application_detail", args=[self.application.pk]),
            reverse("recruitment:application_cv", args=[self.application.pk]),
        ]
        for user in (self.peer, self.other_peer, self.evaluator, self.clinician, self.admin):
            self.login(user)
            for url in urls:
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
        self.assertFalse(AccessLogEntry.objects.filter(purpose="recruitment").exists())

    def test_anonymous_is_sent_to_login(self) -> None:
        url = reverse("recruitment:application_cv", args=[self.application.pk])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_application_list_query_count_is_constant(self) -> None:
        self.login(self.coordinator)
        url = reverse("recruitment:application_list", args=[self.posting.pk])
        make_application(self.posting, name="Anden ansøger")
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for i in range(PAGE_SIZE + 5):  # more than a page
            make_application(self.posting, name=f"Ansøger {i:02d}")
        with count_queries() as many:
            response = self.client.get(url)
        self.assertContains(response, "Ansøger 14")
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))
        self.assertLessEqual(len(many.captured_queries), 15)
        total = self.posting.applications.count()
        self.assertEqual(len(response.context["applications"]), PAGE_SIZE)
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {total}")
        last = self.client.get(url, {"page": "2"})
        self.assertEqual(len(last.context["applications"]), total - PAGE_SIZE)

    def test_application_list_filters_by_status_and_keeps_it_in_the_pager(self) -> None:
        for i in range(PAGE_SIZE + 1):
            make_application(self.posting, name=f"Modtaget {i:02d}")
        self.login(self.coordinator)
        url = reverse("recruitment:application_list", args=[self.posting.pk])
        received = self.client.get(url, {"status": "received"})
        self.assertEqual({a.status for a in received.context["applications"]}, {"received"})
        self.assertContains(received, 'href="?status=received&amp;page=2"')
        none = self.client.get(url, {"status": "hired"})
        self.assertEqual(list(none.context["applications"]), [])
        self.assertEqual(self.client.get(url, {"status": "x", "page": "z"}).status_code, 200)

    def test_posting_list_pages_past_25_postings_with_the_same_queries(self) -> None:
        self.login(self.coordinator)
        url = reverse("recruitment:posting_list")
        make_posting(self.unit, title_da="Anden stilling")
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for _i in range(PAGE_SIZE + 4):  # more than a page
            make_application(make_posting(self.unit))
        with count_queries() as many:
            response = self.client.get(url)
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))
        total = JobPosting.objects.visible_to(self.coordinator).count()
        self.assertGreater(total, PAGE_SIZE)
        self.assertEqual(len(response.context["postings"]), PAGE_SIZE)
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {total}")
        self.assertContains(response, 'href="?page=2"')
        last = self.client.get(url, {"page": "2"})
        self.assertEqual(len(last.context["postings"]), total - PAGE_SIZE)
        self.assertEqual(self.client.get(url, {"page": "x"}).status_code, 200)


class TransitionTests(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit)
        self.application = make_application(self.posting)
        self.url = reverse("recruitment:application_transition", args=[self.application.pk])
        self.login(self.coordinator)

    def test_reject_needs_a_reason_and_writes_an_audit_event_with_codes_only(self) -> None:
        response = self.client.post(self.url, {"to": "rejected", "reason": ""})
        self.assertEqual(response.status_code, 422)
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, "received")
        response = self.client.post(self.url, {"to": "rejected", "reason": "not_qualified"})
        self.assertEqual(response.status_code, 302)
        self.application.refresh_from_db()
        self.assertEqual(
            (self.application.status, self.application.status_reason),
            ("rejected", "not_qualified"),
        )
        event = AuditEvent.objects.get(verb="recruitment.application_status")
        self.assertEqual(
            event.data, {"from": "received", "to": "rejected", "reason": "not_qualified"}
        )

    def test_the_whole_pipeline_is_allowed_in_order(self) -> None:
        self.assertEqual(self.client.post(self.url, {"to": "shortlisted"}).status_code, 302)
        # "Interview" is reached by booking the interview, not by the status form.
        self.assertEqual(self.client.post(self.url, {"to": "interview"}).status_code, 422)
        day = timezone.localdate() + datetime.timedelta(days=3)
        booking = self.client.post(
            reverse("recruitment:interview_book", args=[self.application.pk]),
            {
                "date": day.isoformat(),
                "time": "10:00",
                "minutes": "45",
                "mode": "video",
                "place": "",
                "panel": [self.coordinator.pk],
            },
        )
        self.assertEqual(booking.status_code, 302)
        self.assertEqual(self.client.post(self.url, {"to": "offered"}).status_code, 302)
        # "Hired" is reached through the hire step (account, invitation, onboarding).
        self.assertEqual(self.client.post(self.url, {"to": "hired"}).status_code, 422)
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, "offered")
        self.assertEqual(
            AuditEvent.objects.filter(verb="recruitment.application_status").count(), 3
        )

    def test_refused_transitions_change_nothing(self) -> None:
        for to in ("hired", "offered", "interview", "received", "nonsense"):
            response = self.client.post(self.url, {"to": to})
            self.assertEqual(response.status_code, 422, to)
        self.client.post(self.url, {"to": "withdrawn", "reason": "applicant_withdrew"})
        response = self.client.post(self.url, {"to": "shortlisted"})
        self.assertEqual(response.status_code, 422)
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, "withdrawn")
        self.assertEqual(
            AuditEvent.objects.filter(verb="recruitment.application_status").count(), 1
        )
