"""PostgreSQL refuses to seat one staff member in two interviews at once.

Half-open ranges [starts_at, ends_at) so that back-to-back interviews are fine; seats of
cancelled interviews are inactive and do not count. Needs btree_gist for the equality
part (scheduling's migration 0002 enables it too; IF NOT EXISTS makes the order moot).
SQLite has no exclusion constraints: there the booking service checks inside an
immediate (write-locked) transaction, which serialises bookings.
"""

from django.db import migrations

NAME = "interviewseat_user_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist", params=None)
    schema_editor.execute(
        f"ALTER TABLE recruitment_interviewseat ADD CONSTRAINT {NAME} EXCLUDE USING gist "
        "(user_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE recruitment_interviewseat DROP CONSTRAINT IF EXISTS {NAME}", params=None
    )


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0002_interviews_notes_retention")]
    operations = [migrations.RunPython(forwards, backwards)]
