"""The event page's guest list part: the link to it, and the guests per type and per window.

Registered with events' page registry (events/page.py) in InvitesConfig.ready().
The counts are invites/guest_counts.py's, as on the guest list: what the
organizer may see, against the windows' capacities.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from events.models import Event
from events.page import register_event_page_part
from invites.guest_counts import event_types, event_windows, type_counts, window_counts


def guest_list_context(event: Event) -> dict[str, Any]:
    types = event_types(event)
    return {
        "guest_list_url": reverse("invites:guest_list", args=[event.organization.slug, event.slug]),
        # A group with one type hides it: no table when no group has several.
        "guest_type_counts": type_counts(event, types) if types.shown else [],
        "guest_window_counts": window_counts(event, event_windows(event)),
    }


register_event_page_part(
    "invites",
    context=guest_list_context,
    templates={
        "actions": "invites/_event_guest_list_link.html",
        "body": "invites/_guest_counts.html",
    },
)
