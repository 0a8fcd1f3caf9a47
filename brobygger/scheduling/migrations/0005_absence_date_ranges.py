"""Absences become date ranges (issue 19): every single-date row becomes a one-day range,
and runs of whole days in a row for the same peer, kind and note merge into one entry (a
week's holiday entered day by day becomes one holiday). Entries with hours, and extra
time, stay one day each. Going back splits every range into its days again."""

import datetime
import uuid

import django.utils.timezone
from django.db import migrations, models


def to_ranges(apps, schema_editor):
    Exception_ = apps.get_model("scheduling", "AvailabilityException")
    rows = Exception_.objects.order_by("peer_id", "kind", "note", "starts_on", "pk")
    previous = None
    for row in rows.iterator():
        row.ends_on = row.starts_on
        row.uid = uuid.uuid4()
        mergeable = row.start_time is None and row.kind != "extra"
        if (
            mergeable
            and previous is not None
            and (previous.peer_id, previous.kind, previous.note)
            == (row.peer_id, row.kind, row.note)
            and row.starts_on <= previous.ends_on + datetime.timedelta(days=1)
        ):
            previous.ends_on = max(previous.ends_on, row.starts_on)
            previous.save(update_fields=["ends_on"])
            row.delete()
            continue
        row.save(update_fields=["ends_on", "uid"])
        previous = row if mergeable else None


def to_days(apps, schema_editor):
    Exception_ = apps.get_model("scheduling", "AvailabilityException")
    rows = Exception_.objects.filter(ends_on__gt=models.F("starts_on")).order_by("pk")
    for row in rows.iterator():
        day = row.starts_on + datetime.timedelta(days=1)
        while day <= row.ends_on:
            Exception_.objects.create(
                peer_id=row.peer_id,
                starts_on=day,
                ends_on=day,
                kind=row.kind,
                note=row.note,
                uid=uuid.uuid4(),
            )
            day += datetime.timedelta(days=1)
        row.ends_on = row.starts_on
        row.save(update_fields=["ends_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_protect_health_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="override_reason",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="why outside the peer's hours"
            ),
        ),
        migrations.RemoveIndex(model_name="availabilityexception", name="exception_peer_date"),
        migrations.RenameField(
            model_name="availabilityexception", old_name="date", new_name="starts_on"
        ),
        migrations.AlterModelOptions(
            name="availabilityexception",
            options={"ordering": ["starts_on", "start_time"]},
        ),
        migrations.AlterField(
            model_name="availabilityexception",
            name="starts_on",
            field=models.DateField(verbose_name="from date"),
        ),
        migrations.AddField(
            model_name="availabilityexception",
            name="ends_on",
            field=models.DateField(null=True, verbose_name="to date"),
        ),
        migrations.AddField(
            model_name="availabilityexception",
            name="uid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="availabilityexception",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(to_ranges, to_days),
    ]
