"""The event page's door part: the link to the door page and its live counts.

Registered with events' page registry (events/page.py) in DoorConfig.ready().
The event page is the team's (restricted staff get 404 there), so the part
needs no check of its own; the counts are door/checkins.py's `attendance`.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from door.checkins import attendance
from events.models import Event
from events.page import register_event_page_part


def door_context(event: Event) -> dict[str, Any]:
    args = [event.organization.slug, event.slug]
    return {
        "door_url": reverse("door:door", args=args),
        "door_counts_url": reverse("door:counts", args=args),
        "door_counts": attendance(event),
    }


register_event_page_part(
    "door",
    context=door_context,
    templates={"actions": "door/_event_door_link.html", "body": "door/_event_door_counts.html"},
)
