"""Invite types, entry windows and invites of them, made directly for the answer tests
(how invites are generated and paid for is the generation tests' business)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from events.models import EntryWindow, Event
from invites.models import Invite, InviteBatch
from portals.invite_types import TypeSettings, create_invite_type
from portals.models import InviteType, Portal, PortalGroup


def add_type(group: PortalGroup, code: str, *windows: EntryWindow, **fields: Any) -> InviteType:
    """A type added through the organizer's service (no places for the portals:
    these tests make their invites directly)."""
    return create_invite_type(
        group,
        settings=TypeSettings(
            name=fields.pop("name", code.replace("-", " ").title()),
            code=code,
            default_allocation=0,
            windows=windows,
            **fields,
        ),
    )


def add_window(
    event: Event, label: str, *, hour: int = 11, capacity: int | None = None
) -> EntryWindow:
    starts = event.starts_at.replace(hour=hour, minute=0, second=0, microsecond=0)
    return EntryWindow.objects.create(
        organization_id=event.organization_id,
        event=event,
        label=label,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=capacity,
    )


def invites_of(
    event: Event,
    count: int = 1,
    *,
    portal: Portal | None = None,
    invite_type: InviteType | None = None,
    **fields: Any,
) -> list[Invite]:
    """`count` invites of `invite_type` (its flags and plus-ones unless given)."""
    batch = InviteBatch.objects.create(
        organization=event.organization,
        event=event,
        portal=portal,
        method=InviteBatch.Method.PASTE,
        size=count,
    )
    if invite_type is not None:
        fields.setdefault("golden", invite_type.golden)
        fields.setdefault("needs_approval", invite_type.needs_approval)
        fields.setdefault("plus_ones_allowed", invite_type.plus_ones_allowed)
    start = Invite.objects.count()
    return Invite.objects.bulk_create(
        Invite(
            organization=event.organization,
            event=event,
            batch=batch,
            portal=portal,
            invite_type=invite_type,
            **{
                "guest_name": f"Guest {start + n}",
                "guest_email": f"guest{start + n}@example.com",
                **fields,
            },
        )
        for n in range(count)
    )
