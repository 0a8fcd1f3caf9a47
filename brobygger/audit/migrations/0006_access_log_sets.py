"""Issue 19: a list's persons are stored once per set, not once per entry.

Each list entry named its persons in `AccessLogPerson` rows, written again every time
the same list was shown. Now a set of persons is an `AccessLogList` (keyed by the digest
of its sorted ids) with its `AccessLogListPerson` rows, and an entry names its set
(`AccessLogEntry.shown_list`, not covered by the MAC: `verify_audit` checks that the set
holds exactly the entry's `person_ids`, which the MAC covers).

1. The new tables, and the entry's column.
2. Each existing list entry gets its set, made from its `person_ids` (on PostgreSQL with
   the entry table's append-only trigger off meanwhile: the MACs do not change).
3. On PostgreSQL the new tables are append-only like the others, retention's cutter may
   delete from them, and `brobygger_audit_cut` deletes the sets no remaining entry names.
4. The old index table goes. Reversible: going back rebuilds it from the entries.
"""

import hashlib
from collections import defaultdict
from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

ENTRY_TRIGGER = "audit_accesslogentry_append_only"
NEW_TABLES = ("audit_accessloglist", "audit_accessloglistperson")
CUTTER = "brobygger_audit_cutter"

CUT = """
CREATE OR REPLACE FUNCTION brobygger_audit_cut(p_chain text, p_last_seq bigint)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    deleted bigint := 0;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM audit_auditseal WHERE chain = p_chain AND last_seq = p_last_seq
    ) THEN
        RAISE EXCEPTION 'no seal of the % chain ends at seq %', p_chain, p_last_seq;
    END IF;
    IF p_chain = 'access' THEN
        IF EXISTS (SELECT 1 FROM audit_accesslogentry
                   WHERE seq <= p_last_seq AND at > now() - interval '180 days') THEN
            RAISE EXCEPTION 'the access log keeps rows for at least six months';
        END IF;
        -- Writers lock the sets they name FOR KEY SHARE until they commit: once this
        -- lock is ours, every entry naming a set is committed and seen below.
        LOCK TABLE audit_accessloglist IN EXCLUSIVE MODE;
        DELETE FROM audit_accesslogentry WHERE seq <= p_last_seq;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        DELETE FROM audit_accessloglistperson m WHERE NOT EXISTS (
            SELECT 1 FROM audit_accesslogentry e WHERE e.list_id = m.list_id);
        DELETE FROM audit_accessloglist l WHERE NOT EXISTS (
            SELECT 1 FROM audit_accesslogentry e WHERE e.list_id = l.id);
    ELSIF p_chain = 'audit' THEN
        IF EXISTS (SELECT 1 FROM audit_auditevent
                   WHERE seq <= p_last_seq AND at > now() - interval '180 days') THEN
            RAISE EXCEPTION 'the audit trail keeps rows for at least six months';
        END IF;
        DELETE FROM audit_auditevent WHERE seq <= p_last_seq;
        GET DIAGNOSTICS deleted = ROW_COUNT;
    ELSE
        RAISE EXCEPTION 'unknown chain %', p_chain;
    END IF;
    DELETE FROM audit_auditseal WHERE chain = p_chain AND last_seq <= p_last_seq;
    RETURN deleted;
END;
$$;
"""

def _digest(ids):
    text = ",".join(str(pk) for pk in sorted({int(pk) for pk in ids}))
    return hashlib.sha256(text.encode()).hexdigest()


def _entries_writable(schema_editor, writable):
    if schema_editor.connection.vendor != "postgresql":
        return
    if writable:
        schema_editor.execute(f"ALTER TABLE audit_accesslogentry DISABLE TRIGGER {ENTRY_TRIGGER};")
    else:
        # The new foreign keys are checked at commit; checked now, the table can be altered.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        schema_editor.execute(f"ALTER TABLE audit_accesslogentry ENABLE TRIGGER {ENTRY_TRIGGER};")


