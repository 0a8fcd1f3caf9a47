"""Install the project's own questionnaires (idempotent: loading again changes nothing).

When a shipped file changes, add a new migration like this one; the loader then makes a
new version and leaves the answered ones alone.
"""

from django.db import migrations


def load(apps, schema_editor):
    from brobygger.outcomes.loader import install_shipped

    install_shipped(
        instrument_model=apps.get_model("outcomes", "Instrument"),
        version_model=apps.get_model("outcomes", "InstrumentVersion"),
        audit=False,
    )


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
