"""Issue 16: the log rows get a keyed MAC and no chain; seals chain them in a separate table.

1. The old unkeyed SHA-256 chain of the existing rows is checked first: rows that no
   longer match it are not given a MAC that would make them look genuine (the
   migration stops and says which; restore the log from a backup first).
2. Each existing row gets its MAC under AUDIT_HMAC_KEY (the append-only triggers are
   off meanwhile); `seq` becomes the primary key and the identity sequence continues
   after the highest seq; the chain columns and the chain head go.
3. New tables: the seals (append-only like the logs) and the record of checks. The
   existing rows are sealed by the first run of `manage.py seal_audit`.
4. On PostgreSQL the triggers refuse UPDATE and DELETE on the log tables and on the
   seals. TRUNCATE is a privilege the application's role should not have (docs/audit.md);
   a trigger on it would also stop `manage.py flush` and the test runner. The
   checkpoints find a truncated log either way.

Irreversible: the old chain cannot be rebuilt without the old hashes.
"""

import hashlib
import json

from django.db import migrations, models

from brobygger.audit import keyed

LEGACY_GENESIS = "0" * 64
CHAINS = {
    # model name: (chain name, table, fields covered by the MAC)
    "accesslogentry": (
        "access",
        "audit_accesslogentry",
        ("user_id", "action", "person_id", "criterion_hash", "purpose", "object_type", "object_id"),
    ),
    "auditevent": (
        "audit",
        "audit_auditevent",
        ("actor_id", "verb", "object_type", "object_id", "person_id", "data"),
    ),
}
APPEND_ONLY_TABLES = ("audit_accesslogentry", "audit_auditevent", "audit_auditseal")

FUNCTION = """
CREATE OR REPLACE FUNCTION brobygger_append_only() RETURNS trigger AS $$
BEGIN
    -- Retention (deleting rows older than the law requires) is a future issue. It must
    -- not open this trigger to the application's role: it would delete whole sealed
    -- stretches only, oldest first, through a SECURITY DEFINER function owned by
    -- another role, and record the cut so that verification starts there
    -- (docs/audit.md, "Retention").
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def drop_legacy_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("audit_accesslogentry", "audit_auditevent"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


def _legacy_hash(prev_hash, row, fields):
    payload = {"seq": row.seq, "at": row.at.isoformat()}
    for name in fields:
        payload[name] = getattr(row, name)
    body = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def check_legacy_chains(apps, schema_editor):
    broken = []
    for model_name, (_chain, _table, fields) in CHAINS.items():
        model = apps.get_model("audit", model_name)
        expected_prev, expected_seq = LEGACY_GENESIS, 1
        for row in model.objects.order_by("seq").iterator(chunk_size=2000):
            if (
                row.seq != expected_seq
                or row.prev_hash != expected_prev
                or _legacy_hash(row.prev_hash, row, fields) != row.hash
            ):
                broken.append(f"{model_name} seq {row.seq}")
            expected_prev, expected_seq = row.hash, row.seq + 1
    if broken:
        raise RuntimeError(
            "The audit log's hash chain is broken at "
            + ", ".join(broken[:20])
            + (f" and {len(broken) - 20} more" if len(broken) > 20 else "")
            + ": keying it now would make changed rows look genuine. Restore the log "
            "from a backup, or have the rows examined, before migrating."
        )


def fill_macs(apps, schema_editor):
    keys = keyed.Keys.from_settings()
    connection = schema_editor.connection
    for model_name, (chain, table, fields) in CHAINS.items():
        model = apps.get_model("audit", model_name)
        batch = []
        rows = model.objects.order_by("seq").iterator(chunk_size=2000)
        with connection.cursor() as cursor:
            for row in rows:
                payload = keyed.row_payload(
                    chain, row.seq, row.at, {name: getattr(row, name) for name in fields}
                )
                batch.append((keyed.row_mac(keys, payload), row.seq))
                if len(batch) == 2000:
                    cursor.executemany(f"UPDATE {table} SET mac = %s WHERE seq = %s", batch)
                    batch = []
            if batch:
                cursor.executemany(f"UPDATE {table} SET mac = %s WHERE seq = %s", batch)


def continue_sequences(apps, schema_editor):
    """The identity sequence of the new primary key starts after the highest seq."""
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT already continues after the highest rowid
    for _chain, table, _fields in CHAINS.values():
        schema_editor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'seq'), "
            f"COALESCE(MAX(seq), 0) + 1, false) FROM {table};"
        )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION brobygger_append_only();"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(drop_legacy_triggers),
        migrations.RunPython(check_legacy_chains),
        migrations.AddField(
            model_name="accesslogentry",
            name="mac",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_macs),
        migrations.RemoveField(model_name="accesslogentry", name="hash"),
        migrations.RemoveField(model_name="accesslogentry", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="hash"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="accesslogentry", name="id"),
        migrations.RemoveField(model_name="auditevent", name="id"),
        migrations.AlterField(
            model_name="accesslogentry",
            name="seq",
            field=models.BigAutoField(editable=False, primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigAutoField(editable=False, primary_key=True, serialize=False),
        ),
        migrations.RunPython(continue_sequences),
        migrations.DeleteModel(name="ChainHead"),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("chain", models.CharField(max_length=20)),
                ("after_seq", models.BigIntegerField()),
                ("last_seq", models.BigIntegerField()),
                ("rows", models.PositiveIntegerField()),
                ("prev_mac", models.CharField(max_length=64)),
                ("chain_mac", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
            ],
            options={"ordering": ["chain", "last_seq"]},
        ),
        migrations.AddConstraint(
            model_name="auditseal",
            constraint=models.UniqueConstraint(
                fields=("chain", "last_seq"), name="audit_seal_last"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditseal",
            constraint=models.UniqueConstraint(
                fields=("chain", "after_seq"), name="audit_seal_after"
            ),
        ),
        migrations.CreateModel(
            name="AuditCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("ok", models.BooleanField()),
                ("problems", models.PositiveIntegerField()),
                ("rows", models.PositiveBigIntegerField()),
                ("unsealed", models.PositiveBigIntegerField()),
                ("checkpoints", models.PositiveIntegerField()),
            ],
            options={"ordering": ["-at"]},
        ),
        migrations.RunPython(create_triggers),
    ]
