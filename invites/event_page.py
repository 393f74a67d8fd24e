"""The event page's link to the event's guest list.

Registered with events' page registry (events/page.py) in InvitesConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from events.models import Event
from events.page import register_event_page_part


def guest_list_context(event: Event) -> dict[str, Any]:
    return {
        "guest_list_url": reverse("invites:guest_list", args=[event.organization.slug, event.slug])
    }


register_event_page_part(
    "invites",
    context=guest_list_context,
    templates={"actions": "invites/_event_guest_list_link.html"},
)