def sets_from_entries(apps, schema_editor):
    entry_model = apps.get_model("audit", "AccessLogEntry")
    list_model = apps.get_model("audit", "AccessLogList")
    person_model = apps.get_model("audit", "AccessLogListPerson")
    by_digest = defaultdict(list)
    persons = {}
    for seq, ids in entry_model.objects.exclude(person_ids=[]).values_list("seq", "person_ids"):
        digest = _digest(ids)
        by_digest[digest].append(seq)
        persons[digest] = sorted({int(pk) for pk in ids})
    if not by_digest:
        return
    _entries_writable(schema_editor, True)
    for digest, seqs in by_digest.items():
        stored = list_model.objects.create(digest=digest)
        person_model.objects.bulk_create(
            [person_model(shown_list=stored, person_id=pk) for pk in persons[digest]]
        )
        for start in range(0, len(seqs), 500):
            entry_model.objects.filter(seq__in=seqs[start : start + 500]).update(
                shown_list=stored
            )
    _entries_writable(schema_editor, False)


def index_from_entries(apps, schema_editor):
    entry_model = apps.get_model("audit", "AccessLogEntry")
    person_model = apps.get_model("audit", "AccessLogPerson")
    rows = [
        person_model(entry_id=seq, person_id=int(pk), at=at)
        for seq, ids, at in entry_model.objects.exclude(person_ids=[]).values_list(
            "seq", "person_ids", "at"
        )
        for pk in ids
    ]
    person_model.objects.bulk_create(rows, batch_size=2000)
    if schema_editor.connection.vendor == "postgresql":  # append-only, as 0004 made it
        schema_editor.execute(
            "CREATE TRIGGER audit_accesslogperson_append_only BEFORE UPDATE OR DELETE ON "
            "audit_accesslogperson FOR EACH ROW EXECUTE FUNCTION brobygger_append_only();"
        )


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in NEW_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION brobygger_append_only();"
        )
    schema_editor.execute(f"GRANT SELECT, DELETE ON {', '.join(NEW_TABLES)} TO {CUTTER};")
    schema_editor.execute(CUT, params=None)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The function as 0005 made it.
    schema_editor.execute(import_module(f"{__package__}.0005_audit_cut").CUT, params=None)
    schema_editor.execute(f"GRANT SELECT, DELETE ON audit_accesslogperson TO {CUTTER};")
    schema_editor.execute(f"REVOKE ALL ON {', '.join(NEW_TABLES)} FROM {CUTTER};")
    for table in NEW_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_audit_cut")]

    operations = [
        migrations.CreateModel(
            name="AccessLogList",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64, unique=True)),
            ],
            options={
                "verbose_name": "list of persons in the access log",
                "verbose_name_plural": "lists of persons in the access log",
            },
        ),
        migrations.CreateModel(
            name="AccessLogListPerson",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("person_id", models.BigIntegerField()),
                (
                    "shown_list",
                    models.ForeignKey(
                        db_column="list_id",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="persons",
                        to="audit.accessloglist",
                    ),
                ),
            ],
            options={
                "verbose_name": "person in a logged list",
                "verbose_name_plural": "persons in logged lists",
                "indexes": [models.Index(fields=["person_id", "shown_list"], name="access_list_person")],
                "constraints": [
                    models.UniqueConstraint(fields=("shown_list", "person_id"), name="access_list_once")
                ],
            },
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="shown_list",
            field=models.ForeignKey(
                blank=True,
                db_column="list_id",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="audit.accessloglist",
            ),
        ),
        migrations.RunPython(sets_from_entries, migrations.RunPython.noop),
        migrations.RunPython(append_only, not_append_only),
        migrations.RunPython(migrations.RunPython.noop, index_from_entries),
        migrations.DeleteModel(name="AccessLogPerson"),
    ]
