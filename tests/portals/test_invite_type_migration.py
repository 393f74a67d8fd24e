"""The migration to invite types: a database with the data of before gets one
type per group and keeps every number (portals/0007, invites/0005)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("events", "0001_initial"),
    ("portals", "0005_unique_group_and_portal_names"),
    ("invites", "0003_batch_request_hash"),
]


def _migrate(targets: list[tuple[str, str]] | None) -> Any:
    """Migrate to `targets`, or to the latest of every app (the schema other tests use)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_groups_get_one_type_and_keep_their_numbers(org: Any) -> None:
    old = _migrate(BEFORE)
    try:
        Event = old.get_model("events", "Event")
        PortalGroup = old.get_model("portals", "PortalGroup")
        Portal = old.get_model("portals", "Portal")
        InviteBatch = old.get_model("invites", "InviteBatch")
        Invite = old.get_model("invites", "Invite")
        starts = timezone.now() + timedelta(days=20)
        event = Event.objects.create(
            organization_id=org.pk,
            slug="old-fair",
            name="Old Fair",
            starts_at=starts,
            ends_at=starts + timedelta(days=3),
        )
        shared = PortalGroup.objects.create(
            organization_id=org.pk,
            event=event,
            name="Sponsors",
            default_allocation=7,
            default_plus_ones=2,
            share_all_invites=True,
        )
        private = PortalGroup.objects.create(
            organization_id=org.pk, event=event, name="Exhibitors", default_allocation=20
        )
        portals = {
            "sponsor": Portal.objects.create(
                organization_id=org.pk, group=shared, name="Bank", allocation=9, invites_used=4
            ),
            "gallery": Portal.objects.create(
                organization_id=org.pk, group=private, name="Nord", allocation=20, invites_used=1
            ),
            "empty": Portal.objects.create(
                organization_id=org.pk, group=private, name="Süd", allocation=0
            ),
        }
        for key, count in (("sponsor", 4), ("gallery", 1)):
            batch = InviteBatch.objects.create(
                organization_id=org.pk,
                event=event,
                portal=portals[key],
                method="paste",
                size=count,
            )
            for _ in range(count):
                Invite.objects.create(
                    organization_id=org.pk, event=event, batch=batch, portal=portals[key]
                )
        own = InviteBatch.objects.create(
            organization_id=org.pk, event=event, method="single", size=1
        )
        Invite.objects.create(organization_id=org.pk, event=event, batch=own)
    finally:
        new = _migrate(None)

    InviteType = new.get_model("portals", "InviteType")
    PortalAllocation = new.get_model("portals", "PortalAllocation")
    NewInvite = new.get_model("invites", "Invite")
    NewPortal = new.get_model("portals", "Portal")
    types = {t.group_id: t for t in InviteType.objects.filter(group__event__slug="old-fair")}
    assert len(types) == 2
    assert {(t.code, t.default_allocation, t.plus_ones_allowed) for t in types.values()} == {
        ("standard", 7, 2),
        ("standard", 20, 0),
    }
    numbers = {
        a.portal.name: (a.invite_type_id, a.size, a.used)
        for a in PortalAllocation.objects.select_related("portal").filter(
            portal__group__event__slug="old-fair"
        )
    }
    sponsor_type = next(t for t in types.values() if t.default_allocation == 7)
    gallery_type = next(t for t in types.values() if t.default_allocation == 20)
    assert numbers == {
        "Bank": (sponsor_type.pk, 9, 4),
        "Nord": (gallery_type.pk, 20, 1),
        "Süd": (gallery_type.pk, 0, 0),
    }
    # The sums the pages read are the numbers of before.
    assert sorted(
        NewPortal.objects.filter(group__event__slug="old-fair").values_list(
            "name", "allocation", "invites_used"
        )
    ) == [("Bank", 9, 4), ("Nord", 20, 1), ("Süd", 0, 0)]
    invites = NewInvite.objects.filter(event__slug="old-fair")
    assert set(
        invites.filter(portal__name="Bank").values_list("invite_type_id", "shared_with_organizer")
    ) == {(sponsor_type.pk, True)}
    assert set(
        invites.filter(portal__name="Nord").values_list("invite_type_id", "shared_with_organizer")
    ) == {(gallery_type.pk, False)}
    # The organizer's own invite has no type.
    assert list(invites.filter(portal__isnull=True).values_list("invite_type_id", flat=True)) == [
        None
    ]
