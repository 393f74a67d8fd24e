"""Reach a portal group or a portal from an organization, for the organizer pages
and the API alike.

Both raise 404 for a missing object and for another organization's, so an
outsider learns nothing about what exists elsewhere; the API answers the Http404
as its JSON `not_found`.

An event manager's request reaches only the groups, portals and types of the
events granted to them (`organizations.access.event_scope()`): another event's
are a 404 too.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from artsvp.ids import is_public_id
from organizations.access import event_scope
from organizations.models import Organization
from portals.models import InviteType, Portal, PortalGroup

_M = TypeVar("_M", bound=Model)


def _in_scope(rows: QuerySet[_M, Any], event_field: str) -> QuerySet[_M, Any]:
    scope = event_scope()
    return rows if scope is None else rows.filter(**{f"{event_field}__in": scope})


def access_group(organization: Organization, public_id: str) -> PortalGroup:
    groups = _in_scope(
        PortalGroup.objects.select_related("event").filter(organization=organization), "event_id"
    )
    group = groups.filter(public_id=public_id).first() if is_public_id(public_id) else None
    if group is None:
        raise Http404("No such portal group.")
    return group


def access_portal(organization: Organization, public_id: str) -> Portal:
    portals = _in_scope(
        Portal.objects.select_related("group__event").filter(organization=organization),
        "group__event_id",
    )
    portal = portals.filter(public_id=public_id).first() if is_public_id(public_id) else None
    if portal is None:
        raise Http404("No such portal.")
    # The organization it was found in, so that reading it costs no query.
    portal.organization = organization
    return portal


def access_invite_type(
    organization: Organization, public_id: str, *, group: PortalGroup | None = None
) -> InviteType:
    """The organization's invite type (of `group`, when given: a type reached
    through another group's URL is a 404 too)."""
    types = _in_scope(
        InviteType.objects.select_related("group__event").filter(organization=organization),
        "group__event_id",
    )
    if group is not None:
        types = types.filter(group=group)
    invite_type = types.filter(public_id=public_id).first() if is_public_id(public_id) else None
    if invite_type is None:
        raise Http404("No such invite type.")
    return invite_type
