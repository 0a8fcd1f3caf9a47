"""The absence ranges' rules, after 0005 filled them in (on PostgreSQL a table cannot be
altered in the transaction that just updated its rows)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_absence_date_ranges"),
    ]

    operations = [
        migrations.AlterField(
            model_name="availabilityexception",
            name="ends_on",
            field=models.DateField(verbose_name="to date"),
        ),
        migrations.AlterField(
            model_name="availabilityexception",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddIndex(
            model_name="availabilityexception",
            index=models.Index(
                fields=["peer", "ends_on", "starts_on"], name="exception_peer_period"
            ),
        ),
        migrations.AddConstraint(
            model_name="availabilityexception",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                name="exception_ends_on_or_after",
            ),
        ),
        migrations.AddConstraint(
            model_name="availabilityexception",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("start_time__isnull", True),
                    ("ends_on", models.F("starts_on")),
                    _connector="OR",
                ),
                name="exception_hours_on_one_day",
            ),
        ),
    ]
