from django.db import migrations


def load(apps, schema_editor):
    from brobygger.conversations.default_topics import install

    install(apps.get_model("conversations", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
