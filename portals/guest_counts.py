"""How many guests of each portal accepted, for the organizer's portal pages.

Guests are invites, which sit above portals: portals must not import them,
so invites registers the counter here from its AppConfig.ready()
(invites/portal_counts.py). Without one (an app list without invites) every
count is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.db.models import QuerySet

# Portal ids, or a queryset of portal ids (read as a subquery).
PortalIds = Collection[int] | QuerySet[Any, Any]
# (portal ids, the event they belong to or None) -> {portal id: accepted guests}
AcceptedCounter = Callable[[PortalIds, int | None], dict[int, int]]

_counter: list[AcceptedCounter] = []


def register_accepted_counter(counter: AcceptedCounter) -> None:
    """Set the function that maps portal ids to their accepted guests (one query)."""
    _counter[:] = [counter]


def accepted_counts(portal_ids: PortalIds, *, event_id: int | None = None) -> dict[int, int]:
    """{portal id: accepted guests} for these portals (ids, or a queryset of their
    ids: one query either way); a portal without any is missing. `event_id`, the
    event of every one of these portals, lets the database read only its invites."""
    if not _counter or (not isinstance(portal_ids, QuerySet) and not portal_ids):
        return {}
    return _counter[0](portal_ids, event_id)
