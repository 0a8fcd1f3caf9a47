"""lib.rows: the bulk writers of the demo build write what bulk_create and save would."""

from django.test import TestCase

from brobygger.accounts.models import Membership, Role, Unit
from brobygger.audit.models import AccessAction, AccessLogEntry, AccessLogPerson, Purpose
from brobygger.audit.services import append_many, new_access_entry, verify_chain
from brobygger.lib.rows import insert_rows, update_rows
from brobygger.testing import make_user


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
        self.assertEqual(
            set(AccessLogPerson.objects.filter(entry=first).values_list("person_id", flat=True)),
            {3, 7},
        )
        self.assertEqual(AccessLogEntry.objects.get(pk=entries[1].pk).person_id, 5)
        self.assertEqual(verify_chain(AccessLogEntry), [])


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
