"""Reach an event's door: the team, or the staff an event grant lets in.

Team members (owner, admin, member) open the door of every event of their
organization and are supervisors (they may let a guest in anyway). Restricted
members (organizations/models.py: `event_manager`, `check_in`) open only the
events of their active grants (door/models.py EventGrant: not revoked, not
expired), checked on every request; an event manager is a supervisor, check-in
staff are not. A grant limited to one portal shows only that portal's guests.
Anything else is a 404, like another organization's event. The whole set of
rules for event staff (which pages each role reaches, when grants end, who
may grant) is in door/staff.py's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from door.models import EventGrant
from events.access import access_event
from events.models import Event
from organizations.access import OrganizationRequest
from organizations.models import Membership


@dataclass(frozen=True)
class DoorAccess:
    event: Event
    # A grant limited to one portal's guests; None: every guest of the event.
    portal_id: int | None
    # May let a guest in anyway (not accepted, wrong window).
    supervisor: bool


def active_grants(membership: Membership) -> QuerySet[EventGrant]:
    """The grants that let `membership` in now."""
    return EventGrant.objects.filter(
        membership=membership,
        organization_id=membership.organization_id,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def door_access(request: OrganizationRequest, event_slug: str) -> DoorAccess:
    """The door of `event_slug` as the signed-in user may work it; 404 otherwise."""
    membership = request.membership
    if not membership.is_restricted:
        return DoorAccess(
            event=access_event(request.organization, event_slug), portal_id=None, supervisor=True
        )
    grant = (
        active_grants(membership)
        .filter(event__slug=event_slug, event__archived_at__isnull=True)
        .select_related("event")
        .first()
    )
    if grant is None:
        raise Http404("No such event.")
    return DoorAccess(
        event=grant.event,
        portal_id=grant.portal_id,
        supervisor=membership.role == Membership.Role.EVENT_MANAGER.value,
    )
