"""Reach an event, portal group or portal from an organizer request.

Every lookup starts from `request.organization` (set by `@organization_view`)
and raises 404 both for a missing object and for another organization's, so
an outsider learns nothing about what exists elsewhere.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from events.models import Event
from organizations.access import request_organization
from portals.models import Portal, PortalGroup


def access_event(request: HttpRequest, slug: str, *, queryset: QuerySet | None = None) -> Event:
    events = queryset if queryset is not None else Event.objects.all()
    event = events.filter(organization=request_organization(request), slug=slug).first()
    if event is None:
        raise Http404("No such event.")
    return event


def access_group(request: HttpRequest, public_id: str) -> PortalGroup:
    group = (
        PortalGroup.objects.select_related("event")
        .filter(organization=request_organization(request), public_id=public_id)
        .first()
    )
    if group is None:
        raise Http404("No such portal group.")
    return group


def access_portal(request: HttpRequest, public_id: str) -> Portal:
    portal = (
        Portal.objects.select_related("group__event")
        .filter(organization=request_organization(request), public_id=public_id)
        .first()
    )
    if portal is None:
        raise Http404("No such portal.")
    return portal
