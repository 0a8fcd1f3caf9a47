"""The national crisis numbers every unit shows: 112 and Livslinien. The region's
psychiatric emergency line and each unit's on-duty number are entered by the
administrator (they differ per region and change)."""

from django.db import migrations

NATIONAL = [
    # (name, phone, opening hours, order). Livslinien: suicide-prevention counselling.
    ("Alarmcentralen 112", "112", "Døgnet rundt", 10),
    ("Livslinien", "70 201 201", "Alle dage kl. 11-05", 30),
]


def add_numbers(apps, schema_editor):
    contact = apps.get_model("concerns", "CrisisContact")
    for name, phone, hours, order in NATIONAL:
        if not contact.objects.filter(unit__isnull=True, phone=phone).exists():
            contact.objects.create(
                unit=None, name=name, phone=phone, opening_hours=hours, order=order
            )


def remove_numbers(apps, schema_editor):
    contact = apps.get_model("concerns", "CrisisContact")
    contact.objects.filter(unit__isnull=True, phone__in=[n[1] for n in NATIONAL]).delete()


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]

    operations = [migrations.RunPython(add_numbers, remove_numbers)]
