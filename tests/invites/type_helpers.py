"""A second (third...) invite type for a group, with each portal's allocation of it,
as the organizer's type pages set them up (portals/invite_types.py)."""

from __future__ import annotations

from artsvp.locks import lock_existing_row, locking_transaction
from portals.invite_types import TypeSettings, create_invite_type
from portals.models import InviteType, Portal, PortalGroup
from portals.rules import change_allocation


def add_type(
    group: PortalGroup,
    code: str,
    name: str,
    *,
    allocations: dict[Portal, int] | None = None,
    plus_ones: int = 0,
    golden: bool = False,
    needs_approval: bool = False,
) -> InviteType:
    invite_type = create_invite_type(
        group,
        settings=TypeSettings(
            name=name,
            code=code,
            default_allocation=0,
            plus_ones_allowed=plus_ones,
            golden=golden,
            needs_approval=needs_approval,
        ),
    )
    for portal, size in (allocations or {}).items():
        with locking_transaction():
            locked = lock_existing_row(Portal.objects.filter(pk=portal.pk))
            change_allocation(locked, invite_type.pk, size)
        portal.refresh_from_db()
    return invite_type


def used_by_type(portal: Portal) -> dict[str, tuple[int, int]]:
    """{code: (used, size)} of the portal's allocations."""
    return {
        row.invite_type.code: (row.used, row.size)
        for row in portal.allocations.select_related("invite_type")
    }
