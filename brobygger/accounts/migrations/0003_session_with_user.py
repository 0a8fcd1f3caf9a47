"""The session table with the signed-in user's key in a column (models.Session, issue 19).

The unexpired sessions of Django's table move over as they are, so nobody is signed out
by the upgrade: their user column is filled the next time each is saved (within a minute
of use, SessionLimitsMiddleware), and until then the session is read as before. Going
back moves them back the same way."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

COLUMNS = ("session_key", "session_data", "expire_date")


def move(source, target):
    def run(apps, schema_editor):
        origin, destination = apps.get_model(*source), apps.get_model(*target)
        live = origin.objects.filter(expire_date__gt=timezone.now()).values_list(*COLUMNS)
        destination.objects.bulk_create(
            [destination(**dict(zip(COLUMNS, row, strict=True))) for row in live.iterator()],
            batch_size=500,
        )
        origin.objects.all().delete()

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_employee_number_and_unit_code"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                        verbose_name="session key",
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                (
                    "expire_date",
                    models.DateTimeField(db_index=True, verbose_name="expire date"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(
            move(("sessions", "Session"), ("accounts", "Session")),
            move(("accounts", "Session"), ("sessions", "Session")),
        ),
    ]
