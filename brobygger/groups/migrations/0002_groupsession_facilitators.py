from collections import defaultdict

from django.db import migrations, models

BATCH = 2000


def copy_group_facilitators(apps, schema_editor):
    """Until now a session's facilitators were the group's: give every existing session
    the facilitators its group has today (the best record there is of who ran it)."""
    RecoveryGroup = apps.get_model("groups", "RecoveryGroup")
    GroupSession = apps.get_model("groups", "GroupSession")
    on_group = RecoveryGroup.facilitators.through
    on_session = GroupSession.facilitators.through
    peers = defaultdict(list)
    for group_id, peer_id in on_group.objects.values_list("recoverygroup_id", "peerworker_id"):
        peers[group_id].append(peer_id)
    rows = []
    sessions = GroupSession.objects.order_by("pk").values_list("pk", "group_id")
    for session_id, group_id in sessions.iterator(chunk_size=BATCH):
        rows.extend(
            on_session(groupsession_id=session_id, peerworker_id=peer_id)
            for peer_id in peers[group_id]
        )
        if len(rows) >= BATCH:
            on_session.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    on_session.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_initial"),
        ("people", "0004_workforce_pause_departure"),
    ]

    operations = [
        migrations.AddField(
            model_name="groupsession",
            name="facilitators",
            field=models.ManyToManyField(
                blank=True,
                related_name="facilitated_sessions",
                to="people.peerworker",
                verbose_name="facilitators",
            ),
        ),
        migrations.RunPython(copy_group_facilitators, migrations.RunPython.noop),
    ]
