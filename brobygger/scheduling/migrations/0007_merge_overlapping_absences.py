"""One peer's absences never overlap (issue 19): before the database refuses overlaps
(0008), entries that overlap are merged. Old rows could overlap: entered day by day
before ranges, or twice by the peer and the coordinator.

Two entries overlap when they share time: any day in common, unless both are hours on
the same day that do not meet (as scheduling.selectors.overlapping_exception says). The
earlier entry (by start, a whole day before hours) keeps its kind and absorbs the later:
two whole-day ranges become one from the first day to the last; hours inside a whole day
are dropped (the day is already away); two hour spans on one day become one from the
first start to the last end. Notes are joined. Not reversible: what was merged is gone.
"""

import datetime

from django.db import migrations

MIDNIGHT = datetime.time(0, 0)


def _span(row):
    start = datetime.datetime.combine(row.starts_on, row.start_time or MIDNIGHT)
    if row.end_time is None:
        end = datetime.datetime.combine(row.ends_on + datetime.timedelta(days=1), MIDNIGHT)
    else:
        end = datetime.datetime.combine(row.starts_on, row.end_time)
    return start, end


def _joined(first, second):
    if not second or second in first:
        return first
    return f"{first}; {second}"[:200] if first else second


def merge(apps, schema_editor):
    Exception_ = apps.get_model("scheduling", "AvailabilityException")
    rows = sorted(
        Exception_.objects.all(),
        key=lambda r: (r.peer_id, _span(r)[0], r.start_time is not None, r.pk),
    )
    current = None
    for row in rows:
        if current is None or current.peer_id != row.peer_id:
            current = row
            continue
        start, end = _span(row)
        if start >= _span(current)[1]:
            current = row
            continue
        if current.start_time is None and row.start_time is None:
            current.ends_on = max(current.ends_on, row.ends_on)
        elif current.start_time is not None:  # both hours on one day
            current.end_time = max(current.end_time, row.end_time)
        current.note = _joined(current.note, row.note)
        current.save(update_fields=["ends_on", "end_time", "note"])
        row.delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_absence_ranges_constraints")]
    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
