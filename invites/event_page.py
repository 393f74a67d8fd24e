"""The event page's guest list part: the link to it, and the guests per type.

Registered with events' page registry (events/page.py) in InvitesConfig.ready().
The counts are invites/guest_counts.py's, as on the guest list. The places
taken per window are on the page's own entry-window table (portals/event_page.py,
counted by the same guest_counts rule); the guest list has the full window table.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from events.models import Event
from events.page import register_event_page_part
from invites.guest_counts import event_types, type_counts


def guest_list_context(event: Event) -> dict[str, Any]:
    types = event_types(event)
    return {
        "guest_list_url": reverse("invites:guest_list", args=[event.organization.slug, event.slug]),
        # A group with one type hides it: no table when no group has several.
        "guest_type_counts": type_counts(event, types) if types.shown else [],
    }


register_event_page_part(
    "invites",
    context=guest_list_context,
    templates={
        "actions": "invites/_event_guest_list_link.html",
        "body": "invites/_guest_counts.html",
    },
)
