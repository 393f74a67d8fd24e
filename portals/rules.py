"""What a locked portal allows: whether it is live, and its allocation counters.

Every function takes a portal row its caller has just locked (select_for_update
inside the caller's durable transaction) and decides from that fresh read, so
a revocation, a claim or another batch committed a moment ago is seen. The
services of portals/ and invites/ call these instead of writing their own
status checks.

The allocation counters, per invite type (PortalAllocation) and their sums on
the portal: `used` changes only here, by reserve_allocation (a batch is
generated) and release_allocation (an invite is revoked); `size` changes only
through change_allocation, which never goes below what is used, and
new_portal_allocations (a portal is created). The CHECKs `used <= size` and
`invites_used <= allocation` in the database back them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portals.errors import (
    AllocationBelowUsed,
    AllocationExceeded,
    PortalAlreadyAssigned,
    PortalNotAssigned,
    PortalRevoked,
)
from portals.models import InviteType, Portal, PortalAllocation
from portals.notifications import resolve_allocation_shortages


def _assert_locked() -> None:
    # A decision read outside the transaction that holds the row lock could be
    # stale by the time it writes: the very race these rules exist to prevent.
    assert transaction.get_connection().in_atomic_block, "decide under the portal's row lock"


def ensure_not_revoked(portal: Portal) -> None:
    """Raise PortalRevoked if the organizer revoked the portal."""
    _assert_locked()
    if portal.is_revoked:
        raise PortalRevoked()


def ensure_live(portal: Portal) -> None:
    """The portal has an owner and is not revoked: it may generate invites and
    change hands. Raises PortalRevoked or PortalNotAssigned."""
    ensure_not_revoked(portal)
    if not portal.is_assigned:
        raise PortalNotAssigned()


def ensure_claimable(portal: Portal) -> None:
    """Nobody has claimed the portal yet. Raises PortalRevoked or PortalAlreadyAssigned."""
    ensure_not_revoked(portal)
    if not portal.is_unassigned:
        raise PortalAlreadyAssigned()


def reserve_allocation(portal: Portal, places: Mapping[int, int]) -> None:
    """Count new invites against the portal's allocation: `places` maps an invite
    type's id to the places its invites take (a multi-use link takes its uses).
    All or nothing across types. Raises AllocationExceeded naming the first type
    that does not fit (by name when the group has more than one type)."""
    _assert_locked()
    if any(count < 0 for count in places.values()):
        raise ValueError("A reservation is 0 or more places.")
    wanted = {type_id: count for type_id, count in places.items() if count}
    if not wanted:
        return
    allocations = _allocations(portal)
    for type_id, count in wanted.items():
        allocation = allocations.get(type_id)
        remaining = allocation.remaining if allocation is not None else 0
        if count > remaining:
            # No row: the type is new to the portal, or was removed (portals/
            # invite_types.py) after the caller read the group's types.
            invite_type = (
                allocation.invite_type
                if allocation is not None
                else InviteType.objects.filter(pk=type_id).first()
            )
            raise AllocationExceeded(
                requested=count,
                remaining=remaining,
                invite_type=invite_type.name if invite_type and len(allocations) > 1 else None,
                invite_type_code=invite_type.code if invite_type else None,
            )
    for type_id, count in wanted.items():
        _add_to_used(portal, allocations[type_id], count)


def release_allocation(portal: Portal, invite_type_id: int, count: int) -> None:
    """Give `count` places of a type back to the allocation (revoked invites)."""
    _assert_locked()
    if count < 0:
        raise ValueError("A release is 0 or more places.")
    if not count:
        return
    allocation = _allocations(portal)[invite_type_id]
    _add_to_used(portal, allocation, -min(count, allocation.used))


def change_allocation(portal: Portal, invite_type_id: int, size: int) -> None:
    """Set the portal's allocation of one type, never below the places it has used
    (the row is created if the type is new to the portal). Raises AllocationBelowUsed."""
    _assert_locked()
    if size < 0:
        raise ValueError("An allocation is 0 or more.")
    allocation = _allocations(portal).get(invite_type_id)
    if allocation is None:
        allocation = PortalAllocation.objects.create(
            portal=portal, invite_type_id=invite_type_id, size=0, used=0
        )
    if size < allocation.used:
        raise AllocationBelowUsed(used=allocation.used, requested=size)
    delta = size - allocation.size
    if not delta:
        return
    PortalAllocation.objects.filter(pk=allocation.pk).update(size=size)
    allocation.size = size
    now = timezone.now()
    Portal.objects.filter(pk=portal.pk).update(allocation=F("allocation") + delta, updated_at=now)
    portal.allocation += delta
    portal.updated_at = now
    if delta > 0:
        # After commit: an owner refused for their allocation is told they can go on.
        portal_id = portal.pk
        transaction.on_commit(lambda: _allocation_grew(portal_id))


def new_portal_allocations(
    portals: Sequence[Portal], sizes: Sequence[Mapping[int, int]]
) -> list[PortalAllocation]:
    """The allocation rows of portals just inserted (under their group's lock):
    one per type in `sizes[i]` (type id -> size); their `allocation` was set to the sum."""
    rows = [
        PortalAllocation(portal=portal, invite_type_id=type_id, size=size)
        for portal, portal_sizes in zip(portals, sizes, strict=True)
        for type_id, size in portal_sizes.items()
    ]
    return PortalAllocation.objects.bulk_create(rows)


def _allocations(portal: Portal) -> dict[int, PortalAllocation]:
    # Read under the portal's lock: every write of these rows holds it too.
    return {
        allocation.invite_type_id: allocation
        for allocation in PortalAllocation.objects.filter(portal=portal).select_related(
            "invite_type"
        )
    }


def _add_to_used(portal: Portal, allocation: PortalAllocation, delta: int) -> None:
    # UPDATEs of the columns, not save(): only the counters and the timestamp
    # are written, whatever else the caller holds in memory.
    now = timezone.now()
    PortalAllocation.objects.filter(pk=allocation.pk).update(used=F("used") + delta)
    allocation.used += delta
    Portal.objects.filter(pk=portal.pk).update(
        invites_used=F("invites_used") + delta, updated_at=now
    )
    portal.invites_used += delta
    portal.updated_at = now


def _allocation_grew(portal_id: int) -> None:
    resolve_allocation_shortages(portal_id)
