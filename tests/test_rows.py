"""lib.rows: the bulk writers of the demo build write what bulk_create and save would."""

import datetime
import decimal
import unittest
import warnings
from unittest import mock

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.test import TestCase
from django.test.utils import isolate_apps

from brobygger.accounts.models import Membership, Role, Unit
from brobygger.audit.models import (
    AccessAction,
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    Purpose,
)
from brobygger.audit.services import append_many, log_access, new_access_entry, verify_chain
from brobygger.lib.rows import _copy_value, add_rows, add_values, insert_rows, update_rows
from brobygger.testing import make_user


def listed(entry: AccessLogEntry) -> list[int]:
    """The persons of the stored list an entry names, sorted."""
    rows = AccessLogListPerson.objects.filter(shown_list_id=entry.shown_list_id)
    return sorted(rows.values_list("person_id", flat=True))


class InsertRowsTests(TestCase):
    def test_rows_get_ids_in_order_and_the_sequence_moves_on(self) -> None:
        units = [Unit(name=f"Afsnit {n}", kind="ward") for n in range(3)]
        insert_rows(units)
        ids = [unit.pk for unit in units]
        self.assertEqual(ids, sorted(ids))
        self.assertTrue(all(pk is not None for pk in ids))
        stored = list(Unit.objects.filter(pk__in=ids).order_by("pk").values_list("name", "active"))
        self.assertEqual(stored, [("Afsnit 0", True), ("Afsnit 1", True), ("Afsnit 2", True)])
        later = Unit.objects.create(name="Afsnit 9", kind="ward")
        self.assertGreater(later.pk, max(ids))
        self.assertFalse(units[0]._state.adding)

    def test_a_foreign_key_to_an_object_inserted_before_is_its_id(self) -> None:
        user = make_user("rows", Role.COORDINATOR)
        unit = Unit(name="Afsnit R9", kind="ward")
        membership = Membership(user=user, unit=unit)
        insert_rows([unit])
        insert_rows([membership])
        self.assertEqual(Membership.objects.get(pk=membership.pk).unit_id, unit.pk)

    def test_log_entries_with_several_persons_keep_their_list_and_index(self) -> None:
        user = make_user("rows2", Role.COORDINATOR)
        entries = [
            new_access_entry(
                user=user,
                action=AccessAction.VIEW,
                purpose=Purpose.COORDINATION,
                person_ids=[7, 3],
            ),
            new_access_entry(
                user=user, action=AccessAction.CREATE, purpose=Purpose.COORDINATION, person_id=5
            ),
        ]
        append_many(entries)
        first = AccessLogEntry.objects.get(pk=entries[0].pk)
        self.assertEqual(first.person_ids, [3, 7])
        self.assertEqual(listed(first), [3, 7])
        self.assertEqual(AccessLogEntry.objects.get(pk=entries[1].pk).person_id, 5)
        self.assertEqual(verify_chain(AccessLogEntry), [])


class Shouting(models.CharField):
    """A field of a project's own that converts in its own way."""

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        return value.upper() if isinstance(value, str) else value


@unittest.skipUnless(connection.vendor == "postgresql", "insert_rows uses COPY on PostgreSQL only")
class CopyValueTests(TestCase):
    """insert_rows's values for COPY are written as Django's conversion would have them
    written, taken as they are only where that conversion would hand them back unchanged."""

    @staticmethod
    def copied(value: object) -> bytes | None:
        """The text COPY writes for `value` (psycopg's dumper for text format)."""
        from psycopg.adapt import PyFormat, Transformer

        db = connections[DEFAULT_DB_ALIAS]
        db.ensure_connection()
        (dumped,) = Transformer(db.connection).dump_sequence([value], [PyFormat.TEXT])
        return None if dumped is None else bytes(dumped)

    @isolate_apps("tests")
    def test_every_value_is_what_get_db_prep_save_gives(self) -> None:
        class Sample(models.Model):  # noqa: DJ008 (a model of this test only)
            n = models.IntegerField(null=True)
            big = models.BigIntegerField(null=True)
            s = models.CharField(max_length=20, null=True)
            t = models.TextField(blank=True)
            b = models.BooleanField(null=True)
            d = models.DateField(null=True)
            at = models.DateTimeField(null=True)
            amount = models.DecimalField(max_digits=5, decimal_places=2, null=True)
            data = models.JSONField(null=True)
            unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE)
            loud = Shouting(max_length=20, null=True)

            class Meta:
                app_label = "tests"

        aware = datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC)
        naive = datetime.datetime(2026, 12, 5, 9, 30)
        values: dict[str, list[object]] = {
            "id": [None, 7],
            "n": [None, 0, -3, True, "12"],
            "big": [None, 2**40],
            "s": [None, "", "Ærø", 5],
            "t": ["", "linje\nto"],
            "b": [None, True, False, 1],
            "d": [None, datetime.date(2026, 12, 5), aware],
            "at": [None, aware, naive],
            "amount": [None, decimal.Decimal("1.234"), 2],
            "data": [None, {"a": [1, 2]}, "tekst"],
            "unit_id": [None, 9],
            "loud": [None, "stille"],
        }
        db = connections[DEFAULT_DB_ALIAS]
        for field in Sample._meta.local_concrete_fields:
            fast = _copy_value(field, db)
            for value in values[field.attname]:
                with self.subTest(field=field.name, value=value):
                    obj = Sample(**{field.attname: value})
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)  # the naive one
                        expected = field.get_db_prep_save(field.pre_save(obj, add=True), db)
                        got = fast(obj)
                    self.assertEqual(self.copied(got), self.copied(expected))
                    if field.name == "loud" and value is not None:
                        self.assertEqual(got, "STILLE")

    @isolate_apps("tests")
    def test_plain_values_skip_the_conversion_and_the_rest_take_it(self) -> None:
        class Plain(models.Model):  # noqa: DJ008 (a model of this test only)
            n = models.IntegerField()
            at = models.DateTimeField()
            made = models.DateTimeField(auto_now_add=True)
            loud = Shouting(max_length=20)

            class Meta:
                app_label = "tests"

        db = connections[DEFAULT_DB_ALIAS]

        def column(name: str) -> models.Field:
            field = Plain._meta.get_field(name)
            assert isinstance(field, models.Field)
            return field

        aware = datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC)
        obj = Plain(n=4, at=aware, loud="x")
        for name in ("n", "at"):
            field = column(name)
            with mock.patch.object(field, "get_db_prep_save", side_effect=AssertionError):
                self.assertEqual(_copy_value(field, db)(obj), getattr(obj, name))
        with self.assertWarns(RuntimeWarning):  # a naive moment: Django's path and warning
            _copy_value(column("at"), db)(Plain(n=1, at=aware.replace(tzinfo=None)))
        made = _copy_value(column("made"), db)(obj)
        self.assertIsNotNone(made)  # auto_now_add filled in, as bulk_create does
        self.assertEqual(obj.made, made)
        self.assertEqual(_copy_value(column("loud"), db)(obj), "X")


