"""The event page's portal part: its portal groups with their counts, and the totals.

Registered with events' page registry (events/page.py) in PortalsConfig.ready().
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from events.models import Event
from events.page import register_event_page_part
from portals.models import Portal, PortalGroup

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


register_event_page_part(
    "portals",
    context=portal_groups_context,
    templates={"summary": "portals/_event_totals.html", "body": "portals/_event_groups.html"},
)
