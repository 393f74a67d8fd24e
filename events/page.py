"""What the apps above events add to the event page.

The event page (`events:detail`) belongs to events, but most of what an
organizer looks for there belongs to apps above it: the portal groups and
their counts (portals), the guest list (invites). Events must not import them,
so each registers a part here from its AppConfig.ready(): one function that
builds the part's context (called once per page view) and the templates it
renders in the page's places. Parts appear in registration order, which is
the order of INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured

from events.models import Event

# actions: beside "Edit event"; summary: above the event's details; body: below them.
Place = Literal["actions", "summary", "body"]
PLACES: tuple[Place, ...] = ("actions", "summary", "body")


@dataclass(frozen=True)
class EventPagePart:
    name: str
    context: Callable[[Event], Mapping[str, Any]]
    templates: Mapping[Place, str]


_parts: dict[str, EventPagePart] = {}


def register_event_page_part(
    name: str,
    *,
    context: Callable[[Event], Mapping[str, Any]],
    templates: Mapping[Place, str],
) -> None:
    """Add a part to the event page; registering a name again replaces that part."""
    unknown = set(templates) - set(PLACES)
    if unknown:
        raise ImproperlyConfigured(f"Event page part {name!r}: no place named {sorted(unknown)}.")
    _parts[name] = EventPagePart(name=name, context=context, templates=templates)


def event_page_context(event: Event) -> dict[str, Any]:
    """Every part's context, and under `page_parts` the templates to include in each place."""
    context: dict[str, Any] = {}
    templates: dict[Place, list[str]] = {place: [] for place in PLACES}
    for part in _parts.values():
        part_context = part.context(event)
        # The parts share the page's context: one part must not hide another's values.
        clash = context.keys() & part_context.keys()
        if clash:
            raise ImproperlyConfigured(
                f"Event page part {part.name!r} sets {sorted(clash)}, which another part sets."
            )
        context.update(part_context)
        for place, template in part.templates.items():
            templates[place].append(template)
    context["page_parts"] = templates
    return context