class AddRowsTests(TestCase):
    """The request path's plain INSERT (the access log): what save and bulk_create wrote."""

    def test_rows_with_their_keys_are_stored_as_given_and_count_as_saved(self) -> None:
        units = [Unit(pk=900 + n, name=f"Afsnit K{n}", kind="ward") for n in range(2)]
        add_rows(units)
        stored = list(Unit.objects.filter(pk__gte=900).order_by("pk").values_list("pk", "name"))
        self.assertEqual(stored, [(900, "Afsnit K0"), (901, "Afsnit K1")])
        self.assertFalse(units[0]._state.adding)
        self.assertEqual(units[0]._state.db, "default")

    def test_rows_without_keys_get_them_from_the_database(self) -> None:
        before = Unit.objects.count()
        add_rows([Unit(name="Afsnit U1", kind="ward"), Unit(name="Afsnit U2", kind="clinic")])
        self.assertEqual(Unit.objects.count(), before + 2)
        self.assertEqual(Unit.objects.get(name="Afsnit U2").kind, "clinic")

    def test_some_keys_given_and_some_not_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            add_rows([Unit(pk=950, name="A", kind="ward"), Unit(name="B", kind="ward")])
        self.assertFalse(Unit.objects.filter(pk=950).exists())

    def test_more_rows_than_one_statement_takes_go_in_batches(self) -> None:
        user = make_user("rows3", Role.COORDINATOR)
        many = range(1, 1501)
        entry = log_access(
            user=user, action=AccessAction.VIEW, purpose=Purpose.COORDINATION, person_ids=many
        )
        self.assertEqual(listed(entry), list(many))

    def test_an_entry_reads_back_as_written_and_the_chain_holds(self) -> None:
        user = make_user("rows4", Role.COORDINATOR)
        entry = log_access(
            user=user,
            action=AccessAction.VIEW,
            purpose=Purpose.COORDINATION,
            person_ids=[9, 4],
            criterion="Hansen",
        )
        stored = AccessLogEntry.objects.get(pk=entry.pk)
        self.assertEqual(
            (stored.at, stored.mac, stored.person_ids, stored.user_id, stored.criterion_hash),
            (entry.at, entry.mac, [4, 9], user.pk, entry.criterion_hash),
        )
        self.assertEqual(listed(stored), [4, 9])
        self.assertEqual(verify_chain(AccessLogEntry), [])
        with self.assertRaises(PermissionError):
            entry.save()  # an appended row counts as saved: append-only


class AddValuesTests(TestCase):
    def test_values_are_converted_by_their_fields_and_read_back(self) -> None:
        stored = AccessLogList.objects.create(digest="d" * 64)
        written = add_values(
            AccessLogListPerson, ("shown_list", "person_id"), [(stored.pk, pk) for pk in (3, 1, 2)]
        )
        self.assertEqual(written, 3)
        rows = AccessLogListPerson.objects.filter(shown_list=stored).order_by("person_id")
        self.assertEqual(
            list(rows.values_list("shown_list_id", "person_id")),
            [(stored.pk, pk) for pk in (1, 2, 3)],
        )

    def test_a_row_of_another_width_is_refused_and_nothing_is_written(self) -> None:
        with self.assertRaises(ValueError):
            add_values(AccessLogList, ("digest",), [("a", "b")])
        self.assertEqual(add_values(AccessLogList, ("digest",), []), 0)
        self.assertFalse(AccessLogList.objects.exists())


class UpdateRowsTests(TestCase):
    def test_each_row_gets_its_own_values_and_nothing_else_changes(self) -> None:
        units = [Unit.objects.create(name=f"Afsnit {n}", kind="ward") for n in range(3)]
        units[0].location, units[0].active = "Roskilde", False
        units[1].location = "Ringsted"
        units[2].name = "Ikke gemt"  # not among the fields written
        self.assertEqual(update_rows(units, ["location", "active"]), 3)
        stored = list(Unit.objects.order_by("pk").values_list("name", "location", "active"))
        self.assertEqual(
            stored,
            [
                ("Afsnit 0", "Roskilde", False),
                ("Afsnit 1", "Ringsted", True),
                ("Afsnit 2", "", True),
            ],
        )

    def test_a_field_that_is_no_column_is_refused(self) -> None:
        unit = Unit.objects.create(name="Afsnit 1", kind="ward")
        with self.assertRaises(ValueError):
            update_rows([unit], ["memberships"])
        self.assertEqual(update_rows([], ["name"]), 0)
