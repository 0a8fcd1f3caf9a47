"""PostgreSQL refuses overlapping conversations for one peer or one person.

Half-open ranges [starts_at, ends_at) so that back-to-back conversations are fine;
cancelled conversations do not count. Needs btree_gist for the equality part.
SQLite has no exclusion constraints: there the booking service checks inside an
immediate (write-locked) transaction, which serialises bookings.
"""

from django.db import migrations

CONSTRAINTS = {
    "appointment_peer_no_overlap": "peer_id",
    "appointment_person_no_overlap": "person_id",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist", params=None)
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status <> 'cancelled')",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name}", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
