"""What a locked portal allows: whether it is live, and its allocation counters.

Every function takes a portal row its caller has just locked (select_for_update
inside the caller's durable transaction) and decides from that fresh read, so
a revocation, a claim or another batch committed a moment ago is seen. The
services of portals/ and invites/ call these instead of writing their own
status checks.

The allocation counters: `invites_used` changes only here, by
reserve_allocation (a batch is generated) and release_allocation (an invite is
revoked); `allocation` changes only through change_allocation, which never
goes below what is used. The CHECK `invites_used <= allocation` in the
database backs both.
"""

from __future__ import annotations

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
from portals.models import Portal


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


def reserve_allocation(portal: Portal, count: int) -> None:
    """Count `count` new invites against the portal's allocation.
    Raises AllocationExceeded (naming what was asked and what remains)."""
    _assert_locked()
    if count < 0:
        raise ValueError("A reservation is 0 or more invites.")
    if count > portal.remaining:
        raise AllocationExceeded(requested=count, remaining=portal.remaining)
    _add_to_used(portal, count)


def release_allocation(portal: Portal, count: int) -> None:
    """Give `count` places back to the allocation (revoked invites)."""
    _assert_locked()
    if count < 0:
        raise ValueError("A release is 0 or more invites.")
    _add_to_used(portal, -count)


def change_allocation(portal: Portal, allocation: int) -> None:
    """Set the allocation on `portal`, never below the invites already generated;
    the caller saves it with the portal's other changed fields.
    Raises AllocationBelowUsed."""
    _assert_locked()
    if allocation < 0:
        raise ValueError("An allocation is 0 or more.")
    if allocation < portal.invites_used:
        raise AllocationBelowUsed(used=portal.invites_used, requested=allocation)
    portal.allocation = allocation


def _add_to_used(portal: Portal, delta: int) -> None:
    # An UPDATE of the column, not a save(): only this counter and the
    # timestamp are written, whatever else the caller holds in memory.
    now = timezone.now()
    Portal.objects.filter(pk=portal.pk).update(
        invites_used=F("invites_used") + delta, updated_at=now
    )
    portal.invites_used += delta
    portal.updated_at = now
