"""Migration 0006: the list entries written before it get their stored sets of persons."""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.audit.keyed import Keys
from brobygger.audit.models import AccessLogEntry, AccessLogListPerson
from brobygger.audit.services import new_access_entry
from brobygger.audit.verification import verify_all
from brobygger.testing import make_user

BEFORE = [("audit", "0005_audit_cut")]


class ListSetsMigrationTests(TransactionTestCase):
    def migrate(self, target: list[tuple[str, str]]) -> MigrationExecutor:
        executor = MigrationExecutor(connection)
        executor.migrate(target)
        return executor

    def latest(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def test_old_list_entries_get_their_sets_and_going_back_rebuilds_the_index(self):
        user = make_user("mig", Role.COORDINATOR)
        old_apps = self.migrate(BEFORE).loader.project_state(BEFORE).apps
        entry_model = old_apps.get_model("audit", "AccessLogEntry")
        index_model = old_apps.get_model("audit", "AccessLogPerson")
        keys = Keys.from_settings()
        shown = [[3, 1, 2], [1, 2, 3], [4, 5], [], [7]]  # the same three persons twice
        for seq, ids in enumerate(shown, start=1):
            entry = new_access_entry(user=user, action="view", purpose="support", person_ids=ids)
            entry.seq, entry.at = seq, timezone.now()
            fields = {f.attname: getattr(entry, f.attname) for f in entry_model._meta.fields}
            fields.pop("shown_list_id", None)
            fields["mac"] = entry.compute_mac(keys)
            entry_model.objects.create(**fields)
            index_model.objects.bulk_create(
                [index_model(entry_id=seq, person_id=pk, at=entry.at) for pk in entry.person_ids]
            )
        self.latest()

        entries = list(AccessLogEntry.objects.order_by("seq"))
        self.assertEqual(entries[0].shown_list_id, entries[1].shown_list_id)
        self.assertNotEqual(entries[0].shown_list_id, entries[2].shown_list_id)
        self.assertEqual([e.shown_list_id for e in entries[3:]], [None, None])
        self.assertEqual(entries[4].person_id, 7)
        self.assertEqual(AccessLogListPerson.objects.count(), 5)
        self.assertEqual([e.seq for e in AccessLogEntry.objects.naming(2)], [1, 2])
        self.assertEqual([e.seq for e in AccessLogEntry.objects.naming(5)], [3])
        self.assertEqual(verify_all().problems, [])  # the MACs hold; each set matches

        back = self.migrate(BEFORE).loader.project_state(BEFORE).apps
        rows = back.get_model("audit", "AccessLogPerson").objects.order_by("entry_id", "person_id")
        self.assertEqual(
            list(rows.values_list("entry_id", "person_id")),
            [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 4), (3, 5)],
        )
        self.latest()
        self.assertEqual(AccessLogListPerson.objects.count(), 5)
        if connection.vendor == "postgresql":  # the trigger is on again after the conversion
            with (
                self.assertRaisesMessage(DatabaseError, "append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("UPDATE audit_accesslogentry SET list_id = NULL WHERE seq = 1")
