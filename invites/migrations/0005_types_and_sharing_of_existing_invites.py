"""Existing portal invites get their group's default type, and the visibility
rule their group has today is recorded on them (it was read from the group
before; from now on it stays with the invite)."""

from django.db import migrations


def fill(apps, schema_editor):
    Invite = apps.get_model("invites", "Invite")
    InviteType = apps.get_model("portals", "InviteType")
    PortalGroup = apps.get_model("portals", "PortalGroup")
    for group in PortalGroup.objects.iterator():
        first_type = InviteType.objects.filter(group=group).order_by("position", "id").first()
        Invite.objects.filter(portal__group=group).update(
            invite_type=first_type, shared_with_organizer=group.share_all_invites
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invites", "0004_types_windows_uses_approval"),
        ("portals", "0007_one_default_type_per_group"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
