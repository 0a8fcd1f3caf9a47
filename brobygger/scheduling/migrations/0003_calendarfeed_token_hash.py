"""Calendar feeds keep only the sha256 of their token (issue 16).

Existing tokens are hashed in place, so every address already in a calendar app keeps
working. Going back cannot bring the tokens back: every feed gets a new random token,
so the old addresses stop working (the safe way round).
"""

import hashlib
import secrets

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("scheduling", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk", "token").iterator():
        feed.token_hash = hashlib.sha256(feed.token.encode()).hexdigest()
        feed.save(update_fields=["token_hash"])


def new_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("scheduling", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk").iterator():
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_no_double_booking"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(hash_tokens, new_tokens, elidable=False),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
