"""What a confirmation said about when and where: the organizer moving an
event or a window re-sends the confirmations whose entry changed
(door/services.py). Passes confirmed before this migration are taken to have
been told the times and venue stored now."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def told_what_is_stored(apps, schema_editor):
    CheckInPass = apps.get_model("door", "CheckInPass")
    Invite = apps.get_model("invites", "Invite")
    of_invite = Invite.objects.filter(pk=OuterRef("invite_id"))
    CheckInPass.objects.filter(announced=True).update(
        announced_starts_at=Subquery(
            of_invite.values(at=Coalesce("entry_window__starts_at", "event__starts_at"))[:1]
        ),
        announced_ends_at=Subquery(
            of_invite.values(at=Coalesce("entry_window__ends_at", "event__ends_at"))[:1]
        ),
        announced_venue=Subquery(of_invite.values("event__venue")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("door", "0003_check_ins_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkinpass",
            name="announced_starts_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="checkinpass",
            name="announced_ends_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="checkinpass",
            name="announced_venue",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(told_what_is_stored, migrations.RunPython.noop),
    ]
