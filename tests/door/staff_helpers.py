"""Event staff for the access tests: a member with a grant, and every organizer URL.

`organizer_urls` walks the URL resolver, so a page added later is covered by
the access tests without anyone remembering to list it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from billing.models import Purchase
from credits.models import CreditKind
from door.models import EventGrant
from door.staff import grant_event_access
from events.models import Event
from invites.models import Invite
from organizations.models import Membership
from portals.models import Portal
from tests.conftest import make_group, make_portal, make_user
from tests.door.helpers import accepted_guest, window_open_now

# A route's objects: an organizer URL names its event through one of these.
EVENT_SCOPED = ("event_slug", "group_id", "portal_id", "type_id", "window_id", "invite_id", "key")


def give_access(
    event: Event,
    email: str,
    role: str = Membership.Role.CHECK_IN,
    *,
    portal: Portal | None = None,
    granted_by: Any = None,
) -> tuple[Any, EventGrant]:
    """An account (made if needed) with a grant to `event`, through the service."""
    user = get_user_model().objects.filter(email=email).first() or make_user(email)
    grant = grant_event_access(event, email=email, role=role, portal=portal, granted_by=granted_by)
    return user, grant


@dataclass(frozen=True)
class EventObjects:
    """One event's objects, to fill an organizer URL's kwargs."""

    event: Event
    kwargs: dict[str, Any]


def event_objects(event: Event, *, name: str = "Exhibitors") -> EventObjects:
    group = event.portal_groups.first() or make_group(
        organization=event.organization, event=event, name=name, kind="exhibitor"
    )
    portal = Portal.objects.filter(group=group).first() or make_portal(
        group=group, name=f"{name} portal", allocation=5
    )
    window = event.entry_windows.first() or window_open_now(event)
    invite = Invite.objects.filter(event=event).first() or accepted_guest(event)[0]
    purchase = Purchase.objects.filter(organization=event.organization).first()
    if purchase is None:
        purchase = Purchase.objects.create(
            organization=event.organization,
            kind=CreditKind.INVITE,
            credits=10,
            unit_price=Decimal("1.0000"),
            total_price=Decimal("10.00"),
            currency="EUR",
        )
    return EventObjects(
        event=event,
        kwargs={
            "org_slug": event.organization.slug,
            "event_slug": event.slug,
            "group_id": group.public_id,
            "portal_id": portal.public_id,
            "type_id": group.invite_types.first().public_id,
            "window_id": window.public_id,
            "invite_id": invite.public_id,
            "key": "preview",
            "purchase_id": purchase.public_id,
            "bundle_id": 1,
        },
    )


def other_event(event: Event, slug: str = "autumn-fair") -> Event:
    starts = timezone.now() + timedelta(days=60)
    return Event.objects.create(
        organization=event.organization,
        slug=slug,
        name="Autumn Fair",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
        timezone="Europe/Zurich",
    )


@dataclass(frozen=True)
class Route:
    name: str
    converters: tuple[str, ...]
    route: str

    @property
    def is_door_page(self) -> bool:
        """The door's pages for an event (its scanner, its guest search), under
        `/o/<org>/events/<slug>/door/`: check-in staff's pages."""
        return self.name.startswith("door:") and "/<slug:event_slug>/door/" in self.route

    @property
    def event_scoped(self) -> bool:
        return any(name in EVENT_SCOPED for name in self.converters)

    def url(self, objects: EventObjects) -> str:
        return reverse(self.name, kwargs={name: objects.kwargs[name] for name in self.converters})


def organizer_routes(resolver: URLResolver | None = None, namespace: str = "") -> list[Route]:
    """Every named URL of an organization's pages (its route takes `org_slug`)."""
    routes: list[Route] = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes.extend(organizer_routes(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            converters = tuple(getattr(pattern.pattern, "converters", {}))
            if "org_slug" in converters:
                routes.append(Route(namespace + pattern.name, converters, str(pattern.pattern)))
    return routes
