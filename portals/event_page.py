"""The event page's portal parts: its portal groups with their counts and the
totals, and its entry windows with the places taken and the types they admit.

Registered with events' page registry (events/page.py) in PortalsConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from events.models import EntryWindow, Event
from events.page import register_event_page_part
from events.windows import taken_places
from portals.invite_types import event_types, type_labels
from portals.models import InviteType, Portal, PortalGroup

if TYPE_CHECKING:
    # Types only (django-stubs' helper for annotated rows): not installed in production.
    from django_stubs_ext import WithAnnotations


class GroupCounts(TypedDict):
    """What `groups_with_counts` adds to each group."""

    portal_count: int
    assigned_count: int
    revoked_count: int
    invites_used: int
    invites_allocated: int


def groups_with_counts(event: Event) -> QuerySet[WithAnnotations[PortalGroup, GroupCounts]]:
    """The event's portal groups with their portal and invite totals, in one query."""
    assigned = Q(portals__status=Portal.Status.ASSIGNED)
    return event.portal_groups.annotate(
        portal_count=Count("portals"),
        assigned_count=Count("portals", filter=assigned),
        revoked_count=Count("portals", filter=Q(portals__status=Portal.Status.REVOKED)),
        invites_used=Coalesce(Sum("portals__invites_used"), 0),
        invites_allocated=Coalesce(Sum("portals__allocation"), 0),
    ).order_by("name")


def portal_groups_context(event: Event) -> dict[str, Any]:
    groups = list(groups_with_counts(event))
    totals = {
        "portals": sum(group.portal_count for group in groups),
        "assigned": sum(group.assigned_count for group in groups),
        "invites_used": sum(group.invites_used for group in groups),
        "invites_allocated": sum(group.invites_allocated for group in groups),
    }
    return {"groups": groups, "totals": totals}


@dataclass(frozen=True)
class WindowRow:
    window: EntryWindow
    taken: int
    # "Exhibitors · VIP Preview"; empty: the window admits every invite.
    types: list[str]

    @property
    def is_full(self) -> bool:
        return self.window.capacity is not None and self.taken >= self.window.capacity

    @property
    def over_by(self) -> int:
        """Places taken beyond a capacity lowered after guests accepted."""
        capacity = self.window.capacity
        return max(0, self.taken - capacity) if capacity is not None else 0


def entry_windows_context(event: Event) -> dict[str, Any]:
    """The event's windows, in three queries whatever their number."""
    windows = list(
        EntryWindow.objects.filter(event=event).prefetch_related(
            Prefetch(
                "invite_types",
                queryset=InviteType.objects.filter(archived_at__isnull=True).select_related(
                    "group"
                ),
            )
        )
    )
    for window in windows:
        window.event = event  # its times are shown in the event's zone: no query each
    taken = taken_places([window.pk for window in windows])
    labels = type_labels(event_types(event)) if windows else {}
    rows = [
        WindowRow(
            window=window,
            taken=taken.get(window.pk, 0),
            types=[labels.get(t.pk, t.name) for t in window.invite_types.all()],
        )
        for window in windows
    ]
    return {"entry_windows": rows}


register_event_page_part(
    "portals",
    context=portal_groups_context,
    templates={"summary": "portals/_event_totals.html", "body": "portals/_event_groups.html"},
)

register_event_page_part(
    "entry_windows",
    context=entry_windows_context,
    templates={"body": "portals/_event_windows.html"},
)
