"""The research export: what is in it, what never is, who gets it, and for how long."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from brobygger.accounts.models import Role
from brobygger.audit.models import AccessLogEntry, AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes.models import Instrument
from brobygger.outcomes.services import sync_schedule
from brobygger.research import services
from brobygger.research.models import ResearchExport
from brobygger.research.pseudonym import Pseudonymiser
from brobygger.research.views import TOKENS_SESSION_KEY
from brobygger.scheduling import services as scheduling
from brobygger.testing import TODAY, count_queries, make_person, make_user

from .helpers import SECRETS, TWINS, ResearchTestCase, csv_bytes, table, xlsx_bytes, xlsx_text

LIST = reverse("research:export_list")
YEAR = TODAY.year  # every course of the cast and of Dora started in it
ALIKE = TWINS + 1  # Dora and her twins


def period(**overrides: Any) -> dict[str, Any]:
    data = {
        "first_year": str(YEAR),
        "last_year": str(YEAR),
        "purpose": "Evaluering af peerstøtte, projekt 2026-17",
    }
    data.update(overrides)
    return data


def month(day: datetime.date | None) -> str:
    return f"{day:%Y-%m}" if day else ""


class ExportTestCase(ResearchTestCase):
    def make(self, **overrides: Any) -> tuple[ResearchExport, str]:
        fields: dict[str, Any] = {
            "actor": self.evaluator,
            "purpose": "Evaluering af peerstøtte, projekt 2026-17",
            "started_from": datetime.date(YEAR, 1, 1),
            "started_to": datetime.date(YEAR, 12, 31),
        }
        fields.update(overrides)
        return services.create_export(**fields)

    def download(self, token: str, fmt: str = "csv") -> Any:
        url = reverse("research:export_download", args=[token, fmt])
        return self.client.get(url)

    def dora_rows(self, data: bytes) -> list[dict[str, str]]:
        # Dora's and her twins' are the only courses with a phone conversation.
        rows = [r for r in table(data, 0) if r["phone_conversations"] == "1"]
        self.assertEqual(len(rows), ALIKE)
        return rows


class ExportFileTests(ExportTestCase):
    # What is in the files, how persons are hidden, and what building them costs.

    def test_export_holds_no_name_cpr_contact_address_or_free_text(self):
        export, _token = self.make()
        files = {
            "csv": csv_bytes(export).decode("utf-8-sig"),
            "xlsx": xlsx_text(xlsx_bytes(export)),
        }
        twins = ["Tvilling1", "Tvillingevej", "70000001"]
        for kind, text in files.items():
            for secret in [*SECRETS, *twins]:
                with self.subTest(kind=kind, secret=secret):
                    self.assertNotIn(secret.casefold(), text.casefold())
        # The peers are staff, but their names do not belong in it either.
        self.assertNotIn("Peer Peer", files["csv"])

    def test_one_row_per_course_and_per_questionnaire(self):
        export, _token = self.make()
        courses, administrations = table(csv_bytes(export), 0), table(csv_bytes(export), 1)
        # Dora and her twins; Alice and Bob are each alone in their group and left out.
        self.assertEqual(len(courses), ALIKE)
        self.assertEqual(export.course_rows, ALIKE)
        self.assertEqual(len(administrations), export.administration_rows)
        self.assertEqual(export.anonymity["step"], 1)  # nothing needed generalising
        for dora in self.dora_rows(csv_bytes(export)):
            self.assertEqual(
                {k: dora[k] for k in ("support_model", "gender", "age_band", "person_kind")},
                {"support_model": "individual", "gender": "female", "age_band": "30-44",
                 "person_kind": "patient"},
            )  # fmt: skip
            self.assertEqual((dora["unit"], dora["unit_kind"]), ("Afsnit R1", "ward"))
            self.assertEqual((dora["conversations"], dora["minutes"]), ("1", "40"))
            self.assertEqual((dora["group_sessions"], dora["admissions"]), ("1", "2"))
            self.assertEqual(dora["bed_days"], "50")  # the open admission is not counted
            self.assertEqual((dora["phase"], dora["end_reason"]), ("discharged", "completed"))
            answered = [
                a
                for a in administrations
                if a["person"] == dora["person"] and a["status"] == "completed"
            ]
            self.assertEqual(len(answered), 1)
            self.assertEqual(answered[0]["course"], dora["course"])
            self.assertEqual(
                (answered[0]["items_answered"], answered[0]["items_skipped"]), ("5", "1")
            )
            self.assertEqual(answered[0]["answered_by"], "with_peer")
            self.assertEqual(answered[0]["instrument"], "oplevelse-af-peerstoette")
            self.assertTrue(answered[0]["total"])
        header = table(csv_bytes(export), 1)[0].keys()
        self.assertFalse({"lyttet", "haab", "alene"} & set(header))  # no single answers

    def test_xlsx_has_the_same_tables_and_no_formulas(self):
        export, _token = self.make()
        workbook = load_workbook(io.BytesIO(xlsx_bytes(export)))
        self.assertEqual(
            workbook.sheetnames, ["Forløb", "Spørgeskemaer", "Kodebog", "Om udtrækket"]
        )
        courses = workbook["Forløb"]
        self.assertEqual(courses.max_row, 1 + export.course_rows)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                self.assertFalse([c for c in row if c.data_type == "f"])

    def test_support_model_year_and_instrument_filter_the_rows(self):
        other = Instrument.objects.create(key="andet", name_da="Andet", name_en="Other")
        export, _token = self.make(instrument=other)
        self.assertEqual((export.course_rows, export.administration_rows), (ALIKE, 0))
        lifecycle.update_course(actor=None, course=self.alice_course, support_model="bridge")
        export, _token = self.make(support_models=["individual"])
        self.assertEqual({r["support_model"] for r in table(csv_bytes(export), 0)}, {"individual"})
        self.assertEqual(export.course_rows, ALIKE)
        # Alone in the bridge model, Alice cannot be exported at all.
        with self.assertRaisesMessage(ValidationError, "For få forløb til en anonym eksport"):
            self.make(support_models=["bridge"])
        with self.assertRaisesMessage(ValidationError, "Intet forløb startede i perioden"):
            self.make(
                started_from=datetime.date(YEAR - 1, 1, 1),
                started_to=datetime.date(YEAR - 1, 12, 31),
            )

    def test_an_export_covers_whole_calendar_years(self):
        # Two exports a day apart would differ by exactly who started on that day.
        for start, end in [
            (datetime.date(YEAR, 1, 2), datetime.date(YEAR, 12, 31)),
            (datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 30)),
            (TODAY - datetime.timedelta(days=365), TODAY),
        ]:
            with (
                self.subTest(start=start, end=end),
                self.assertRaisesMessage(ValidationError, "hele kalenderår"),
            ):
                self.make(started_from=start, started_to=end)
        export, _token = self.make(
            started_from=datetime.date(YEAR - 1, 1, 1), started_to=datetime.date(YEAR, 12, 31)
        )
        self.assertEqual(export.period_label, f"{YEAR - 1}\u2013{YEAR}")
        self.assertFalse(ResearchExport.objects.filter(started_from__day=2).exists())

    def test_pseudonyms_are_stable_within_and_differ_across_exports(self):
        first, _token = self.make()
        second, _token = self.make()
        one, two = table(csv_bytes(first), 0), table(csv_bytes(second), 0)
        self.assertEqual(len({r["person"] for r in one}), ALIKE)
        dora_one = self.dora_rows(csv_bytes(first))[0]
        questionnaires = [
            a for a in table(csv_bytes(first), 1) if a["course"] == dora_one["course"]
        ]
        self.assertTrue(questionnaires)
        self.assertEqual({a["person"] for a in questionnaires}, {dora_one["person"]})
        self.assertFalse({r["person"] for r in one} & {r["person"] for r in two})
        self.assertFalse({r["course"] for r in one} & {r["course"] for r in two})
        for row in one:
            self.assertRegex(row["person"], r"^P-[0-9a-f]{16}$")
            self.assertNotIn(str(self.dora_course.pk), row["course"].split("-")[0])

    def test_dates_are_months_never_days(self):
        export, _token = self.make()
        course = self.dora_course
        for row in self.dora_rows(csv_bytes(export)):
            self.assertEqual(
                [row[c] for c in ("start", "admitted", "discharged", "follow_up_until", "end")],
                [
                    month(course.started_on),
                    month(course.admitted_on),
                    month(course.discharged_on),
                    month(course.follow_up_until),
                    month(TODAY),
                ],
            )
        planned = {a.timepoint: a.due_on for a in course.administrations.all()}
        questionnaires = table(csv_bytes(export), 1)
        self.assertEqual(len(questionnaires), ALIKE * len(planned))
        for a in questionnaires:
            self.assertEqual(a["due"], month(planned[a["timepoint"]]))
            self.assertRegex(a["answered"], r"^(\d{4}-\d{2})?$")

    def test_given_keys_give_the_same_pseudonyms(self):
        keys = {"key": b"k" * 32}
        one, _t = self.make(pseudonymiser=Pseudonymiser(**keys))
        two, _t = self.make(pseudonymiser=Pseudonymiser(**keys))
        self.assertEqual(table(csv_bytes(one), 0), table(csv_bytes(two), 0))
        expected = Pseudonymiser(**keys)
        persons = {row["person"] for row in self.dora_rows(csv_bytes(one))}
        self.assertIn(expected.person(self.dora_course.person_id), persons)


class ExportPageTests(ExportTestCase):
    # Who gets which page and file, and for how long.

    def test_role_matrix(self):
        export, token = self.make()
        urls = [
            LIST,
            reverse("research:export_detail", args=[export.pk]),
            reverse("research:export_download", args=[token, "csv"]),
        ]
        for user in (self.coordinator, self.peer, self.relative_peer, self.clinician, self.admin):
            self.login(user)
            for url in urls:
                with self.subTest(user=str(user), url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
        self.client.logout()
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])
        self.login(self.evaluator)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_evaluator_makes_an_export_and_downloads_it(self):
        self.login(self.evaluator)
        page = self.client.get(LIST)
        self.assertContains(page, "Forskningseksport")
        response = self.client.post(LIST, period(support_models=["individual"]))
        export = ResearchExport.objects.get()
        self.assertRedirects(response, reverse("research:export_detail", args=[export.pk]))
        self.assertEqual(export.support_models, ["individual"])
        self.assertEqual(export.expires_at - export.created_at, datetime.timedelta(hours=24))
        token = self.client.session[TOKENS_SESSION_KEY][str(export.pk)]
        self.assertEqual(export.token_hash, services.hash_token(token))
        detail = self.client.get(reverse("research:export_detail", args=[export.pk]))
        self.assertContains(detail, reverse("research:export_download", args=[token, "xlsx"]))
        csv_response = self.download(token)
        self.assertEqual(csv_response.status_code, 200)
        self.assertEqual(csv_response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", csv_response["Content-Disposition"])
        self.assertEqual(csv_response.content, csv_bytes(export))
        xlsx = self.download(token, "xlsx")
        self.assertEqual(xlsx.content, xlsx_bytes(export))
        export.refresh_from_db()
        self.assertEqual(export.downloads, 2)

    def test_export_and_each_download_are_in_the_access_log(self):
        self.login(self.evaluator)
        self.client.post(LIST, period())
        export = ResearchExport.objects.get()
        entries = AccessLogEntry.objects.filter(object_type="research.researchexport")
        self.assertEqual(
            list(entries.values_list("user_id", "action", "purpose", "object_id")),
            [(self.evaluator.pk, "export", "research", export.pk)],
        )
        token = self.client.session[TOKENS_SESSION_KEY][str(export.pk)]
        self.download(token)
        self.assertEqual(entries.count(), 2)
        event = AuditEvent.objects.get(verb="research.export_created")
        self.assertEqual(event.data["courses"], ALIKE)
        self.assertEqual(event.data["anonymity"]["withheld_courses"], 2)  # Alice's and Bob's
        self.assertNotIn("Evaluering", str(event.data))  # the purpose text stays on the export

    def test_only_the_creator_can_see_or_download(self):
        export, token = self.make()
        other = make_user("evaluator2", Role.EVALUATOR)
        self.login(other)
        self.assertEqual(
            self.client.get(reverse("research:export_detail", args=[export.pk])).status_code, 404
        )
        self.assertEqual(self.download(token).status_code, 404)
        self.assertNotContains(self.client.get(LIST), f"export-{export.pk}")
        self.assertEqual(AccessLogEntry.objects.filter(user=other).count(), 0)

    def test_wrong_token_is_404(self):
        self.make()
        self.login(self.evaluator)
        self.assertEqual(self.download("not-the-token").status_code, 404)
        self.assertEqual(self.download("x" * 100).status_code, 404)
        self.assertEqual(self.client.get("/forskning/eksport/hent/abc.pdf").status_code, 404)
        self.assertEqual(self.client.get("/forskning/eksport/999999/").status_code, 404)

    def test_missing_purpose_or_bad_period_shows_the_form_again(self):
        self.login(self.evaluator)
        response = self.client.post(LIST, period(purpose=""))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Skriv, hvad data skal bruges til.", status_code=422)
        response = self.client.post(LIST, period(purpose="kort"))
        self.assertContains(response, "mindst 10 tegn", status_code=422)
        response = self.client.post(LIST, period(first_year=str(YEAR), last_year="2020"))
        self.assertContains(response, "Periodens slutning ligger før dens start", status_code=422)
        self.assertContains(response, "projekt 2026-17", status_code=422)  # nothing typed is lost
        response = self.client.post(LIST, period(first_year="2001", last_year="2001"))
        self.assertContains(response, "Intet forløb startede i perioden", status_code=422)
        response = self.client.post(LIST, period(first_year="not a year", support_models=["x"]))
        self.assertContains(response, "årene på listen", status_code=422)
        self.assertEqual(response.status_code, 422)
        self.assertFalse(ResearchExport.objects.exists())

    def test_evaluator_home_and_menu_lead_to_the_export(self):
        self.login(self.evaluator)
        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, f'href="{LIST}"', count=2)

    def test_list_uses_the_same_queries_however_many_exports(self):
        self.login(self.evaluator)
        self.make()
        with count_queries() as few:
            self.assertEqual(self.client.get(LIST).status_code, 200)
        for _n in range(4):
            self.make(instrument=Instrument.objects.first())
        with count_queries() as many:
            response = self.client.get(LIST)
        self.assertContains(response, "export-", count=5)
        self.assertEqual(len(many), len(few))

    def test_the_list_is_paged(self):
        export, _token = self.make()
        for n in range(25):  # copies of the row: the list does not open the files
            export.pk = None
            export.token_hash = f"copy-{n}"
            export.save()
        self.login(self.evaluator)
        first = self.client.get(LIST)
        self.assertContains(first, 'id="export-', count=25)
        self.assertContains(first, "1\u201325 af 26")
        second = self.client.get(LIST, {"page": 2})
        self.assertContains(second, 'id="export-', count=1)
        self.assertContains(second, "26\u201326 af 26")

    def test_expired_link_says_so_in_danish_and_deletes_the_files(self):
        yesterday = timezone.now() - datetime.timedelta(hours=24, seconds=1)
        export, token = self.make(now=yesterday)
        self.login(self.evaluator)
        response = self.download(token)
        self.assertContains(response, "Downloadlinket er udløbet", status_code=410)
        self.assertContains(response, "Lav en ny eksport", status_code=410)
        export.refresh_from_db()
        self.assertEqual((export.csv_data, export.xlsx_data), (None, None))
        self.assertIsNotNone(export.files_deleted_at)
        self.assertEqual(AuditEvent.objects.filter(verb="research.export_files_deleted").count(), 1)
        self.assertEqual(self.download(token).status_code, 410)  # and stays gone
        detail = self.client.get(reverse("research:export_detail", args=[export.pk]))
        self.assertContains(detail, "udløbet")

    def test_link_works_until_24_hours_have_passed(self):
        almost = timezone.now() - datetime.timedelta(hours=23, minutes=59)
        _export, token = self.make(now=almost)
        self.login(self.evaluator)
        self.assertEqual(self.download(token).status_code, 200)

    def test_purge_deletes_expired_files_only_and_is_idempotent(self):
        old, _t = self.make(now=timezone.now() - datetime.timedelta(hours=30))
        fresh, _t = self.make()
        out = io.StringIO()
        call_command("purge_research_exports", stdout=out)
        self.assertIn("1 research export(s) deleted", out.getvalue())
        old.refresh_from_db()
        fresh.refresh_from_db()
        self.assertIsNone(old.csv_data)
        self.assertIsNotNone(fresh.csv_data)
        self.assertEqual(old.purpose, "Evaluering af peerstøtte, projekt 2026-17")  # row kept
        call_command("purge_research_exports", stdout=io.StringIO())
        events = AuditEvent.objects.filter(verb="research.exports_purged").order_by("seq")
        self.assertEqual([e.data["deleted"] for e in events], [1, 0])
        later = timezone.now() + datetime.timedelta(hours=25)
        self.assertEqual(services.purge_exports(now=later).deleted, 1)

    def test_building_an_export_takes_the_same_queries_whatever_the_rows(self):
        with count_queries() as few:
            self.make()
        for n in range(4):
            person = make_person(f"Ekstra{n}", unit=self.unit, consent=True)
            course = lifecycle.start_course(
                actor=None,
                person=person,
                peer=self.other_peer,
                started_on=TODAY - datetime.timedelta(days=20),
            )
            sync_schedule(actor=None, course=course)
            scheduling.record_past(
                actor=None,
                course=course,
                starts_at=timezone.now() - datetime.timedelta(days=2, hours=n),
                minutes=30,
                mode="in_person",
            )
        with count_queries() as many:
            export, _token = self.make()
        self.assertEqual(export.course_rows + export.anonymity["withheld_courses"], ALIKE + 6)
        self.assertEqual(len(many), len(few))
