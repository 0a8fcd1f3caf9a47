"""PostgreSQL refuses overlapping absences (and extra time) for one peer: each entry as
the span of local wall-clock time it takes, a whole day from midnight to midnight, hours
from their start to their end, and no two spans of one peer may share time. Needs
btree_gist for the equality part (0002 enables it; asked again, harmlessly, so this
migration does not depend on that one's order). SQLite has no exclusion constraints:
there scheduling.services.add_exception checks inside its write transaction.
"""

from django.db import migrations

NAME = "exception_peer_no_overlap"
SPAN = (
    "tsrange(starts_on + coalesce(start_time, time '00:00'), "
    "CASE WHEN end_time IS NULL THEN (ends_on + 1) + time '00:00' "
    "ELSE starts_on + end_time END, '[)')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist", params=None)
    schema_editor.execute(
        f"ALTER TABLE scheduling_availabilityexception ADD CONSTRAINT {NAME} "
        f"EXCLUDE USING gist (peer_id WITH =, {SPAN} WITH &&)",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE scheduling_availabilityexception DROP CONSTRAINT IF EXISTS {NAME}",
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_merge_overlapping_absences")]
    operations = [migrations.RunPython(forwards, backwards)]
