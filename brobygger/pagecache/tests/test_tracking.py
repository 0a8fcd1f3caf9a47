"""Every write through Django's connections counts a change of its table, after the commit
(or at once, in the test suite's transactions that never commit); reads are noted."""

from __future__ import annotations

from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings

from brobygger.accounts.models import Unit
from brobygger.audit.looks import shown
from brobygger.audit.models import Purpose
from brobygger.pagecache import tracking
from brobygger.testing import make_person, make_user


def version(table: str = "accounts_unit") -> int:
    return tracking.versions([table])[table]


class ParseTests(TestCase):
    def test_writes_reads_and_the_rest(self):
        unit, person, course = "accounts_unit", "people_person", "referrals_course"
        cases = {
            'INSERT INTO "accounts_unit" ("name") VALUES (%s)': ("write", (unit,)),
            'INSERT OR IGNORE INTO "people_person" ("x") VALUES (%s)': ("write", (person,)),
            'UPDATE "people_person" SET "x" = %s WHERE "id" IN '
            '(SELECT U0."id" FROM "referrals_course" U0)': ("write", (person,)),
            'DELETE FROM "referrals_course" WHERE "id" = %s': ("write", (course,)),
            "update ACCOUNTS_UNIT set name = 'x'": ("write", (unit,)),
            'TRUNCATE "accounts_unit", "people_person" RESTART IDENTITY CASCADE;': (
                "write",
                (unit, person),
            ),
            'WITH t AS (SELECT 1) UPDATE "accounts_unit" SET "name" = %s': ("write", (unit,)),
            # A read names every table of the project it mentions, however it mentions it.
            'SELECT "people_person"."id" FROM "people_person" LEFT OUTER JOIN "accounts_unit" '
            'ON ("people_person"."unit_id" = "accounts_unit"."id") WHERE "people_person".'
            '"id" IN (SELECT U0."person_id" FROM "referrals_course" U0)': (
                "read",
                (unit, person, course),
            ),
            '(SELECT "id" FROM "accounts_unit") UNION (SELECT "id" FROM "people_person")': (
                "read",
                (unit, person),
            ),
            "SELECT a.id FROM accounts_unit a, people_person p WHERE p.unit_id = a.id": (
                "read",
                (unit, person),
            ),
            'SELECT "x" FROM "referrals_course" FOR UPDATE OF "referrals_course"': (
                "read",
                (course,),
            ),
            "SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = 'x')": (
                "read",
                (),
            ),
            "SAVEPOINT s1": ("other", ()),
            'CREATE TABLE "x" ("id" integer)': ("other", ()),
            'LOCK TABLE "audit_accesslogentry" IN ROW EXCLUSIVE MODE; SELECT 1': ("other", ()),
        }
        for sql, expected in cases.items():
            with self.subTest(sql=sql):
                self.assertEqual(tracking.parse(sql), expected)


class CountedAtOnceTests(TestCase):
    """The suite's mode (PAGE_CACHE_BUMP_AT_ONCE): each write counts inside its transaction."""

    def test_every_way_of_writing_counts(self):
        writes = [
            lambda: Unit.objects.create(name="A", kind="ward"),
            lambda: Unit.objects.bulk_create([Unit(name="B", kind="ward")]),
            lambda: Unit.objects.filter(name="A").update(name="C"),
            lambda: Unit.objects.filter(name="C").delete(),
            lambda: connection.cursor().execute("UPDATE accounts_unit SET kind = 'clinic'"),
        ]
        for write in writes:
            before = version()
            write()
            self.assertGreater(version(), before)

    def test_reads_and_the_access_log_count_nothing(self):
        coordinator = make_user("k", "coordinator")
        person = make_person("Alma")
        before = tracking.versions()
        list(Unit.objects.all())
        shown(user=coordinator, purpose=Purpose.COORDINATION, person_id=person.pk)
        after = tracking.versions()
        self.assertEqual(after, before)
        self.assertNotIn("audit_accesslogentry", after)


@override_settings(PAGE_CACHE_BUMP_AT_ONCE=False)
class CountedAfterCommitTests(TransactionTestCase):
    """Production: a change counts once its transaction has committed, once per table."""

    def test_a_transaction_counts_once_per_table_when_it_commits(self):
        start = version()
        with transaction.atomic():
            Unit.objects.create(name="A", kind="ward")
            Unit.objects.create(name="B", kind="ward")
            self.assertEqual(version(), start)  # not before the commit
        self.assertEqual(version(), start + 1)

    def test_a_rolled_back_transaction_counts_nothing(self):
        start = version()
        try:
            with transaction.atomic():
                Unit.objects.create(name="A", kind="ward")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        self.assertEqual(version(), start)
        self.assertFalse(Unit.objects.exists())

    def test_a_write_after_a_savepoint_rolled_back_still_counts(self):
        start = version()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Unit.objects.create(name="A", kind="ward")
                    raise RuntimeError("savepoint rolled back")
            except RuntimeError:
                pass
            Unit.objects.create(name="B", kind="ward")
        self.assertEqual(version(), start + 1)
        self.assertEqual(list(Unit.objects.values_list("name", flat=True)), ["B"])

    def test_a_write_outside_a_transaction_counts_at_once(self):
        start = version()
        Unit.objects.create(name="A", kind="ward")
        self.assertEqual(version(), start + 1)


class ForgetCommandTests(TestCase):
    def test_the_command_makes_every_kept_page_stale(self):
        from io import StringIO

        from django.core.management import call_command

        before = version(tracking.ALL)
        out = StringIO()
        call_command("forget_kept_pages", stdout=out)
        self.assertEqual(version(tracking.ALL), before + 1)
        self.assertIn("stale", out.getvalue())
