"""Every existing group gets one invite type ("Standard") with the group's
defaults, and every portal one allocation row of it with its current numbers:
nothing changes for groups that never add a second type."""

from django.db import migrations

DEFAULT_TYPE_NAME = "Standard"
DEFAULT_TYPE_CODE = "standard"


def add_default_types(apps, schema_editor):
    PortalGroup = apps.get_model("portals", "PortalGroup")
    InviteType = apps.get_model("portals", "InviteType")
    Portal = apps.get_model("portals", "Portal")
    PortalAllocation = apps.get_model("portals", "PortalAllocation")
    for group in PortalGroup.objects.filter(invite_types__isnull=True).iterator():
        invite_type = InviteType.objects.create(
            organization_id=group.organization_id,
            group=group,
            name=DEFAULT_TYPE_NAME,
            code=DEFAULT_TYPE_CODE,
            default_allocation=group.default_allocation,
            plus_ones_allowed=group.default_plus_ones,
        )
        PortalAllocation.objects.bulk_create(
            [
                PortalAllocation(
                    portal_id=portal_id,
                    invite_type=invite_type,
                    size=allocation,
                    used=used,
                )
                for portal_id, allocation, used in Portal.objects.filter(group=group).values_list(
                    "pk", "allocation", "invites_used"
                )
            ],
            batch_size=1000,
        )


def remove_default_types(apps, schema_editor):
    apps.get_model("portals", "PortalAllocation").objects.all().delete()
    apps.get_model("portals", "InviteType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portals", "0006_invite_types_and_allocations")]

    operations = [migrations.RunPython(add_default_types, remove_default_types)]
