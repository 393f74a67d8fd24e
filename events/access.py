"""Reach an event from an organization: for the organizer pages (by slug) and
the API (by public id) alike.

Every lookup starts from the organization (`request.organization`, set by
`@organization_view` or by the API key) and raises 404 both for a missing event
and for another organization's, so an outsider learns nothing about what exists
elsewhere. The API answers the Http404 as its JSON `not_found`.

An event manager's request reaches only the events granted to them
(`organizations.access.event_scope()`, set by `@organization_view`): every
helper here, and `organization_events` for the lists, filters by it, so
another event is a 404 like another organization's.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from artsvp.ids import is_public_id
from events.models import EntryWindow, Event
from organizations.access import event_scope
from organizations.models import Organization


def organization_events(organization: Organization) -> QuerySet[Event]:
    """The organization's events this request may see (an event manager: theirs only)."""
    events = organization.events.all()
    scope = event_scope()
    return events if scope is None else events.filter(pk__in=scope)


def access_event(
    organization: Organization, slug: str, *, queryset: QuerySet[Event] | None = None
) -> Event:
    """The organization's event with this slug (the organizer pages' URLs)."""
    return _event(organization, queryset, slug=slug)


def access_event_by_public_id(
    organization: Organization, public_id: str, *, queryset: QuerySet[Event] | None = None
) -> Event:
    """The organization's event with this public id (the API's paths)."""
    if not is_public_id(public_id):
        raise Http404("No such event.")
    return _event(organization, queryset, public_id=public_id)


def _event(organization: Organization, queryset: QuerySet[Event] | None, **lookup: Any) -> Event:
    events = queryset if queryset is not None else Event.objects.all()
    scope = event_scope()
    if scope is not None:
        events = events.filter(pk__in=scope)
    event = events.filter(organization=organization, **lookup).first()
    if event is None:
        raise Http404("No such event.")
    return event


def access_window(
    organization: Organization, public_id: str, *, event: Event | None = None
) -> EntryWindow:
    """The organization's entry window (of `event`, when given)."""
    windows = EntryWindow.objects.select_related("event").filter(organization=organization)
    if event is not None:
        windows = windows.filter(event=event)
    scope = event_scope()
    if scope is not None:
        windows = windows.filter(event_id__in=scope)
    window = windows.filter(public_id=public_id).first() if is_public_id(public_id) else None
    if window is None:
        raise Http404("No such entry window.")
    return window
