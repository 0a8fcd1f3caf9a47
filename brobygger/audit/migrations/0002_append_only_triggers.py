"""On PostgreSQL the database itself refuses UPDATE and DELETE on the log tables.

The hash chain detects tampering after the fact; the trigger stops the application's
own database role from doing it at all. (SQLite has no roles; the chain suffices.)
"""

from django.db import migrations

TABLES = ("audit_accesslogentry", "audit_auditevent")

FUNCTION = """
CREATE OR REPLACE FUNCTION brobygger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION brobygger_append_only();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS brobygger_append_only();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
