"""Lists on a phone (issue 19): every list table is a `table.stack`, whose rows app.css turns
into cards under 40rem, and every cell names its column in `data-label`, the same text as
the column's header. The pages are read through HTTP with the cast; the templates are
scanned so that a new list table cannot forget the markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.urls import reverse

from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import BaseTestCase

ROOT = Path(__file__).resolve().parent.parent

# Tables that are not lists of persons, referrals, courses or appointments, and why they
# stay tables on a phone: a key-value pair per row fits a phone already, a cross-table is
# read across (it scrolls sideways inside its own focusable region), a PDF has no phone.
NOT_LISTS = {
    "brobygger/desk/templates/desk/home_admin.html": "users by role: label and count",
    "brobygger/desk/templates/desk/home_evaluator.html": "counts by kind: label and count",
    "brobygger/matching/templates/matching/settings.html": "a setting and its default",
    "brobygger/recruitment/templates/recruitment/application_detail.html": "criterion x panel",
    "brobygger/reports/templates/reports/dashboard.html": "report cross-tables",
    "brobygger/reports/templates/reports/includes/model_table.html": "report cross-table",
    "brobygger/reports/templates/reports/includes/table.html": "report cross-table",
    "brobygger/reports/templates/reports/includes/pdf_table.html": "PDF",
    "brobygger/rights/templates/rights/copy_pdf.html": "PDF",
    "brobygger/scheduling/templates/scheduling/availability.html": "a form: weekday x times",
    "brobygger/timesheets/templates/timesheets/_figures.html": "kind of work and hours",
    "brobygger/timesheets/templates/timesheets/_weeks.html": "day x kind of work",
}


@dataclass
class Table:
    classes: set[str]
    headers: list[str] = field(default_factory=list)
    # (tag, colspan, data-label or None) for each cell of each body row
    rows: list[list[tuple[str, int, str | None]]] = field(default_factory=list)


class Tables(HTMLParser):
    """The tables inside <main>: their classes, column headers and body cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.in_main = False
        self.section = ""
        self.header_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag == "table":
            self.tables.append(Table(classes=set((a.get("class") or "").split())))
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr" and self.section != "thead" and self.tables:
            self.tables[-1].rows.append([])
        elif tag == "th" and self.section == "thead":
            self.header_text = []
        elif tag in ("td", "th") and self.section != "thead" and self.tables:
            cell = (tag, int(a.get("colspan") or 1), a.get("data-label"))
            self.tables[-1].rows[-1].append(cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        elif tag == "th" and self.header_text is not None:
            self.tables[-1].headers.append(" ".join("".join(self.header_text).split()))
            self.header_text = None
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = ""

    def handle_data(self, data: str) -> None:
        if self.header_text is not None:
            self.header_text.append(data)


def tables_of(html: str) -> list[Table]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


class PhoneCardMarkupTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for given_name, phone in (("Nina", "40506070"), ("Otto", "40506071")):
            referral_services.create_referral(
                actor=cls.clinician,
                source=ReferralSource.CLINICIAN,
                unit=cls.unit,
                consent_source="verbal",
                person_fields={
                    "kind": "patient",
                    "given_name": given_name,
                    "family_name": "Lund",
                    "phone": phone,
                },
            )

    def assert_cards(self, user, url: str) -> int:
        """Every table on the page is a card list whose cells carry their column's name."""
        self.login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        tables = tables_of(response.content.decode())
        self.assertTrue(tables, f"{url}: no table")
        rows = 0
        for table in tables:
            self.assertIn("stack", table.classes, f"{url}: a list table without class=stack")
            for row in table.rows:
                column = 0
                for tag, colspan, label in row:
                    if colspan == 1 or label is not None:
                        # A cell spanning the whole row says the list is empty: no label.
                        self.assertTrue(label, f"{url}: a {tag} without data-label")
                    if colspan == 1 and table.headers:
                        self.assertEqual(label, table.headers[column], url)
                    column += colspan
                rows += colspan == 1
        return rows

    def test_the_clinicians_referrals_are_cards_labelled_with_their_columns(self):
        rows = self.assert_cards(self.clinician, reverse("desk:home"))
        self.assertGreaterEqual(rows, 2)

    def test_the_referral_queue_shows_the_person_first_on_a_card(self):
        self.assertGreaterEqual(self.assert_cards(self.coordinator, reverse("referrals:queue")), 2)
        self.login(self.coordinator)
        body = self.client.get(reverse("referrals:queue")).content.decode()
        self.assertRegex(body, r'<td class="key" data-label="Person"><a href="/henvisninger/')

    def test_the_coordinators_lists_are_cards(self):
        for url in (
            reverse("desk:home"),
            reverse("people:person_list"),
            reverse("people:person_detail", args=[self.alice.pk]),
            reverse("groups:group_list"),
            reverse("workforce:overview"),
            reverse("timesheets:overview"),
            reverse("scheduling:planning"),
            reverse("recruitment:posting_list"),
            reverse("workforce:group_list"),
            reverse("workforce:education_overview"),
        ):
            with self.subTest(url=url):
                self.assert_cards(self.coordinator, url)

    def test_the_labels_are_the_readers_language(self):
        self.login(self.clinician)
        body = self.client.get(reverse("desk:home")).content.decode()
        self.assertIn('<td data-label="Modtaget">', body)
        self.assertIn('<th scope="col">Modtaget</th>', body)


class EveryListTemplateIsACardListTests(BaseTestCase):
    def test_every_table_in_the_templates_is_a_card_list_or_a_named_exception(self):
        bare = []
        unlabelled = []
        files = sorted(ROOT.glob("brobygger/*/templates/**/*.html")) + sorted(
            ROOT.glob("templates/**/*.html")
        )
        for path in files:
            name = str(path.relative_to(ROOT))
            source = path.read_text()
            for match in re.finditer(r"<table\b([^>]*)>(.*?)</table>", source, re.S):
                if name in NOT_LISTS:
                    continue
                if not re.search(r'class="[^"]*\bstack\b', match.group(1)):
                    bare.append(name)
                    continue
                body = re.sub(r"<thead>.*?</thead>", "", match.group(2), flags=re.S)
                for cell in re.finditer(r"<(td|th scope=\"row\")\b([^>]*)>", body):
                    if "data-label=" not in cell.group(2) and "colspan=" not in cell.group(2):
                        unlabelled.append(f"{name}: {cell.group(0)}")
        self.assertEqual(bare, [], "a list table needs class=stack (or a reason in NOT_LISTS)")
        self.assertEqual(unlabelled, [], "every cell of a card list names its column")
        self.assertEqual(
            [n for n in NOT_LISTS if not (ROOT / n).exists()], [], "NOT_LISTS names a lost file"
        )
