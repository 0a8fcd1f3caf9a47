"""lib.rows: the bulk writers of the demo build write what bulk_create and save would."""

from django.test import TestCase

from brobygger.accounts.models import Membership, Role, Unit
from brobygger.audit.models import (
    AccessAction,
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    Purpose,
)
from brobygger.audit.services import append_many, log_access, new_access_entry, verify_chain
from brobygger.lib.rows import add_rows, add_values, insert_rows, update_rows
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
